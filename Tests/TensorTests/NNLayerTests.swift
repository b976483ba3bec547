import Foundation
import Testing
@testable import Tensor

/// max_pool2d, batch_norm2d and upsample against direct loops, and their gradients
/// against finite differences.

@Test(arguments: [(2, nil, 0), (3, 2, 0), (3, 2, 1), (2, 1, 1), (3, 3, 0)] as [(Int, Int?, Int)], [false, true] as [Bool])
func maxPoolMatchesDirectLoops(window: (kernel: Int, stride: Int?, pad: Int), ceil: Bool) throws {
  let (kernel, stride, pad) = window
  for (n, c, h, w) in [(1, 2, 7, 5), (3, 1, 8, 8), (2, 3, 4, 9), (2, 2, 25, 39)] {
    let x = distinctTensor([n, c, h, w], seed: 21)
    let s = stride ?? kernel
    // PyTorch's output size: ceil mode rounds up, but the last window must start inside the
    // input or its left padding.
    func out(_ v: Int) -> Int {
      let span = v + 2 * pad - kernel
      var o = (ceil ? (span + s - 1) / s : span / s) + 1
      if ceil && (o - 1) * s >= v + pad { o -= 1 }
      return o
    }
    let oh = out(h), ow = out(w)
    let (y, idx) = try maxPool2d(x, kernel: kernel, stride: stride, padding: pad, ceil: ceil)
    #expect(y.shape == [n, c, oh, ow] && idx.shape == y.shape)
    var ref = [Double](), refIdx = [Int32]()
    for p in 0..<(n * c) { for oy in 0..<oh { for ox in 0..<ow {
      var m = -Double.infinity, at = 0
      for ky in 0..<kernel { for kx in 0..<kernel {
        let iy = oy * s - pad + ky, ix = ox * s - pad + kx
        if iy >= 0 && iy < h && ix >= 0 && ix < w, Double(x[flat: p * h * w + iy * w + ix]) > m {
          m = Double(x[flat: p * h * w + iy * w + ix]); at = iy * w + ix
        }
      } }
      ref.append(m); refIdx.append(Int32(at))
    } } }
    expectClose(y, ref, "max_pool2d")
    #expect(idx.scalars == refIdx)
    // The finite-difference step must stay below the spacing of distinctTensor's values
    // (4 / count), so the large image is checked in the forward only.
    guard h * w <= 100 else { continue }
    try checkGradient(x, "max_pool2d", f: { try maxPool2d($0, kernel: kernel, stride: stride, padding: pad, ceil: ceil).y },
                      grad: { try maxPool2dBackward($0, indices: idx, inputShape: x.shape) })
  }
}

@Test func maxPoolErrorsThrow() {
  #expect(throws: TensorError.self) { try maxPool2d(.zeros([1, 1, 1, 1]), kernel: 2) }
  #expect(throws: TensorError.self) { try maxPool2d(.zeros([1, 4, 4]), kernel: 2) }
  #expect(throws: TensorError.self) { try maxPool2dBackward(.zeros([1, 1, 2, 2]), indices: IntTensor(shape: [1, 1, 2, 2], repeating: 99), inputShape: [1, 1, 4, 4]) }
}

// [2, 3, 7, 9]: rows of 63, longer than the kernels' 16-wide SIMD blocks, with a tail.
@Test(arguments: [[3, 4, 5, 6], [1, 2, 3, 3], [5, 3], [2, 3, 7, 9]])
func batchNormTrainingMatchesDirectLoops(_ shape: [Int]) throws {
  let x = randomTensor(shape, seed: 31, scale: 2) + 0.5
  let c = shape[1], n = shape[0], inner = x.count / (n * c), m = Double(n * inner)
  let gamma = randomTensor([c], seed: 32), beta = randomTensor([c], seed: 33)
  var running = BatchNormStats(channels: c)
  let (y, mean, invstd) = try batchNorm2dTraining(x, gamma: gamma, beta: beta, running: &running)
  var refY = [Double](repeating: 0, count: x.count)
  for ch in 0..<c {
    var idx: [Int] = []
    for b in 0..<n { for i in 0..<inner { idx.append((b * c + ch) * inner + i) } }
    let mu = idx.reduce(0.0) { $0 + Double(x[flat: $1]) } / m
    let v = idx.reduce(0.0) { $0 + pow(Double(x[flat: $1]) - mu, 2) } / m
    #expect(abs(Double(mean[flat: ch]) - mu) < 1e-5)
    #expect(abs(Double(invstd[flat: ch]) - 1 / (v + 1e-5).squareRoot()) < 1e-4)
    #expect(abs(Double(running.mean[flat: ch]) - 0.1 * mu) < 1e-5)
    #expect(abs(Double(running.variance[flat: ch]) - (0.9 + 0.1 * v * m / (m - 1))) < 1e-4)
    for i in idx { refY[i] = (Double(x[flat: i]) - mu) / (v + 1e-5).squareRoot() * Double(gamma[flat: ch]) + Double(beta[flat: ch]) }
  }
  expectClose(y, refY, "batch_norm2d")

  let eval = try batchNorm2dInference(x, gamma: gamma, beta: beta, running: running)
  var refE = [Double](repeating: 0, count: x.count)
  for i in 0..<x.count {
    let ch = (i / inner) % c
    refE[i] = (Double(x[flat: i]) - Double(running.mean[flat: ch])) / (Double(running.variance[flat: ch]) + 1e-5).squareRoot()
      * Double(gamma[flat: ch]) + Double(beta[flat: ch])
  }
  expectClose(eval, refE, "batch_norm2d eval")

  var scratch = BatchNormStats(channels: c)
  func f(_ x: Tensor, _ g: Tensor, _ b: Tensor) throws -> Tensor {
    try batchNorm2dTraining(x, gamma: g, beta: b, running: &scratch).y
  }
  func back(_ dy: Tensor) throws -> (dx: Tensor, dgamma: Tensor, dbeta: Tensor) {
    try batchNorm2dBackward(dy, x: x, gamma: gamma, mean: mean, invstd: invstd)
  }
  try checkGradient(x, h: 1e-2, tol: 2e-2, "bn dx", f: { try f($0, gamma, beta) }, grad: { try back($0).dx })
  try checkGradient(gamma, "bn dgamma", f: { try f(x, $0, beta) }, grad: { try back($0).dgamma })
  try checkGradient(beta, "bn dbeta", f: { try f(x, gamma, $0) }, grad: { try back($0).dbeta })
}

