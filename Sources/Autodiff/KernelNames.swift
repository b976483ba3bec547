import Tensor

// Free kernel functions of the `Tensor` module under a `k` prefix, so they can be
// called from inside `extension Op`, where the op cases (`.conv2d`, …) shadow the
// kernels' own names. (`Tensor.conv2d` would name a member of the `Tensor` typealias.)

func kConv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) throws -> Tensor {
  try conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
}
