import Autodiff
import Tensor

/// An instance of a user `model`: its fields in creation order.
public final class ModelInstance {
  public let typeName: String
  private(set) var order: [String] = []
  private(set) var fields: [String: Value] = [:]
  /// DiffBypass keeps the surrogate's own optimizer here, so its state (Adam moments)
  /// carries over from one training step to the next.
  var bypassOptimizer: Adam?
  /// Surrogate-optimizer state read by `load_into`, applied when the optimizer is made.
  var pendingBypassState: [String: Tensor]?
  /// The loss at each step of the latest surrogate fit (`fit_losses(model)`).
  var fitLosses: [Float] = []
  /// The latest fit's fidelity on its fresh noise (`fit_fidelity(model)`), and the watch
  /// that warns when the surrogate stops tracking its function.
  var fidelity: SurrogateFidelity?
  var fidelityWatch: SurrogateFidelity.Watch?

  init(typeName: String) { self.typeName = typeName }

  func field(_ name: String) -> Value? { fields[name] }

  /// Sets a field; layers and nested models take their parameter names from the path.
  func setField(_ name: String, _ value: Value) {
    if fields[name] == nil { order.append(name) }
    fields[name] = value
    Self.prefixNames(of: value, with: name)
  }

  /// Prefixes parameter names with the field path; list elements add their index
  /// (`down.0.conv1.weight`, as PyTorch's `ModuleList`), so every name is unique.
  static func prefixNames(of value: Value, with path: String) {
    switch value {
    case .list(let xs), .tuple(let xs):
      for (i, x) in xs.enumerated() { prefixNames(of: x, with: "\(path).\(i)") }
    default:
      // A free parameter (`param`) is named by its field alone.
      for p in parameters(of: value) { p.name = p.name.isEmpty ? path : "\(path).\(p.name)" }
    }
  }

  /// Every parameter of the model: its layer fields' and nested models', in field order.
  public var parameters: [Parameter] {
    var seen = Set<ObjectIdentifier>()
    return order.flatMap { Self.parameters(of: fields[$0] ?? .none) }.filter { seen.insert(ObjectIdentifier($0)).inserted }
  }

  /// Every layer of the model, nested models included.
  var layers: [LayerValue] {
    order.flatMap { name -> [LayerValue] in
      switch fields[name] {
      case .layer(let l): return [l]
      case .model(let m): return m.layers
      case .list(let xs): return xs.flatMap { v -> [LayerValue] in
        if case .layer(let l) = v { return [l] }
        if case .model(let m) = v { return m.layers }
        return []
      }
      default: return []
      }
    }
  }

  package static func parameters(of value: Value) -> [Parameter] {
    switch value {
    case .layer(let l): return l.layer.parameters
    case .parameter(let p): return [p]
    case .model(let m): return m.parameters
    case .list(let xs), .tuple(let xs): return xs.flatMap(parameters(of:))
    default: return []
    }
  }
}

/// A layer made by a builtin (`dense`, `conv2d`, `conv_transpose2d`, `batchnorm2d`).
public final class LayerValue {
  public let kind: String
  public let layer: any Layer
  init(kind: String, layer: any Layer) {
    self.kind = kind
    self.layer = layer
  }
}

/// An optimizer over a model's parameters.
public final class OptimizerValue {
  public let optimizer: any Optimizer
  public let model: ModelInstance
  /// Updates made so far (for messages and checkpoints).
  public var steps = 0
  init(_ optimizer: any Optimizer, model: ModelInstance) {
    self.optimizer = optimizer
    self.model = model
  }
}
