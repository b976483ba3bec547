/// One dimension of a tensor shape: a known size, a symbol from an annotation
/// (`Tensor[B, 1, H, W]`), or unknown until run time.
public enum Dim: Hashable, Sendable, CustomStringConvertible {
  case known(Int)
  case symbol(String)
  case unknown

  public var description: String {
    switch self {
    case .known(let v): return String(v)
    case .symbol(let s): return s
    case .unknown: return "_"
    }
  }

  public var value: Int? {
    if case .known(let v) = self { return v }
    return nil
  }
}

/// What the checker knows about a layer value made by a builtin such as `dense(2, 64)`.
public struct LayerInfo: Hashable, Sendable {
  /// The builtin that made the layer; nil for any layer (`Layer` in an annotation).
  public var maker: BuiltinID?
  public var inFeatures: Int?
  public var outFeatures: Int?
  public var kernel: Int?
  public var stride: Int?
  public var pad: Int?
  /// Whether the layer has a bias (`dense(…, bias: false)` has none); nil when not known.
  public var bias: Bool?

  /// Any layer: what the annotation `Layer` means.
  public static let any = LayerInfo()
  /// The maker's name (`conv2d`), or `any`.
  public var kind: String { maker?.name ?? "any" }
}

/// The static type of a value. Tensor types carry their shape when the rank is known.
public indirect enum ValueType: Hashable, Sendable, CustomStringConvertible {
  case int, float, bool, string, void
  /// A Float32 tensor; `nil` shape means the rank is unknown.
  case tensor([Dim]?)
  /// An Int32 tensor of indices.
  case intTensor([Dim]?)
  case tuple([ValueType])
  /// A list; `count` is its length when known statically.
  case list(ValueType, count: Int?)
  case range
  /// A user function, by qualified name (`nn.dice`).
  case function(String)
  /// A builtin function.
  case builtin(BuiltinID)
  /// A model declaration (calling it instantiates the model), by qualified name.
  case modelType(String)
  /// A model instance, by its model's qualified name.
  case model(String)
  /// A layer made by a builtin (`dense`, `conv2d`, …).
  case layer(LayerInfo)
  case optimizer
  /// An imported module (`nn`).
  case module(String)
  /// The gradient of a loss with respect to a model or a layer (`grad(net) { … }`): the
  /// same structure, with a tensor where each parameter is (`g.l1.weight`).
  case gradient(ValueType)
  /// Known only at run time.
  case any
  /// The type of an erroneous expression; using it reports nothing further.
  case error

  public var description: String {
    switch self {
    case .int: return "Int"
    case .float: return "Float"
    case .bool: return "Bool"
    case .string: return "String"
    case .void: return "()"
    case .tensor(let s): return "Tensor" + shapeText(s)
    case .intTensor(let s): return "IntTensor" + shapeText(s)
    case .tuple(let ts): return "(" + ts.map(\.description).joined(separator: ", ") + ")"
    case .list(let t, _): return "[\(t)]"
    case .range: return "Range"
    case .function(let n): return "fn \(n)"
    case .builtin(let n): return "builtin \(n)"
    case .modelType(let n): return "model type \(n)"
    case .model(let n): return n
    case .layer(let l): return "Layer(\(l.kind))"
    case .optimizer: return "Optimizer"
    case .module(let n): return "module \(n)"
    case .gradient(let t): return "Gradient(\(t))"
    case .any: return "Any"
    case .error: return "<error>"
    }
  }

  /// The shape of a tensor type (nil if not a tensor or rank unknown).
  public var shape: [Dim]? {
    switch self {
    case .tensor(let s), .intTensor(let s): return s
    default: return nil
    }
  }

  public var isTensor: Bool {
    switch self {
    case .tensor, .intTensor: return true
    default: return false
    }
  }

  public var isNumericScalar: Bool { self == .int || self == .float }
  /// True for types that may hold a gradient (Float, Tensor).
  public var isReal: Bool {
    switch self {
    case .float, .tensor, .any, .error: return true
    default: return false
    }
  }
  /// True for the poison and dynamic types, which silence type errors.
  public var isLenient: Bool { self == .error || self == .any }
}

func shapeText(_ s: [Dim]?) -> String {
  guard let s else { return "" }
  return "[" + s.map(\.description).joined(separator: ", ") + "]"
}

/// A value known at compile time (literals, builtin defaults, folded constants).
public enum ConstValue: Hashable, Sendable, CustomStringConvertible {
  case int(Int)
  case float(Double)
  case bool(Bool)
  case string(String)
  case list([ConstValue])
  /// An absent optional argument (e.g. `axis` not given: reduce over all).
  case none

  public var description: String {
    switch self {
    case .int(let v): return String(v)
    case .float(let v): return String(v)
    case .bool(let v): return String(v)
    case .string(let s): return String(reflecting: s)
    case .list(let xs): return "[" + xs.map(\.description).joined(separator: ", ") + "]"
    case .none: return "none"
    }
  }

  public var intValue: Int? {
    if case .int(let v) = self { return v }
    return nil
  }

  public var type: ValueType {
    switch self {
    case .int: return .int
    case .float: return .float
    case .bool: return .bool
    case .string: return .string
    case .list(let xs): return .list(xs.first?.type ?? .any, count: xs.count)
    case .none: return .any
    }
  }
}
