/// What a name denotes.
public enum SymbolKind: Hashable, Sendable {
  /// A `let`/`var` binding, loop variable, or function/constructor parameter.
  case local
  /// A field of a model (a `let` in its body) or a constructor parameter, seen from a method.
  case field(model: String)
  /// `self` inside a method: the model the method was called on (`self.other(x)`).
  case receiver(model: String)
  /// A user function, by qualified name.
  case function(String)
  /// A model declaration, by qualified name.
  case model(String)
  /// An imported module.
  case module(String)
  /// A `config { … }` field.
  case config
}

/// A declared name. Symbols are numbered in order of declaration across the compilation.
public struct Symbol: Hashable, Sendable {
  public var id: Int
  public var name: String
  public var kind: SymbolKind
  public var mutable: Bool
  public var type: ValueType
  public var span: Span
  /// The value when it is a compile-time constant (`let n = 3`).
  public var constant: ConstValue?
  /// Declared at the top level of a file (outside every function and model).
  public var topLevel: Bool
  /// The span of the `let` keyword, for the "change 'let' to 'var'" fix-it.
  public var introducerSpan: Span?
}

/// Where a call argument comes from after labels are resolved: the call's own argument,
/// or a default value.
public enum ArgSource: Hashable, Sendable {
  case arg(Int)
  case defaultValue(ConstValue)
}

/// What the checker decided about one `@bypass(…)` call.
public struct BypassInfo: Hashable, Sendable {
  /// `es`, `ste`, `blackbox`, `perturbed`, `model` (a model value: DiffBypass), or
  /// `dynamic` (a String value names one of the four at run time).
  public var strategy: String
  /// The bypassed inputs, as indices into the call's written arguments: the arguments
  /// `wrt:` names, else the first tensor argument.
  public var inputs: [Int]

  /// The strategy of a `@bypass` whose strategy is a String value.
  public static let dynamic = "dynamic"

  /// Whether the strategy expression is an operand of the op (a model or a String).
  public var strategyIsValue: Bool { strategy == "model" || strategy == Self.dynamic }
}

/// What a call expression calls, decided by the checker; lowering follows it.
public enum CallTarget: Hashable, Sendable {
  /// A builtin function or layer/optimizer constructor; arguments in parameter order
  /// (variadic builtins list every argument).
  case builtin(BuiltinID, [ArgSource])
  /// A user function, by qualified name.
  case function(String, [ArgSource])
  /// Instantiation of a model, by qualified name.
  case construct(String, [ArgSource])
  /// A method (`forward` when a model value is called directly) on the callee's model value.
  case method(model: String, name: String, [ArgSource])
  /// Calling a layer value made by a builtin (`l1(x)`).
  case layer([ArgSource])
  /// `grad(x, …) { … }`; `valueToo` for `value_and_grad`.
  case grad(valueToo: Bool)
  /// `check_grad(x, net, …, eps:, directions:) { … }`: the tape gradient against finite differences.
  case checkGrad
  /// `opt.minimize { … }`.
  case minimize
  /// `eval { … }`.
  case eval
  case stopGradient
  case surrogate
  /// A callee only known at run time; arguments positionally.
  case dynamic
}

/// A user function known to the checker.
public struct FunctionInfo: Sendable {
  public var qualifiedName: String
  public var decl: FunctionDecl
  public var module: String
  /// Symbol ids of the parameters, in order.
  public var paramSymbols: [Int]
  public var paramTypes: [ValueType]
  public var defaults: [ConstValue?]
  public var result: ValueType?
  /// For methods: the model that owns it.
  public var model: String?
}

/// A user model known to the checker.
public struct ModelInfo: Sendable {
  public var qualifiedName: String
  public var decl: ModelDecl
  public var module: String
  public var paramSymbols: [Int]
  public var paramTypes: [ValueType]
  public var defaults: [ConstValue?]
  /// Field names in order (constructor parameters first), with their symbols.
  public var fields: [(name: String, symbol: Int)]
  /// Method name → qualified function name (`Mlp.forward`).
  public var methods: [String: String]
}
