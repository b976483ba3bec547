import Foundation

/// One named benchmark: `run` returns its median time and the figure that fits it.
struct Benchmark: Sendable {
  let name: String
  let run: @Sendable () throws -> BenchResult
}

/// A measured result: median milliseconds and extra figures (`gflops`, `contours_per_s`, …).
struct BenchResult {
  var medianMs: Double
  var figures: [(String, Double)] = []
  var iterations = 0
}

enum Measure {
  /// With `DPL_BENCH_CPU` set, times are the process' CPU time (user + system, all threads)
  /// instead of wall time: a steadier figure for comparing two variants on a busy machine.
  static let cpuTime = ProcessInfo.processInfo.environment["DPL_BENCH_CPU"] != nil

  /// The fastest iteration of the last `median` call, in milliseconds (a steadier figure than
  /// the median when other work shares the machine).
  nonisolated(unsafe) static var lastMinimum: Double = 0

  /// Now, in nanoseconds, on the clock `cpuTime` selects.
  static func now() -> UInt64 {
    guard cpuTime else { return DispatchTime.now().uptimeNanoseconds }
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    let us = (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1_000_000 + Int(u.ru_utime.tv_usec + u.ru_stime.tv_usec)
    return UInt64(us) * 1000
  }

  /// Times `body` after `warmup` calls, for at least `iterations` calls and `seconds`
  /// seconds; returns the median in milliseconds and the count.
  static func median(warmup: Int = 2, iterations: Int = 10, seconds: Double = 1,
                     _ body: () throws -> Void) rethrows -> (Double, Int) {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    let start = DispatchTime.now().uptimeNanoseconds
    while times.count < iterations
      || Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds && times.count < 1000 {
      let t0 = now()
      try body()
      times.append(Double(now() - t0) / 1e6)
    }
    times.sort()
    lastMinimum = times.first ?? 0
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
