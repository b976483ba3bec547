import Tensor

/// A 2-D convolution layer over NCHW images; weight `[cout, cin, k, k]`, bias `[cout]`.
public final class Conv2d: Layer {
  public let weight: Parameter
  public let bias: Parameter?
  public let stride: Int, padding: Int

  public init(_ cin: Int, _ cout: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
              rng: inout RNG, name: String = "conv") {
    let fanIn = cin * kernel * kernel
    weight = Parameter("\(name).weight", kaimingUniform([cout, cin, kernel, kernel], fanIn: fanIn, rng: &rng))
    self.bias = bias ? Parameter("\(name).bias", kaimingUniform([cout], fanIn: fanIn, rng: &rng)) : nil
    self.stride = stride
    self.padding = padding
  }

  public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

  public func callAsFunction(_ x: Var, on tape: Tape) throws -> Var {
    try callAsFunction(x, on: tape, relu: false)
  }

  /// The convolution followed by a ReLU when `relu` (one fused op: no pre-activation kept).
  public func callAsFunction(_ x: Var, on tape: Tape, relu: Bool) throws -> Var {
    var inputs = [x, tape.watch(weight)]
    if let bias { inputs.append(tape.watch(bias)) }
    let op: Primitive = relu ? .conv2dReLU(stride: stride, padding: padding) : .conv2d(stride: stride, padding: padding)
    return try tape.apply(op, inputs)
  }
}
