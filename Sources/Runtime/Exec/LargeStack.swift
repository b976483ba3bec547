import Foundation
import Tensor

/// Runs the interpreter on a thread whose stack holds `Interpreter.maxCallDepth` nested dpl
/// calls, so deep recursion ends in the depth limit's located error, never in a signal.
/// The stack is reserved address space: only the pages a run touches are used.
public enum LargeStack {
  /// 4 GiB: a debug build's interpreter uses ≈ 100 KiB of stack per dpl call.
  static let bytes = 4 << 30
  static let key = "dpl.largeStack"

  /// Runs `body` on a large-stack thread (directly when already on one) and returns or
  /// rethrows its outcome.
  public static func run<T>(_ body: () throws -> T) throws -> T {
    if Thread.current.threadDictionary[key] != nil { return try body() }
    // The new thread sees none of the caller's task-local values: the ones the run reads
    // are carried over.
    let strategies = ConvStrategies.current
    return try withoutActuallyEscaping(body) { body in
      let box = Outcome<T>(body)
      let done = DispatchSemaphore(value: 0)
      let thread = Thread {
        Thread.current.threadDictionary[key] = true
        box.result = box.body.map { body in Result { try ConvStrategies.$current.withValue(strategies) { try body() } } }
        box.body = nil  // the thread object outlives the call: it must not keep `body`
        done.signal()
      }
      thread.stackSize = bytes
      thread.start()
      done.wait()
      guard let result = box.result else { throw RuntimeError("the interpreter's thread did not finish", at: .none) }
      return try result.get()
    }
  }

  final class Outcome<T>: @unchecked Sendable {
    var body: (() throws -> T)?
    var result: Result<T, Error>?
    init(_ body: @escaping () throws -> T) { self.body = body }
  }
}
