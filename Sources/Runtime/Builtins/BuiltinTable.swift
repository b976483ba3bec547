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
  static let implementations: [BuiltinImpl] = verified(Builtins.all, named)

  /// The groups' implementations by entry name.
  static let named: [String: BuiltinImpl] = {
    var t: [String: BuiltinImpl] = [:]
    for group in [creation, shaping, math, reductions, layers, losses, contour, cardiac, training, run, misc, sorting, indexing, library, parameters, solvers] {
      t.merge(group) { a, _ in a }
    }
    return t
  }()

  /// The implementation of each entry, in order; the process stops naming the first of the
  /// binding's `problems` when it has any.
  ///
  /// The stop is `fatalError`, not a `precondition`: release builds of a target compiled
  /// with `-Ounchecked` assume a precondition's condition instead of checking it, while
  /// `fatalError` stops at every optimisation level. The check is a function of the table,
  /// so a test hands it a broken one (an exit test, in whatever configuration the tests are
  /// built) and the shipping start-up has no switch to break its own.
  static func verified(_ entries: [Builtin], _ named: [String: BuiltinImpl]) -> [BuiltinImpl] {
    if let problem = problems(entries, named).first { fatalError("the builtin registry is broken: \(problem)") }
    return entries.compactMap { bound($0, named) }
  }

  /// The implementation of an entry: an elementwise kernel, or a group's; nil when it has
  /// none (the special forms are lowered to ops of their own and have none).
  static func bound(_ b: Builtin, _ named: [String: BuiltinImpl] = named) -> BuiltinImpl? {
    if b.isElementwise { return MapOp(rawValue: b.name).map(elementwise) }
    if b.kind == .special { return named[b.name] ?? { _, _, op in throw RuntimeError("'\(b.name)' is a special form", at: op.span) } }
    return named[b.name]
  }

  /// What is wrong with a binding of `entries` by `named`: entries without an
  /// implementation, implementations of no entry, elementwise entries whose kernel has
  /// another gradient kind.
  static func problems(_ entries: [Builtin] = Builtins.all, _ named: [String: BuiltinImpl] = named) -> [String] {
    var out: [String] = []
    for b in entries {
      if b.isElementwise {
        guard let m = MapOp(rawValue: b.name) else { out.append("elementwise builtin '\(b.name)' has no MapOp kernel of that name"); continue }
        if m.isDifferentiable != (b.gradient == .differentiable) {
          out.append("elementwise builtin '\(b.name)' is \(b.gradient) but its MapOp kernel \(m.isDifferentiable ? "has" : "has no") derivative")
        }
        if named[b.name] != nil { out.append("elementwise builtin '\(b.name)' also has a group implementation") }
      } else if bound(b, named) == nil {
        out.append("builtin '\(b.name)' has no implementation")
      }
    }
    let names = Set(entries.map(\.name))
    for name in named.keys.sorted() where !names.contains(name) {
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
