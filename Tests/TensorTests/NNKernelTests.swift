import Testing
@testable import Tensor

/// conv2d and conv_transpose2d against direct nested loops in Double, over a sweep of
/// shapes, and their backward passes against the loops' adjoints and finite differences.

struct ConvCase: CustomTestStringConvertible, Sendable {
  var n, cin, cout, h, w, k, stride, pad: Int
  var testDescription: String { "N\(n) \(cin)→\(cout) \(h)×\(w) k\(k) s\(stride) p\(pad)" }
}

let convSweep: [ConvCase] = {
  var cases: [ConvCase] = []
  for n in [1, 3] {
    for (cin, cout) in [(1, 1), (2, 3), (5, 4), (3, 5)] {
      for (h, w) in [(5, 7), (6, 4)] {
        for k in [1, 2, 3] {
          for s in [1, 2] {
            for p in [0, 1] where h + 2 * p >= k {
              cases.append(ConvCase(n: n, cin: cin, cout: cout, h: h, w: w, k: k, stride: s, pad: p))
            }
          }
        }
      }
    }
  }
  // Several column blocks per image, batch split over workers, pointwise fast path.
  cases.append(ConvCase(n: 4, cin: 8, cout: 6, h: 33, w: 31, k: 3, stride: 1, pad: 1))
  cases.append(ConvCase(n: 4, cin: 8, cout: 6, h: 33, w: 31, k: 3, stride: 2, pad: 1))
  cases.append(ConvCase(n: 6, cin: 16, cout: 3, h: 12, w: 9, k: 1, stride: 1, pad: 0))
  // Small-matrix GEMM blocks: one output row per block, output channels in chunks (64 + 36);
  // an odd batch whose (image, row block) items split unevenly over the workers.
  cases.append(ConvCase(n: 3, cin: 16, cout: 100, h: 4, w: 70, k: 3, stride: 1, pad: 1))
  cases.append(ConvCase(n: 3, cin: 7, cout: 16, h: 9, w: 66, k: 3, stride: 1, pad: 0))
  // "Same" convolutions (im2col by shifted plane copies): wider kernel, one-row and one-column images.
  cases.append(ConvCase(n: 2, cin: 3, cout: 4, h: 7, w: 6, k: 5, stride: 1, pad: 2))
  cases.append(ConvCase(n: 2, cin: 2, cout: 3, h: 1, w: 5, k: 3, stride: 1, pad: 1))
  cases.append(ConvCase(n: 2, cin: 2, cout: 3, h: 6, w: 1, k: 3, stride: 1, pad: 1))
  // Both gradients from one unfolding of dy (≥ 8 input channels, stride 1): "valid", "full"-ish
  // and "same" padding, a 5×5 kernel, and several row blocks per image over both workers.
  cases.append(ConvCase(n: 2, cin: 9, cout: 5, h: 10, w: 7, k: 3, stride: 1, pad: 0))
  cases.append(ConvCase(n: 2, cin: 8, cout: 3, h: 8, w: 9, k: 5, stride: 1, pad: 2))
  cases.append(ConvCase(n: 1, cin: 8, cout: 4, h: 7, w: 6, k: 5, stride: 1, pad: 1))
  cases.append(ConvCase(n: 3, cin: 16, cout: 32, h: 20, w: 64, k: 3, stride: 1, pad: 1))
  // Forward as shifted GEMMs over a padded copy (≥ 2 images per worker, ≥ 32 input channels):
  // one block per image, a 5 × 5 kernel, and several row blocks per image.
  cases.append(ConvCase(n: 4, cin: 32, cout: 5, h: 9, w: 70, k: 3, stride: 1, pad: 1))
  cases.append(ConvCase(n: 5, cin: 33, cout: 3, h: 6, w: 40, k: 5, stride: 1, pad: 2))
  cases.append(ConvCase(n: 4, cin: 64, cout: 64, h: 12, w: 30, k: 3, stride: 1, pad: 1))
  // The direct AVX-512 kernels: forward with 5 × 5 and 2 × 2 windows and a second, nearly
  // empty block of 8 output channels, and on a 4 × 5 map; the 3 × 3 backward (input
  // channels in sixteens, outputs > 8 wide) with padding 0 and 2; one image cut into two
  // row blocks.
  cases.append(ConvCase(n: 2, cin: 4, cout: 9, h: 6, w: 18, k: 5, stride: 1, pad: 2))
  cases.append(ConvCase(n: 2, cin: 3, cout: 8, h: 5, w: 20, k: 2, stride: 1, pad: 0))
  cases.append(ConvCase(n: 2, cin: 16, cout: 8, h: 7, w: 19, k: 3, stride: 1, pad: 0))
  cases.append(ConvCase(n: 1, cin: 32, cout: 12, h: 5, w: 16, k: 3, stride: 1, pad: 2))
  cases.append(ConvCase(n: 1, cin: 16, cout: 8, h: 20, w: 200, k: 3, stride: 1, pad: 1))
  cases.append(ConvCase(n: 3, cin: 16, cout: 16, h: 4, w: 5, k: 3, stride: 1, pad: 1))
  // The 3 × 3 backward with exactly 8 input channels (two taps per vector): "same" and
  // "valid" padding, and a partial second block of output channels.
  cases.append(ConvCase(n: 3, cin: 8, cout: 8, h: 7, w: 13, k: 3, stride: 1, pad: 1))
  cases.append(ConvCase(n: 2, cin: 8, cout: 12, h: 6, w: 12, k: 3, stride: 1, pad: 0))
  // Direct forward over groups of small images stacked in one grid (≥ 2 images per group
  // from 8 images on, with two workers): shared padding ("same", p = 0, a 2 × 2 window),
  // unshared padding (p > k − 1), and a last group of one image.
  cases.append(ConvCase(n: 8, cin: 16, cout: 8, h: 4, w: 5, k: 3, stride: 1, pad: 1))
  cases.append(ConvCase(n: 9, cin: 8, cout: 9, h: 5, w: 6, k: 3, stride: 1, pad: 0))
  cases.append(ConvCase(n: 8, cin: 3, cout: 8, h: 4, w: 4, k: 2, stride: 1, pad: 1))
  cases.append(ConvCase(n: 8, cin: 2, cout: 8, h: 3, w: 5, k: 2, stride: 1, pad: 2))
  return cases
}()

