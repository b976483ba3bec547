import IR

/// A builtin's implementation: the interpreter, the arguments in parameter order (defaults
/// filled in by lowering), and the op (for its span, type and `record` flag).
typealias BuiltinImpl = @Sendable (Interpreter, [Value], IR.Op) throws -> Value

/// The implementations of the builtins declared in `Language.Builtins`, by name.
enum BuiltinTable {
  static let all: [String: BuiltinImpl] = {
    var t: [String: BuiltinImpl] = [:]
    for group in [creation, shaping, math, reductions, layers, losses, contour, data, resume, misc, sorting, indexing, library, solvers] {
      t.merge(group) { a, _ in a }
    }
    return t
  }()
}

extension Interpreter {
  func callBuiltin(_ name: String, _ args: [Value], _ op: IR.Op) throws -> Value {
    guard let impl = BuiltinTable.all[name] else {
      throw RuntimeError("the builtin '\(name)' has no implementation", at: op.span)
    }
    return try impl(self, args, op)
  }

  /// An optional Int argument (`none` when absent).
  func optionalInt(_ v: Value, _ op: IR.Op, _ what: String) throws -> Int? {
    if case .none = v { return nil }
    return try int(v, op, what)
  }
}
