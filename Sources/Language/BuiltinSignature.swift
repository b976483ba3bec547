/// What a builtin parameter accepts.
public enum ParamKind: String, Sendable {
  /// A Tensor or IntTensor.
  case tensor
  /// A number or a tensor.
  case real
  case int, float, bool, string
  /// A list of Ints (a shape).
  case shape
  /// One axis (an Int) or several (a list of Ints).
  case axes
  case list
  /// A model instance or layer (something with parameters).
  case module
  case any
}

/// How gradients pass through a builtin (what activity analysis needs).
public enum Gradient: String, Sendable {
  /// Has a vector-Jacobian product.
  case differentiable
  /// Real-valued output with no gradient (`round`, `floor`): on a path to a loss it needs `@bypass`.
  case nonDifferentiable
  /// Index-valued output (`argmax`, `dp_contour`): fine on a side path, e.g. as an index.
  case integer
  /// Output does not depend differentiably on any input (constructors, I/O).
  case none
}

/// What a builtin name denotes.
public enum BuiltinKind: String, Sendable {
  case function
  /// Creates a layer value that owns parameters (`dense`, `conv2d`).
  case layer
  /// Creates an optimizer over a model's parameters.
  case optimizer
  /// A function with effects or state (output, files, the clock, the random stream): never
  /// removed, merged or reordered by the IR passes.
  case effect
  /// Handled by the checker and the lowering directly (`grad`, `eval`, `stop_gradient`).
  case special
}

/// One parameter of a builtin: name (also its label), what it accepts, and its default.
public struct BuiltinParam: Sendable {
  public let name: String
  public let kind: ParamKind
  /// The default when the argument is omitted; nil means the argument is required.
  public let defaultValue: ConstValue?
  /// The argument only steers the result (the condition of `where`): no gradient flows to
  /// it, so activity analysis does not follow it.
  public var noGradient = false
}

/// The checker's view of one call: the argument types and constant values by parameter
/// position (defaults filled in), and errors a shape rule reports.
public struct CallInfo {
  public var types: [ValueType]
  public var consts: [ConstValue?]
  /// The builtin being called (a layer's rule records it as the layer's maker).
  public var callee: BuiltinID?
  var errors: [(message: String, param: Int?)] = []

  func type(_ i: Int) -> ValueType { i < types.count ? types[i] : .any }
  func int(_ i: Int) -> Int? { i < consts.count ? consts[i]?.intValue : nil }
  /// The axes of an `axes` argument, each normalised for `rank` (nil when not constant or
  /// when one is out of range or repeated, which `fail`s at the parameter).
  mutating func axes(_ i: Int, rank: Int) -> [Int]? {
    let given: [Int]
    switch i < consts.count ? consts[i] : nil {
    case .int(let a)?: given = [a]
    case .list(let xs)?:
      let ints = xs.compactMap(\.intValue)
      guard ints.count == xs.count else { return nil }
      given = ints
    default: return nil
    }
    var out: [Int] = []
    for a in given {
      guard let ax = ShapeRules.axis(a, rank: rank) else {
        fail("axis \(a) is out of range for a tensor of rank \(rank)", at: i)
        return nil
      }
      if out.contains(ax) { fail("axis \(a) is given twice", at: i); return nil }
      out.append(ax)
    }
    return out
  }
  func shape(_ i: Int) -> [Dim]? {
    if i < consts.count, case .list(let xs)? = consts[i] {
      return xs.map { $0.intValue.map(Dim.known) ?? .unknown }
    }
    if case .list(_, let n?) = type(i) { return Array(repeating: .unknown, count: n) }
    return nil
  }
  func isAbsent(_ i: Int) -> Bool { i < consts.count && consts[i] == ConstValue.none }
  mutating func fail(_ message: String, at param: Int? = nil) { errors.append((message, param)) }
}

/// A builtin's identity: its place in `Builtins.all`. The checker, the IR and the
/// interpreter pass this, never the name; passes ask the entry (`id.builtin`) what they may do.
public struct BuiltinID: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let index: Int
  public var builtin: Builtin { Builtins.all[index] }
  public var name: String { builtin.name }
  public var description: String { builtin.name }
  public static func < (a: BuiltinID, b: BuiltinID) -> Bool { a.index < b.index }
}

/// Whether a builtin maps the items of axis 0 independently, so `@bypass` can stack K
/// noisy batches into one call.
public enum Batching: Sendable {
  /// Not known to: K noisy calls run one by one.
  case none
  /// Every item of axis 0 on its own (elementwise functions, `dp_contour`, the solvers).
  case alongAxis0
  /// Along the axis given as its second argument (`argmax`, `sort`): item by item only when
  /// that axis is a later one, a positive constant.
  case alongLaterAxis
}

/// The native modules: builtins that belong to an application rather than to the language,
/// reached after `import NAME` as `NAME.builtin(…)`. Their implementations are registered by
/// the runtime targets that own them.
public enum NativeModule: String, Sendable, CaseIterable {
  /// The cardiac-MRI data: ACDC and synthetic sets, LV masks, star centres (`Runtime/Cardiac`).
  case cardiac
  /// The run folder: metrics, plots, overlays, progress, checkpoints (`Runtime/RunFolder`).
  case run

