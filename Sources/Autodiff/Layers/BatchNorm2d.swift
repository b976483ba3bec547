import Tensor

/// Batch normalisation over channels with learnable scale and shift and running
/// statistics; `training` chooses batch statistics (and updates the running ones).
public final class BatchNorm2d: Layer {
  public let gamma: Parameter
  public let beta: Parameter
  public let running: RunningStats
  public var training = true
  public let momentum: Float, eps: Float

  public init(_ channels: Int, momentum: Float = 0.1, eps: Float = 1e-5, name: String = "bn") {
    gamma = Parameter("\(name).weight", Tensor.ones([channels]))
    beta = Parameter("\(name).bias", Tensor.zeros([channels]))
    running = RunningStats(channels: channels)
    self.momentum = momentum
    self.eps = eps
  }

  public var parameters: [Parameter] { [gamma, beta] }

  public func callAsFunction(_ x: Var, on tape: Tape) throws -> Var {
    try callAsFunction(x, on: tape, relu: false)
  }

  /// Batch norm followed by a ReLU when `relu` (one fused op: no pre-activation kept).
  public func callAsFunction(_ x: Var, on tape: Tape, relu: Bool) throws -> Var {
    try tape.apply(.batchNorm2d(running: running, training: training, momentum: momentum, eps: eps, relu: relu),
                   [x, tape.watch(gamma), tape.watch(beta)])
  }
}