@Test func batchNormErrorsThrow() {
  var r = BatchNormStats(channels: 3)
  #expect(throws: TensorError.self) { try batchNorm2dTraining(.zeros([2, 4, 3, 3]), gamma: .ones([3]), beta: .zeros([3]), running: &r) }
  #expect(throws: TensorError.self) { try batchNorm2dTraining(.zeros([1, 3, 1, 1]), gamma: .ones([3]), beta: .zeros([3]), running: &r) }
}

/// PyTorch's source coordinate for output `o` (align_corners=false), clamped below at 0.
func bilinearTaps(_ o: Int, _ inSize: Int, _ outSize: Int) -> [(Int, Double)] {
  let src = max(0, (Double(o) + 0.5) * Double(inSize) / Double(outSize) - 0.5)
  let i0 = min(Int(src), inSize - 1), i1 = min(i0 + 1, inSize - 1), l = src - Double(i0)
  return [(i0, 1 - l), (i1, l)]
}

@Test(arguments: [UpsampleMode.nearest, .bilinear])
func upsampleMatchesDirectLoops(_ mode: UpsampleMode) throws {
  for (shape, size) in [([2, 3, 4, 5], (8, 10)), ([1, 1, 3, 3], (7, 5)), ([1, 2, 5, 4], (3, 2)), ([1, 1, 1, 2], (3, 6))] {
    let x = randomTensor(shape, seed: 41)
    let (h, w) = (shape[2], shape[3])
    let y = try upsample(x, size: size, mode: mode)
    #expect(y.shape == [shape[0], shape[1], size.0, size.1])
    var ref: [Double] = []
    for p in 0..<(shape[0] * shape[1]) { for oy in 0..<size.0 { for ox in 0..<size.1 {
      if mode == .nearest {
        let iy = min(Int(Double(oy) * Double(h) / Double(size.0)), h - 1)
        let ix = min(Int(Double(ox) * Double(w) / Double(size.1)), w - 1)
        ref.append(Double(x[flat: p * h * w + iy * w + ix]))
      } else {
        var v = 0.0
        for (iy, a) in bilinearTaps(oy, h, size.0) { for (ix, b) in bilinearTaps(ox, w, size.1) {
          v += a * b * Double(x[flat: p * h * w + iy * w + ix])
        } }
        ref.append(v)
      }
    } } }
    expectClose(y, ref, "upsample \(mode)")
    try checkGradient(x, "upsample \(mode)", f: { try upsample($0, size: size, mode: mode) },
                      grad: { try upsampleBackward($0, inputShape: shape, mode: mode) })
  }
  // PyTorch: F.interpolate([[1, 2]], scale_factor=2, mode='bilinear') = [1, 1.25, 1.75, 2].
  let row = try Tensor(shape: [1, 1, 1, 2], scalars: [1, 2])
  let up = try upsample(row, scale: 2, mode: .bilinear)
  #expect(up.shape == [1, 1, 2, 4])
  expectClose(up, [1, 1.25, 1.75, 2, 1, 1.25, 1.75, 2], "bilinear ×2")
  #expect(try upsample(row, scale: 3, mode: .nearest).scalars == [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2])
  #expect(throws: TensorError.self) { try upsample(row, size: (0, 2), mode: mode) }
}
