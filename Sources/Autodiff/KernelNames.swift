import Tensor

// Free kernel functions of the `Tensor` module under a `k` prefix, so they can be
// called from inside `extension Op`, where the op cases (`.conv2d`, …) shadow the
// kernels' own names. (`Tensor.conv2d` would name a member of the `Tensor` typealias.)

func kConv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) throws -> Tensor {
  try conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
}

func kStarSample(_ map: Tensor, centers: Tensor, rotation: Tensor?, pattern: StarPattern,
                 interpolation: StarInterpolation) throws -> Tensor {
  try starSample(map, centers: centers, rotation: rotation, pattern: pattern, interpolation: interpolation)
}

func kDiff(_ t: Tensor, axis: Int) throws -> Tensor { try diff(t, axis: axis) }

func kSmoothCircular(_ t: Tensor, window: Int) throws -> Tensor { try smoothCircular(t, window: window) }
