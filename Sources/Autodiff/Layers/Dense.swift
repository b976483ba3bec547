import Tensor

/// A fully connected layer: `y = x·W + b` over the last axis; W is `[cin, cout]`.
public final class Dense: Layer {
  public let weight: Parameter
  public let bias: Parameter?

  public init(_ cin: Int, _ cout: Int, bias: Bool = true, rng: inout RNG, name: String = "dense") {
    weight = Parameter("\(name).weight", kaimingUniform([cin, cout], fanIn: cin, rng: &rng))
    self.bias = bias ? Parameter("\(name).bias", kaimingUniform([cout], fanIn: cin, rng: &rng)) : nil
  }

  public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

  public func callAsFunction(_ x: Var, on tape: Tape) throws -> Var {
    guard x.shape.last == weight.value.shape[0] else {
      throw TensorError("dense", "input \(shapeString(x.shape)) does not end in \(weight.value.shape[0]) features")
    }
    let y = try tape.matmul(x, tape.watch(weight))
    return try bias.map { try tape.add(y, tape.watch($0)) } ?? y
  }
}