/// Direct conv2d and its adjoints in Double.
struct NaiveConv {
  let c: ConvCase
  var oh: Int { (c.h + 2 * c.pad - c.k) / c.stride + 1 }
  var ow: Int { (c.w + 2 * c.pad - c.k) / c.stride + 1 }

  /// Calls `body(xIndex, wIndex, yIndex)` (flat) for every in-bounds tap.
  func taps(_ body: (Int, Int, Int) -> Void) {
    for b in 0..<c.n { for co in 0..<c.cout { for oy in 0..<oh { for ox in 0..<ow {
      for ci in 0..<c.cin { for ki in 0..<c.k { for kj in 0..<c.k {
        let iy = oy * c.stride - c.pad + ki, ix = ox * c.stride - c.pad + kj
        if iy >= 0 && iy < c.h && ix >= 0 && ix < c.w {
          body(((b * c.cin + ci) * c.h + iy) * c.w + ix, ((co * c.cin + ci) * c.k + ki) * c.k + kj,
               ((b * c.cout + co) * oh + oy) * ow + ox)
        }
      } } }
    } } } }
  }
}

/// The strategy sets every convolution test runs under: all (what runs), all but the
/// AVX-512 kernels (the portable paths; the same as all on other CPUs), and none (plain
/// im2col + GEMM).
let convStrategySets: [ConvStrategies] = ConvTuning.directOnThisCPU ? [.all, .portable, .plain] : [.all, .plain]

