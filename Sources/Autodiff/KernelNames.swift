import Tensor

// Free kernel functions of the `Tensor` module under a `k` prefix, so they can be
// called from inside `extension Primitive`, where the op cases (`.conv2d`, …) shadow the
// kernels' own names. (`Tensor.conv2d` would name a member of the `Tensor` typealias.)

func kConv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int, relu: Bool = false) throws -> Tensor {
  try conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, relu: relu)
}

func kStarSample(_ map: Tensor, centers: Tensor, rotation: Tensor?, pattern: StarPattern,
                 interpolation: StarInterpolation) throws -> Tensor {
  try starSample(map, centers: centers, rotation: rotation, pattern: pattern, interpolation: interpolation)
}

func kDiff(_ t: Tensor, axis: Int) throws -> Tensor { try diff(t, axis: axis) }

func kSmoothCircular(_ t: Tensor, window: Int) throws -> Tensor { try smoothCircular(t, window: window) }

func kDPContourSoft(_ g: Tensor, delta: Int, gamma: Float) throws -> Tensor { try dpContourSoft(g, delta: delta, gamma: gamma) }

func kConvTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) throws -> Tensor {
  try convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
}

func kMaxPool2d(_ x: Tensor, kernel: Int, stride: Int, ceil: Bool) throws -> (y: Tensor, indices: IntTensor) {
  try maxPool2d(x, kernel: kernel, stride: stride, ceil: ceil)
}

func kUpsample(_ x: Tensor, size: (Int, Int), mode: UpsampleMode) throws -> Tensor {
  try upsample(x, size: size, mode: mode)
}

func kSoftmax(_ x: Tensor, axis: Int) throws -> Tensor { try softmax(x, axis: axis) }

func kMSE(_ a: Tensor, _ b: Tensor) throws -> Tensor { try mse(a, b) }

func kNLL(_ logp: Tensor, target: IntTensor, classAxis: Int?) throws -> Tensor {
  try nll(logp, target: target, classAxis: classAxis)
}

func kLogSoftmax(_ x: Tensor, axis: Int) throws -> Tensor { try logSoftmax(x, axis: axis) }

func kCrossEntropy(_ logits: Tensor, target: IntTensor, classAxis: Int?) throws -> Tensor {
  try crossEntropy(logits, target: target, classAxis: classAxis)
}
