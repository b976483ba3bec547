import Tensor

/// A transposed 2-D convolution (up-sampling); weight `[cin, cout, k, k]` as PyTorch's.
public final class ConvTranspose2d: Layer {
  public let weight: Parameter
  public let bias: Parameter?
  public let stride: Int, padding: Int

  public init(_ cin: Int, _ cout: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
              rng: inout RNG, name: String = "convT") {
    // PyTorch computes fan-in from weight.size(1)·k·k for transposed convs.
    let fanIn = cout * kernel * kernel
    weight = Parameter("\(name).weight", kaimingUniform([cin, cout, kernel, kernel], fanIn: fanIn, rng: &rng))
    self.bias = bias ? Parameter("\(name).bias", kaimingUniform([cout], fanIn: fanIn, rng: &rng)) : nil
    self.stride = stride
    self.padding = padding
  }

  public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

  public func callAsFunction(_ x: Var, on tape: Tape) throws -> Var {
    var inputs = [x, tape.watch(weight)]
    if let bias { inputs.append(tape.watch(bias)) }
    return try tape.apply(.convTranspose2d(stride: stride, padding: padding), inputs)
  }
}
