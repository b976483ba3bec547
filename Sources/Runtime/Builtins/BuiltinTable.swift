import IR
import Language
import Tensor

/// A builtin's implementation: the interpreter, the arguments in parameter order (defaults
/// filled in by lowering), and the op (for its span, type and `record` flag).
typealias BuiltinImpl = @Sendable (Interpreter, [Value], IR.Op) throws -> Value

/// The implementations of the registry's entries (`Language.Builtins.all`), by entry. The
/// groups below bind theirs by the entry's name once, here; an elementwise entry gets its
/// implementation from the `MapOp` of its name. A registry without an implementation for
/// each entry (or an implementation for no entry) stops at start-up, as a bad pass order does.
enum BuiltinTable {
  static let implementations: [BuiltinImpl] = {
    if let problem = problems().first { preconditionFailure(problem) }
    return Builtins.all.map { bound($0)! }
  }()

  /// The groups' implementations by entry name.
  static let named: [String: BuiltinImpl] = {
    var t: [String: BuiltinImpl] = [:]
    for group in [creation, shaping, math, reductions, layers, losses, contour, cardiac, training, run, misc, sorting, indexing, library, solvers] {
      t.merge(group) { a, _ in a }
    }
    return t
  }()

  /// The implementation of an entry: an elementwise kernel, or a group's; nil when it has
  /// none (the special forms are lowered to ops of their own and have none).
  static func bound(_ b: Builtin) -> BuiltinImpl? {
    if b.isElementwise { return MapOp(rawValue: b.name).map(elementwise) }
    if b.kind == .special { return named[b.name] ?? { _, _, op in throw RuntimeError("'\(b.name)' is a special form", at: op.span) } }
    return named[b.name]
  }

  /// What is wrong with the binding: entries without an implementation, implementations of
  /// no entry, elementwise entries whose kernel has another gradient kind.
  static func problems() -> [String] {
    var out: [String] = []
    for b in Builtins.all {
      if b.isElementwise {
        guard let m = MapOp(rawValue: b.name) else { out.append("elementwise builtin '\(b.name)' has no MapOp kernel of that name"); continue }
        if m.isDifferentiable != (b.gradient == .differentiable) {
          out.append("elementwise builtin '\(b.name)' is \(b.gradient) but its MapOp kernel \(m.isDifferentiable ? "has" : "has no") derivative")
        }
        if named[b.name] != nil { out.append("elementwise builtin '\(b.name)' also has a group implementation") }
      } else if bound(b) == nil {
        out.append("builtin '\(b.name)' has no implementation")
      }
    }
    for name in named.keys.sorted() where Builtins.named(name) == nil {
      out.append("an implementation is bound to '\(name)', which is no registry entry")
    }
    return out
  }
}

extension Interpreter {
  func callBuiltin(_ id: BuiltinID, _ args: [Value], _ op: IR.Op) throws -> Value {
    try BuiltinTable.implementations[id.index](self, args, op)
  }

  /// An optional Int argument (`none` when absent).
  func optionalInt(_ v: Value, _ op: IR.Op, _ what: String) throws -> Int? {
    if case .none = v { return nil }
    return try int(v, op, what)
  }
}
