import Tensor

/// A trainable tensor owned by a model; optimizers update `value` from `grad`.
public final class Parameter {
  public var name: String
  public var value: Tensor
  /// Accumulated gradient from the last backward pass(es); cleared by `zeroGrad`.
  public var grad: Tensor?

  public init(_ name: String, _ value: Tensor) {
    self.name = name
    self.value = value
  }
}

/// Anything that owns parameters (layers, models).
public protocol ParameterContainer: AnyObject {
  /// Every parameter, in a stable order (used for checkpoints and optimizers).
  var parameters: [Parameter] { get }
}

extension ParameterContainer {
  /// Clears the gradients of every parameter.
  public func zeroGrad() { for p in parameters { p.grad = nil } }
  /// Total number of scalar parameters.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}
