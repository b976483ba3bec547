/// A name defined before a compilation starts — the REPL's earlier `let`/`var` bindings.
///
/// The checker declares each one in the main program's top-level scope before anything
/// else; lowering reads and writes it as an IR global (`global.get`/`global.set`), whose
/// value the interpreter already holds. A new top-level binding of the same name shadows
/// it without a redefinition error.
public struct EnvironmentBinding: Hashable, Sendable {
  public var name: String
  public var type: ValueType
  public var mutable: Bool

  public init(name: String, type: ValueType, mutable: Bool) {
    self.name = name
    self.type = type
    self.mutable = mutable
  }
}
