import Autodiff
import IR
import Language
import Tensor

/// What a REPL session needs from an interpreter: globals set from outside, `main`'s
/// value, and user functions called on a tape the session owns.
extension Interpreter {
  /// Sets globals (earlier bindings of the session) before a run.
  package func installGlobals(_ values: [String: Value]) {
    for (k, v) in values { globals[k] = v }
  }

  /// The value of a global after a run, if it was set.
  package func global(_ name: String) -> Value? { globals[name] }

  /// Sets one global.
  package func setGlobal(_ name: String, _ value: Value) { globals[name] = value }

  /// Runs `main` and returns its value (`()` unless it returns its last expression).
  package func runMain() throws -> Value {
    guard let main = functions["main"] else { throw RuntimeError("the program has no main function", at: .none) }
    return try LargeStack.run { try call(main, args: [], site: main.span) }
  }

  /// Calls the user function `name` while `t` is the tape, so the ops it runs on tracked
  /// values are recorded there.
  package func callRecording(_ name: String, _ args: [Value], on t: Tape, training on: Bool = false) throws -> Value {
    guard let f = functions[name] else { throw RuntimeError("unknown function \(name)", at: .none) }
    return try LargeStack.run { try with(tape: t, training: on) { try call(f, args: args, site: f.span) } }
  }

  /// Constructs a model by name.
  package func constructModel(_ name: String, _ args: [Value]) throws -> Value {
    try construct(name, args: args, site: .none)
  }
}
