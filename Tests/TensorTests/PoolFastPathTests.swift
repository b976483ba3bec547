import Testing
@testable import Tensor

/// The branch-free 2×2 stride-2 max-pool path against the general rule, on values with
/// ties, NaNs, infinities and signed zeros (the window is scanned in row-major order; a
/// later value wins when it is larger, or NaN over a non-NaN; ties keep the first).
@Test(arguments: [(1, 1, 2, 2), (2, 3, 6, 8), (1, 2, 7, 9), (3, 1, 25, 39)])
func maxPool2x2MatchesRuleWithTiesAndNaN(n: Int, c: Int, h: Int, w: Int) throws {
  let specials: [Float] = [0, -0.0, 1, 1, -1, .nan, .infinity, -.infinity, 2, 0.5]
  var rng = RNG(seed: 41)
  let count = n * c * h * w
  let x = try Tensor(shape: [n, c, h, w], scalars: (0..<count).map { _ in specials[rng.int(below: specials.count)] })
  let (y, idx) = try maxPool2d(x, kernel: 2)
  let oh = h / 2, ow = w / 2
  #expect(y.shape == [n, c, oh, ow])
  for p in 0..<(n * c) { for oy in 0..<oh { for ox in 0..<ow {
    var m = Float.nan, at = -1
    for ky in 0..<2 { for kx in 0..<2 {
      let f = (2 * oy + ky) * w + 2 * ox + kx, v = x[flat: p * h * w + f]
      if at < 0 || v > m || v.isNaN && !m.isNaN { m = v; at = f }
    } }
    let o = p * oh * ow + oy * ow + ox
    #expect(idx[flat: o] == Int32(at), "index at \(o)")
    #expect(y[flat: o].bitPattern == m.bitPattern, "value at \(o)")
  } } }
}
