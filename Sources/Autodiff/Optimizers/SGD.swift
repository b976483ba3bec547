import Tensor

/// Stochastic gradient descent with (heavy-ball) momentum, as PyTorch's `SGD`.
public final class SGD: Optimizer {
  public let parameters: [Parameter]
  public var lr: Float
  public let momentum: Float, weightDecay: Float
  private var buf: [Tensor?]

  public init(_ parameters: [Parameter], lr: Float, momentum: Float = 0, weightDecay: Float = 0) {
    self.parameters = parameters
    self.lr = lr; self.momentum = momentum; self.weightDecay = weightDecay
    buf = parameters.map { _ in nil }
  }

  public func step() throws {
    for (k, p) in parameters.enumerated() {
      guard var g = p.grad else { continue }
      guard g.shape == p.value.shape else {
        throw TensorError("sgd", "gradient \(shapeString(g.shape)) for parameter '\(p.name)' \(shapeString(p.value.shape))")
      }
      if weightDecay != 0 { g = try g + p.value * weightDecay }
      if momentum != 0 {
        if var b = buf[k] {
          b = try b * momentum + g
          buf[k] = b
        } else {
          buf[k] = g
        }
        g = buf[k]!
      }
      p.value = try p.value - g * lr
    }
  }

  public var state: [String: Tensor] {
    var s: [String: Tensor] = [:]
    for (k, p) in parameters.enumerated() { if let b = buf[k] { s["\(p.name).momentum_buffer"] = b } }
    return s
  }

  public func load(state s: [String: Tensor]) throws {
    for (k, p) in parameters.enumerated() {
      buf[k] = s["\(p.name).momentum_buffer"] == nil ? nil
        : try stateTensor(s, "\(p.name).momentum_buffer", shape: p.value.shape)
    }
  }
}
