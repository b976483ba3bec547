import Language
import Autodiff
import Tensor

/// A run-time value of a dpl program.
///
/// Tensors are `Var`s: a Float32 tensor and, inside a gradient block, its tape node.
/// Values made by `@bypass` carry a `BypassLink` to the gradient path the strategy built.
public enum Value {
  case int(Int)
  case float(Double)
  case bool(Bool)
  case string(String)
  case tensor(Var, BypassLink?)
  case intTensor(IntTensor, BypassLink?)
  case list([Value])
  case tuple([Value])
  case range(Int, Int)
  case function(String)
  case builtin(BuiltinID)
  case modelType(String)
  case module(String)
  case model(ModelInstance)
  /// A model's method read as a member of a value whose type is only known at run time
  /// (`net.hidden` with `net: Any`); the call that follows runs it on the model.
  case method(ModelInstance, String)
  case layer(LayerValue)
  /// A model's own trainable tensor (`let w = param(…)`), as its field holds it; reading
  /// the field gives the tensor, watched on the tape when a gradient is recorded.
  case parameter(Parameter)
  case optimizer(OptimizerValue)
  /// The gradient of a loss with respect to a model or a layer (`grad(net) { … }`).
  case gradient(ModelGradient)
  case cell(Cell)
  case none
  case void

  /// A plain tensor value (no tape node).
  package static func tensor(_ t: Tensor) -> Value { .tensor(Var(constant: t), nil) }
  package static func tensor(_ v: Var) -> Value { .tensor(v, nil) }

  /// The name of this value's type, for error messages.
  package var typeName: String {
    switch self {
    case .int: return "Int"
    case .float: return "Float"
    case .bool: return "Bool"
    case .string: return "String"
    case .tensor(let v, _): return "Tensor\(shapeString(v.shape))"
    case .intTensor(let t, _): return "IntTensor\(shapeString(t.shape))"
    case .list: return "list"
    case .tuple: return "tuple"
    case .range: return "Range"
    case .function(let n): return "fn \(n)"
    case .builtin(let n): return "builtin \(n)"
    case .modelType(let n): return "model type \(n)"
    case .module(let n): return "module \(n)"
    case .model(let m): return m.typeName
    case .method(let m, let name): return "method \(m.typeName).\(name)"
    case .layer(let l): return "Layer(\(l.kind))"
    case .parameter(let p): return "Tensor\(shapeString(p.value.shape))"
    case .optimizer: return "Optimizer"
    case .gradient(let g): return "Gradient(\(g.typeName))"
    case .cell: return "cell"
    case .none: return "none"
    case .void: return "()"
    }
  }
}

/// What a `@bypass` call left for the gradient: `shadow` is the value as a Float tensor on
/// the tape (its backward is the strategy's estimator); `surrogate` is the DiffBypass
/// network's own output `net(x)` (for `surrogate(y)`).
public final class BypassLink {
  public let shadow: Var?
  public let surrogate: Var?
  init(shadow: Var?, surrogate: Var?) {
    self.shadow = shadow
    self.surrogate = surrogate
  }
}

/// A mutable local (`var`).
public final class Cell {
  var value: Value
  init(_ value: Value) { self.value = value }
}
