import Foundation
import Runtime
import Tensor

/// The environment variables dpl reads, checked once per command: a value dpl cannot use is
/// named in a warning with what is used instead, never ignored in silence.
enum EnvironmentCheck {
  static func warnings(_ env: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
    var out: [String] = []
    if let s = env["DPL_THREADS"], !(Int(s).map { $0 > 0 } ?? false) {
      out.append("DPL_THREADS='\(s)' is not a whole number of threads (1 or more); using \(Parallel.workers), one per core")
    }
    let limit = Interpreter.maxCallDepthLimit
    if let s = env["DPL_MAX_CALL_DEPTH"], !(Int(s).map { (1...limit).contains($0) } ?? false) {
      out.append("DPL_MAX_CALL_DEPTH='\(s)' is not a whole number from 1 to \(limit); using \(Interpreter.defaultMaxCallDepth)")
    }
    return out
  }

  /// Writes the warnings to stderr.
  static func warn() {
    for w in warnings() { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
  }
}