  /// One line for `docs/language.md`.
  public var summary: String {
    switch self {
    case .cardiac: return "the cardiac-MRI data sets (synthetic and ACDC), LV masks and star centres"
    case .run: return "the run folder (`--out`): metrics, plots, overlays, progress bars and checkpoints"
    }
  }
}

/// One registry entry: the single place that says what a builtin is — its labelled
/// parameters and defaults, its type and shape rule (and, for a layer, the rule for applying
/// it), how gradients pass, what passes may do with it (`kind`), whether `@bypass` may batch
/// it, and its module. The runtime binds its implementation to the entry (checked at start-up
/// and by the registry tests); an elementwise function's kernel and derivative come from
/// `Tensor.MapOp` of the same name.
public struct Builtin: Sendable {
  public let name: String
  public let params: [BuiltinParam]
  /// Accepts any number of positional arguments (`print`).
  public let variadic: Bool
  public let gradient: Gradient
  public let kind: BuiltinKind
  /// One line for `docs/language.md` and the REPL.
  public let summary: String
  public internal(set) var batching: Batching = .none
  /// The native module the builtin belongs to; nil for the language's own.
  public internal(set) var module: NativeModule?
  /// A one-argument elementwise function whose kernel and derivative are `Tensor.MapOp`'s
  /// case of the same name (the runtime implements and the tests gradient-check it from that).
  public internal(set) var isElementwise = false
  /// `relu`: layers whose kernels fuse it apply it in the same pass (`IR.Fusion`).
  public internal(set) var fusesIntoLayers = false
  /// How a special form is written, when its parameters cannot say it (`grad(x, …) { loss }`).
  public internal(set) var form: String?
  /// The input range a finite-difference check samples for an elementwise function.
  public internal(set) var domain: ClosedRange<Double> = -2...2
  /// For a layer: the output type of applying it to an input of this shape (errors as text).
  public internal(set) var applyRule: (@Sendable (LayerInfo, [Dim]) -> Result<[Dim], LayerError>)?
  /// The entry's identity (set when `Builtins.all` is built).
  public internal(set) var id = BuiltinID(index: -1)
  let rule: @Sendable (inout CallInfo) -> ValueType

  init(_ name: String, _ params: [BuiltinParam], variadic: Bool = false, _ gradient: Gradient,
       kind: BuiltinKind = .function, _ summary: String, rule: @escaping @Sendable (inout CallInfo) -> ValueType) {
    self.name = name
    self.params = params
    self.variadic = variadic
    self.gradient = gradient
    self.kind = kind
    self.summary = summary
    self.rule = rule
  }

  /// Computes the result type of a call; shape errors are added to `info`.
  public func resultType(_ info: inout CallInfo) -> ValueType { rule(&info) }

  /// Index of the parameter called `name`.
  public func index(of name: String) -> Int? { params.firstIndex { $0.name == name } }

  /// A copy that `@bypass` may batch along axis 0 (`how`).
  func batched(_ how: Batching = .alongAxis0) -> Builtin {
    var b = self
    b.batching = how
    return b
  }

  /// A copy written as `form` (a special form with a block or a list of inputs).
  func written(as form: String) -> Builtin {
    var b = self
    b.form = form
    return b
  }

  /// A copy in native module `m`.
  func inModule(_ m: NativeModule) -> Builtin {
    var b = self
    b.module = m
    return b
  }

  /// The name as a program writes it: `run.log_metrics` for a native module's builtin.
  public var qualifiedName: String { module.map { "\($0.rawValue).\(name)" } ?? name }
}

/// Why applying a layer to an input fails (the checker reports it at the input).
public struct LayerError: Error, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
}

/// Shorthand for builtin parameter lists.
func p(_ name: String, _ kind: ParamKind, _ def: ConstValue? = nil, noGradient: Bool = false) -> BuiltinParam {
  BuiltinParam(name: name, kind: kind, defaultValue: def, noGradient: noGradient)
}

extension Builtin {
  /// `softmax(x: tensor, axis: int = -1)`: the call as written, with each parameter's
  /// label, what it accepts and its default (the REPL's `:type` and `:help`); `print(…)`
  /// for a variadic builtin, and a special form as it is written (`eval { … }`).
  public var signature: String {
    if let form { return form }
    let ps = params.map { p in "\(p.name): \(p.kind.rawValue)" + (p.defaultValue.map { " = \($0)" } ?? "") }
    return name + "(" + (ps + (variadic ? ["…"] : [])).joined(separator: ", ") + ")"
  }

  /// The parameters column of `docs/language.md`'s table: the labelled parameters, `…`, or
  /// a special form's inputs as written.
  var parametersText: String {
    if let form { return form }
    if variadic { return "…" }
    return params.map { p in "\(p.name): \(p.kind.rawValue)" + (p.defaultValue.map { " = \($0)" } ?? "") }.joined(separator: ", ")
  }
}
