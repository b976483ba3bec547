import Tensor

/// A differentiable building block with parameters, callable on a tape.
public protocol Layer: ParameterContainer {
  func callAsFunction(_ x: Var, on tape: Tape) throws -> Var
  /// The layer followed by a ReLU; layers with a fused kernel (conv2d, batch norm) override it.
  func callAsFunction(_ x: Var, on tape: Tape, relu: Bool) throws -> Var
}

extension Layer {
  public func callAsFunction(_ x: Var, on tape: Tape, relu: Bool) throws -> Var {
    let y = try self(x, on: tape)
    return relu ? try tape.apply(.unary(.relu), [y]) : y
  }
}

/// PyTorch's default initialisation for dense and conv layers (Kaiming-uniform with
/// a = √5): weights and biases uniform in ±1/√fan_in.
func kaimingUniform(_ shape: [Int], fanIn: Int, rng: inout RNG) -> Tensor {
  let bound = 1 / Float(max(fanIn, 1)).squareRoot()
  return rng.uniform(shape, lo: -bound, hi: bound)
}
