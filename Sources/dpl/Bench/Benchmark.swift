import Foundation

/// One named benchmark: `run` returns its median time and the figure that fits it.
struct Benchmark {
  let name: String
  let run: () throws -> BenchResult
}

/// A measured result: median milliseconds and extra figures (`gflops`, `contours_per_s`, …).
struct BenchResult {
  var medianMs: Double
  var figures: [(String, Double)] = []
  var iterations = 0
}

enum Measure {
  /// Times `body` after `warmup` calls, for at least `iterations` calls and `seconds`
  /// seconds; returns the median in milliseconds and the count.
  static func median(warmup: Int = 2, iterations: Int = 10, seconds: Double = 1,
                     _ body: () throws -> Void) rethrows -> (Double, Int) {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    let start = DispatchTime.now().uptimeNanoseconds
    while times.count < iterations
      || Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds && times.count < 1000 {
      let t0 = DispatchTime.now().uptimeNanoseconds
      try body()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    times.sort()
    let n = times.count
    return (n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2, n)
  }

  /// Resets the process' peak resident set size (Linux `clear_refs`), so the next
  /// `peakRSSMegabytes()` reports the peak of what follows.
  static func resetPeakRSS() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
  }

  /// Peak resident set size in MiB (`VmHWM`), or 0 where unavailable.
  static func peakRSSMegabytes() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
      let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
      return kb / 1024
    }
    return 0
  }
}
