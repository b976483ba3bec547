import Foundation
import Tensor

/// Per-primitive time totals of forward kernels and VJPs, collected when the environment
/// variable `DPL_TAPE_PROFILE` is set (any value). `dpl bench` prints them after a run;
/// whatever is left unprinted at exit (e.g. from `dpl run`) goes to stderr then, as totals.
public enum TapeProfile {
  public static let enabled: Bool = {
    let on = ProcessInfo.processInfo.environment["DPL_TAPE_PROFILE"] != nil
    if on { atexit { TapeProfile.printRemaining() } }
    return on
  }()
  nonisolated(unsafe) private static var totals: [String: (ns: UInt64, calls: Int)] = [:]
  private static let lock = NSLock()

  /// Runs `body`, charging its time to `key` when profiling is on.
  @inline(__always) @discardableResult
  public static func measure<R>(_ key: @autoclosure () -> String, _ body: () throws -> R) rethrows -> R {
    guard enabled else { return try body() }
    let t0 = DispatchTime.now().uptimeNanoseconds
    defer { add(key(), DispatchTime.now().uptimeNanoseconds - t0) }
    return try body()
  }

  static func add(_ key: String, _ ns: UInt64) {
    lock.lock()
    let old = totals[key] ?? (0, 0)
    totals[key] = (old.ns + ns, old.calls + 1)
    lock.unlock()
  }

  /// Times charged so far, largest first, as `(key, milliseconds, calls)`; clears them if `reset`.
  public static func report(reset: Bool = true) -> [(String, Double, Int)] {
    lock.lock()
    defer { if reset { totals = [:] }; lock.unlock() }
    return totals.map { ($0.key, Double($0.value.ns) / 1e6, $0.value.calls) }.sorted { $0.1 > $1.1 }
  }

  /// A short name for an op: its case and, for convolutions, the operand shapes.
  static func key(_ op: Primitive, _ inputs: [[Int]]) -> String {
    switch op {
    case .conv2d, .conv2dReLU, .convTranspose2d:
      let x = inputs[0], w = inputs[1]
      return "\(op) \(w.count > 1 ? "\(w[0])x\(w[1])k\(w.count > 2 ? w[2] : 0)" : "") @\(x.count > 2 ? x[2] : 0)"
    default: return "\(op)"
    }
  }
}

extension TapeProfile {
  /// Writes the totals not yet printed to stderr (at exit), if there are any.
  static func printRemaining() {
    if !report(reset: false).isEmpty { print(perCall: 1, header: "tape profile, whole run") }
  }

  /// Writes the totals to stderr divided by `perCall` (e.g. per training step), and clears them.
  public static func print(perCall: Int, header: String) {
    var lines = ["\(header): time per step by primitive (ms)"]
    for (k, ms, calls) in report() {
      lines.append(String(format: "  %9.3f  %5d  %@", ms / Double(perCall), calls / perCall, k))
    }
    FileHandle.standardError.write((lines.joined(separator: "\n") + "\n").data(using: .utf8)!)
  }
}