/// Every case through each strategy set.
@Test(arguments: convSweep, convStrategySets)
func conv2dMatchesDirectLoops(_ c: ConvCase, strategies: ConvStrategies) throws {
  try ConvStrategies.$current.withValue(strategies) { try checkConv2d(c) }
}

func checkConv2d(_ c: ConvCase) throws {
  let x = randomTensor([c.n, c.cin, c.h, c.w], seed: 1), wt = randomTensor([c.cout, c.cin, c.k, c.k], seed: 2)
  let bias = randomTensor([c.cout], seed: 3)
  let ref = NaiveConv(c: c)
  let (xs, ws) = (doubles(x), doubles(wt))
  let yShape = [c.n, c.cout, ref.oh, ref.ow]
  var y = [Double](repeating: 0, count: yShape.reduce(1, *))
  for i in 0..<y.count { y[i] = Double(bias[flat: (i / (ref.oh * ref.ow)) % c.cout]) }
  ref.taps { xi, wi, yi in y[yi] += ws[wi] * xs[xi] }
  let got = try conv2d(x, weight: wt, bias: bias, stride: c.stride, padding: c.pad)
  #expect(got.shape == yShape)
  expectClose(got, y, "forward")

  let dy = randomTensor(yShape, seed: 4), g = doubles(dy)
  var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: wt.count)
  var db = [Double](repeating: 0, count: c.cout)
  for i in 0..<g.count { db[(i / (ref.oh * ref.ow)) % c.cout] += g[i] }
  ref.taps { xi, wi, yi in
    dx[xi] += ws[wi] * g[yi]
    dw[wi] += xs[xi] * g[yi]
  }
  let grads = try conv2dBackward(dy, x: x, weight: wt, hasBias: true, stride: c.stride, padding: c.pad)
  expectClose(try #require(grads.dx), dx, "dx")
  expectClose(grads.dw, dw, "dw")
  expectClose(try #require(grads.db), db, "db")
  let wOnly = try conv2dBackward(dy, x: x, weight: wt, hasBias: false, stride: c.stride, padding: c.pad, needInputGrad: false)
  #expect(wOnly.dx == nil && wOnly.db == nil)
  expectClose(wOnly.dw, dw, "dw without dx")
}

@Test(arguments: [ConvCase(n: 3, cin: 5, cout: 4, h: 9, w: 8, k: 3, stride: 1, pad: 1),
                  ConvCase(n: 2, cin: 16, cout: 70, h: 3, w: 66, k: 3, stride: 1, pad: 1),
                  ConvCase(n: 2, cin: 3, cout: 2, h: 5, w: 4, k: 1, stride: 1, pad: 0),
                  ConvCase(n: 4, cin: 32, cout: 6, h: 5, w: 66, k: 3, stride: 1, pad: 1),
                  ConvCase(n: 9, cin: 16, cout: 16, h: 4, w: 5, k: 3, stride: 1, pad: 1)], convStrategySets)
func conv2dFusedReLUMatchesConvThenReLU(_ c: ConvCase, strategies: ConvStrategies) throws {
  try ConvStrategies.$current.withValue(strategies) { try checkFusedReLU(c) }
}

func checkFusedReLU(_ c: ConvCase) throws {
  let x = randomTensor([c.n, c.cin, c.h, c.w], seed: 7), wt = randomTensor([c.cout, c.cin, c.k, c.k], seed: 8)
  let bias = randomTensor([c.cout], seed: 9)
  let plain = try conv2d(x, weight: wt, bias: bias, stride: c.stride, padding: c.pad)
  let fused = try conv2d(x, weight: wt, bias: bias, stride: c.stride, padding: c.pad, relu: true)
  #expect(fused == plain.map(.relu))
  let noBias = try conv2d(x, weight: wt, bias: nil, stride: c.stride, padding: c.pad, relu: true)
  #expect(noBias == (try conv2d(x, weight: wt, bias: nil, stride: c.stride, padding: c.pad)).map(.relu))
}

@Test(arguments: convSweep, convStrategySets)
func convTranspose2dMatchesDirectLoops(_ c: ConvCase, strategies: ConvStrategies) throws {
  // Reuse the case as (input h×w, Cin → Cout); transposed convs need pad < k to be non-empty.
  let ho = (c.h - 1) * c.stride - 2 * c.pad + c.k, wo = (c.w - 1) * c.stride - 2 * c.pad + c.k
  guard ho >= 1, wo >= 1 else { return }
  try ConvStrategies.$current.withValue(strategies) { try checkConvTranspose2d(c) }
}

func checkConvTranspose2d(_ c: ConvCase) throws {
  let ho = (c.h - 1) * c.stride - 2 * c.pad + c.k, wo = (c.w - 1) * c.stride - 2 * c.pad + c.k
  let x = randomTensor([c.n, c.cin, c.h, c.w], seed: 5), wt = randomTensor([c.cin, c.cout, c.k, c.k], seed: 6)
  let bias = randomTensor([c.cout], seed: 7)
  let (xs, ws) = (doubles(x), doubles(wt))
  let yShape = [c.n, c.cout, ho, wo]
  var y = [Double](repeating: 0, count: yShape.reduce(1, *))
  for i in 0..<y.count { y[i] = Double(bias[flat: (i / (ho * wo)) % c.cout]) }
  func taps(_ body: (Int, Int, Int) -> Void) {
    for b in 0..<c.n { for ci in 0..<c.cin { for iy in 0..<c.h { for ix in 0..<c.w {
      for co in 0..<c.cout { for ki in 0..<c.k { for kj in 0..<c.k {
        let oy = iy * c.stride - c.pad + ki, ox = ix * c.stride - c.pad + kj
        if oy >= 0 && oy < ho && ox >= 0 && ox < wo {
          body(((b * c.cin + ci) * c.h + iy) * c.w + ix, ((ci * c.cout + co) * c.k + ki) * c.k + kj,
               ((b * c.cout + co) * ho + oy) * wo + ox)
        }
      } } }
    } } } }
  }
  taps { xi, wi, yi in y[yi] += ws[wi] * xs[xi] }
  let got = try convTranspose2d(x, weight: wt, bias: bias, stride: c.stride, padding: c.pad)
  #expect(got.shape == yShape)
  expectClose(got, y, "forward")

  let dy = randomTensor(yShape, seed: 8), g = doubles(dy)
  var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: wt.count)
  var db = [Double](repeating: 0, count: c.cout)
  for i in 0..<g.count { db[(i / (ho * wo)) % c.cout] += g[i] }
  taps { xi, wi, yi in
    dx[xi] += ws[wi] * g[yi]
    dw[wi] += xs[xi] * g[yi]
  }
  let grads = try convTranspose2dBackward(dy, x: x, weight: wt, hasBias: true, stride: c.stride, padding: c.pad)
  expectClose(try #require(grads.dx), dx, "dx")
  expectClose(grads.dw, dw, "dw")
  expectClose(try #require(grads.db), db, "db")
}

@Test(arguments: [(1, 0), (2, 0), (1, 1), (2, 1)])
func conv2dFiniteDifferences(stride: Int, pad: Int) throws {
  let x = randomTensor([2, 2, 5, 6], seed: 11), wt = randomTensor([3, 2, 3, 3], seed: 12)
  let bias = randomTensor([3], seed: 13)
  try checkGradient(x, "conv2d dx", f: { try conv2d($0, weight: wt, bias: bias, stride: stride, padding: pad) },
                    grad: { try #require(try conv2dBackward($0, x: x, weight: wt, hasBias: true, stride: stride, padding: pad).dx) })
  try checkGradient(wt, "conv2d dw", f: { try conv2d(x, weight: $0, bias: bias, stride: stride, padding: pad) },
                    grad: { try conv2dBackward($0, x: x, weight: wt, hasBias: true, stride: stride, padding: pad).dw })
  try checkGradient(bias, "conv2d db", f: { try conv2d(x, weight: wt, bias: $0, stride: stride, padding: pad) },
                    grad: { try #require(try conv2dBackward($0, x: x, weight: wt, hasBias: true, stride: stride, padding: pad).db) })
}

@Test(arguments: [(2, 2, 0), (3, 2, 1), (3, 1, 1)])
func convTranspose2dFiniteDifferences(k: Int, stride: Int, pad: Int) throws {
  let x = randomTensor([2, 3, 4, 3], seed: 14), wt = randomTensor([3, 2, k, k], seed: 15)
  let bias = randomTensor([2], seed: 16)
  func f(_ x: Tensor, _ w: Tensor, _ b: Tensor) throws -> Tensor { try convTranspose2d(x, weight: w, bias: b, stride: stride, padding: pad) }
  func g(_ dy: Tensor) throws -> (dx: Tensor?, dw: Tensor, db: Tensor?) {
    try convTranspose2dBackward(dy, x: x, weight: wt, hasBias: true, stride: stride, padding: pad)
  }
  try checkGradient(x, "dx", f: { try f($0, wt, bias) }, grad: { try #require(try g($0).dx) })
  try checkGradient(wt, "dw", f: { try f(x, $0, bias) }, grad: { try g($0).dw })
  try checkGradient(bias, "db", f: { try f(x, wt, $0) }, grad: { try #require(try g($0).db) })
}

@Test func convShapeErrorsThrow() {
  let x = Tensor.zeros([1, 3, 5, 5])
  #expect(throws: TensorError.self) { try conv2d(x, weight: .zeros([4, 2, 3, 3]), bias: nil) }
  #expect(throws: TensorError.self) { try conv2d(x, weight: .zeros([4, 3, 7, 7]), bias: nil) }
  #expect(throws: TensorError.self) { try conv2d(x, weight: .zeros([4, 3, 3, 3]), bias: .zeros([3])) }
  #expect(throws: TensorError.self) { try conv2d(x, weight: .zeros([4, 3, 3, 3]), bias: nil, stride: 0) }
  #expect(throws: TensorError.self) { try conv2d(.zeros([3, 5, 5]), weight: .zeros([4, 3, 3, 3]), bias: nil) }
  #expect(throws: TensorError.self) {
    try conv2dBackward(.zeros([1, 4, 4, 4]), x: x, weight: .zeros([4, 3, 3, 3]), hasBias: true)
  }
  #expect(throws: TensorError.self) { try convTranspose2d(x, weight: .zeros([2, 4, 2, 2]), bias: nil, stride: 2) }
  do {
    _ = try conv2d(x, weight: .zeros([4, 2, 3, 3]), bias: nil)
  } catch let e as TensorError {
    #expect(e.op == "conv2d" && e.message.contains("[1, 3, 5, 5]") && e.message.contains("[4, 2, 3, 3]"))
  } catch { Issue.record("unexpected error \(error)") }
}

/// The block transpose behind the convolutions' weight gradients (16 × 16 and 8 × 16 register
/// tiles on AVX-512 CPUs, scalar edges) against indexing, with rows `ld` apart in a wider buffer.
@Test(arguments: [(16, 16), (17, 33), (32, 5), (3, 48), (48, 40), (1, 1), (8, 16), (8, 39), (24, 50), (13, 32)])
func transposeMatchesIndexing(rows: Int, columns: Int) {
  let ld = columns + 3
  let src = randomTensor([rows * ld], seed: 11)
  let out = Tensor(shape: [columns * rows], repeating: 0)
  transpose(src.buffer.pointer, ld: ld, rows: rows, columns: columns, into: out.buffer.pointer)
  var worst: Float = 0
  for r in 0..<rows {
    for c in 0..<columns { worst = max(worst, abs(out[flat: c * rows + r] - src[flat: r * ld + c])) }
  }
  #expect(worst == 0)
}
