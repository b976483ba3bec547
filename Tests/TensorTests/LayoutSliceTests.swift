import Testing
@testable import Tensor

/// Slicing, its gradient (`unslice`), `write` and `padded` against naive loops over odd
/// shapes: crops of the decoder's up-sampled maps, strided and negative ranges, whole axes.
struct LayoutSliceTests {
  struct Case: CustomStringConvertible, Sendable {
    var shape: [Int]
    var ranges: [SliceRange]
    var description: String { "\(shape) \(ranges.map { "\($0.start.map(String.init) ?? ""):\($0.end.map(String.init) ?? ""):\($0.step)" })" }
  }

  static let cases: [Case] = [
    Case(shape: [3, 2, 26, 40], ranges: [.all, .all, SliceRange(0, 25), SliceRange(0, 39)]),  // the U-Net crop
    Case(shape: [5, 3, 7, 5], ranges: [.all, .all, SliceRange(0, 7), SliceRange(0, 4)]),
    Case(shape: [4, 3, 9, 11], ranges: [.all, SliceRange(1, 3)]),
    Case(shape: [2, 3, 9, 11], ranges: [SliceRange(1, 2), SliceRange(nil, nil, step: 2), SliceRange(-4, nil), SliceRange(1, 10, step: 3)]),
    Case(shape: [7, 13], ranges: [SliceRange(2, 5), SliceRange(1, 12, step: 2)]),
    Case(shape: [9], ranges: [SliceRange(-5, -1)]),
    Case(shape: [3, 1, 5], ranges: [SliceRange(0, 3), SliceRange(0, 1), SliceRange(4, 5)]),
    Case(shape: [4, 5, 6], ranges: [SliceRange(1, 1)]),  // empty
    Case(shape: [2, 3, 5, 7, 3], ranges: [.all, SliceRange(1, nil), .all, SliceRange(2, 6)]),
    Case(shape: [3, 1, 5, 7], ranges: [.all, .all, SliceRange(0, 5), SliceRange(0, 7)]),  // every axis whole
  ]

  /// For each element of the slice, the flat index of its source in `shape`.
  static func sources(_ c: Case) throws -> (outShape: [Int], flat: [Int]) {
    var los: [Int] = [], steps: [Int] = [], outShape = c.shape
    for d in 0..<c.shape.count {
      let r = d < c.ranges.count ? c.ranges[d] : .all
      let (lo, n) = try r.resolve(extent: c.shape[d], axis: d)
      los.append(lo); steps.append(r.step); outShape[d] = n
    }
    let count = outShape.reduce(1, *)
    var flat: [Int] = []
    for i in 0..<count {
      let idx = CoreTests.unravel(i, outShape)
      var f = 0
      for d in 0..<c.shape.count { f = f * c.shape[d] + los[d] + idx[d] * steps[d] }
      flat.append(f)
    }
    return (outShape, flat)
  }

  @Test(arguments: cases)
  func sliceAndUnsliceMatchNaive(_ c: Case) throws {
    let x = CoreTests.rand(c.shape, seed: 11)
    let (outShape, flat) = try Self.sources(c)
    let y = try x.sliced(c.ranges)
    #expect(y.shape == outShape)
    #expect(y.scalars == flat.map { x[flat: $0] })

    let g = CoreTests.rand(outShape, seed: 12)
    let back = try Tensor.unslice(g, ranges: c.ranges, shape: c.shape)
    var ref = [Float](repeating: 0, count: x.count)
    for (i, f) in flat.enumerated() { ref[f] = g[flat: i] }
    #expect(back.shape == c.shape)
    #expect(back.scalars == ref)
  }

  /// Concatenation along each axis against a naive loop; along the last axis with a
  /// 1-wide part, as ceil-mode pooling pads.
  @Test(arguments: [0, 1, 2, 3])
  func concatMatchesNaive(axis: Int) throws {
    var shapeB = [2, 3, 5, 7]
    shapeB[axis] = 1
    let a = CoreTests.rand([2, 3, 5, 7], seed: 14), b = CoreTests.rand(shapeB, seed: 15)
    let y = try Tensor.concat([a, b, a], axis: axis)
    var outShape = a.shape
    outShape[axis] = 2 * a.shape[axis] + 1
    #expect(y.shape == outShape)
    for i in 0..<y.count {
      var idx = CoreTests.unravel(i, outShape)
      let k = idx[axis], n = a.shape[axis]
      let part = k < n ? a : k == n ? b : a
      idx[axis] = k < n ? k : k == n ? 0 : k - n - 1
      var f = 0
      for d in 0..<4 { f = f * part.shape[d] + idx[d] }
      #expect(y[flat: i] == part[flat: f])
    }
  }

  @Test func unsliceRejectsMismatchedGradient() {
    let g = Tensor.zeros([2, 3])
    #expect(throws: TensorError.self) { try Tensor.unslice(g, ranges: [SliceRange(0, 2)], shape: [4, 4]) }
    #expect(throws: TensorError.self) { try Tensor.unslice(g, ranges: [SliceRange(0, 2)], shape: [4, 3, 1]) }
  }

  @Test(arguments: [[(1, 0), (0, 2)], [(0, 1), (-1, 1), (2, -1)], [(-1, -1)]])
  func padMatchesNaive(_ pads: [(Int, Int)]) throws {
    let shape = [3, 4, 5].prefix(max(pads.count, 1)).map { $0 }
    let x = CoreTests.rand(shape, seed: 13)
    let p = try x.padded(pads, value: 7)
    let outShape = shape.enumerated().map { d, n in n + (d < pads.count ? pads[d].0 + pads[d].1 : 0) }
    #expect(p.shape == outShape)
    for i in 0..<p.count {
      let idx = CoreTests.unravel(i, outShape)
      var f = 0, inside = true
      for d in 0..<shape.count {
        let s = idx[d] - (d < pads.count ? pads[d].0 : 0)
        if s < 0 || s >= shape[d] { inside = false }
        f = f * shape[d] + s
      }
      #expect(p[flat: i] == (inside ? x[flat: f] : 7))
    }
  }
}
