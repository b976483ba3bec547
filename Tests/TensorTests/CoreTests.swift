import Testing
@testable import Tensor

/// The tensor core against naive reference loops.
struct CoreTests {
  static func rand(_ shape: [Int], seed: UInt64) -> Tensor {
    var r = RNG(seed: seed)
    return r.uniform(shape, lo: -2, hi: 2)
  }

  /// Multi-index of flat index `i` in `shape`.
  static func unravel(_ i: Int, _ shape: [Int]) -> [Int] {
    var rem = i
    return Tensor.strides(shape).map { s in let q = rem / s; rem %= s; return q }
  }

  /// Reads `t` at an index of a (broadcast) result shape.
  static func read(_ t: Tensor, at idx: [Int]) -> Float {
    let off = idx.count - t.rank
    var f = 0
    for d in 0..<t.rank { f = f * t.shape[d] + (t.shape[d] == 1 ? 0 : idx[off + d]) }
    return t[flat: f]
  }

  static let pairs: [([Int], [Int])] = [
    ([3, 4], [3, 4]), ([3, 4], [4]), ([4], [3, 4]), ([2, 1, 5], [3, 1]), ([], [2, 3]),
    ([2, 3, 1, 5], [1, 3, 4, 1]), ([7], []), ([1], [5, 1]),
  ]

  @Test(arguments: pairs)
  func broadcastingMatchesNaive(shapes: ([Int], [Int])) throws {
    let a = Self.rand(shapes.0, seed: 1), b = Self.rand(shapes.1, seed: 2)
    for op in ZipOp.allCases {
      let y = try a.zip(b, op)
      #expect(y.shape == Broadcast.shape(shapes.0, shapes.1))
      for i in 0..<y.count {
        let idx = Self.unravel(i, y.shape)
        let want = op.apply(Self.read(a, at: idx), Self.read(b, at: idx))
        #expect(y[flat: i] == want || (y[flat: i].isNaN && want.isNaN))
      }
    }
  }

  @Test func incompatibleShapesThrowNamingThem() {
    #expect(throws: TensorError("add", "shapes [2, 3] and [4] do not broadcast")) {
      try Tensor.zeros([2, 3]).zip(Tensor.zeros([4]), .add)
    }
  }

  @Test(arguments: [[5], [3, 4], [2, 3, 4], [2, 1, 3, 2]])
  func reductionsMatchNaive(shape: [Int]) throws {
    let x = Self.rand(shape, seed: 3)
    for axis in [nil] + Array(0..<shape.count) as [Int?] {
      for op in [ReduceOp.sum, .mean, .max, .min] {
        let y = try x.reduce(op, axis: axis)
        // Naive: bucket every element by its output index.
        var buckets: [[Float]] = Array(repeating: [], count: y.count)
        for i in 0..<x.count {
          var idx = Self.unravel(i, shape)
          if let axis { idx.remove(at: axis) } else { idx = [] }
          var f = 0
          for (d, v) in idx.enumerated() { f = f * y.shape[d] + v }
          buckets[f].append(x[flat: i])
        }
        for (o, vals) in buckets.enumerated() {
          let s = vals.map(Double.init).reduce(0, +)
          let want: Double = switch op {
          case .sum: s
          case .mean: s / Double(vals.count)
          case .max: Double(vals.max()!)
          case .min: Double(vals.min()!)
          }
          #expect(abs(Double(y[flat: o]) - want) < 1e-5, "\(op) axis \(String(describing: axis))")
        }
        if op == .max, let axis {
          let am = try x.argReduce(max: true, axis: axis)
          #expect(am.shape == y.shape)
        }
      }
    }
  }

  @Test func argmaxPicksFirstLargest() throws {
    let t = try Tensor(shape: [2, 3], scalars: [0.5, 3, 3, 9, 1, 2])
    #expect(try t.argReduce(max: true).scalars == [3])
    #expect(try t.argReduce(max: true, axis: 1).scalars == [1, 0])
    #expect(try t.argReduce(max: false, axis: 0).scalars == [0, 1, 1])
  }

  @Test(arguments: [[2, 3, 4], [1, 5], [3, 1, 2, 2]])
  func permuteAndTransposeMatchNaive(shape: [Int]) throws {
    let x = Self.rand(shape, seed: 4)
    let perm = Array((0..<shape.count).reversed())
    let y = try x.permuted(perm)
    for i in 0..<y.count {
      let idx = Self.unravel(i, y.shape)
      var src = [Int](repeating: 0, count: shape.count)
      for (o, p) in perm.enumerated() { src[p] = idx[o] }
      #expect(y[flat: i] == x[flat: x.flatIndex(src)])
    }
    #expect(try x.transposed(0, -1).transposed(0, -1) == x)
  }

  @Test func sliceMatchesNaive() throws {
    let x = Self.rand([5, 6, 7], seed: 5)
    let ranges = [SliceRange(1, 4), SliceRange(nil, nil, step: 2), SliceRange(-3, nil)]
    let y = try x.sliced(ranges)
    #expect(y.shape == [3, 3, 3])
    for i in 0..<y.count {
      let idx = Self.unravel(i, y.shape)
      #expect(y[flat: i] == x[idx[0] + 1, idx[1] * 2, idx[2] + 4])
    }
    let back = try Tensor.unslice(y, ranges: ranges, shape: x.shape)
    #expect(try back.reduce(.sum).item() == y.reduce(.sum).item())
    #expect(back[2, 4, 5] == x[2, 4, 5] && back[0, 0, 0] == 0)
  }

  @Test func concatPadGather() throws {
    let a = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
    let b = try Tensor(shape: [2, 1], scalars: [5, 6])
    #expect(try Tensor.concat([a, b], axis: 1).scalars == [1, 2, 5, 3, 4, 6])
    #expect(try Tensor.concat([a, a], axis: 0).shape == [4, 2])
    #expect(throws: TensorError.self) { try Tensor.concat([a, b], axis: 0) }
    let p = try a.padded([(1, 0), (0, 1)], value: 9)
    #expect(p.scalars == [9, 9, 9, 1, 2, 9, 3, 4, 9])
    #expect(try p.padded([(-1, 0), (0, -1)]) == a)
    let g = try a.gathered(IntTensor(shape: [3], scalars: [1, 1, 0]), axis: 1)
    #expect(g.scalars == [2, 2, 1, 4, 4, 3])
    #expect(throws: TensorError.self) { try a.gathered(IntTensor(shape: [1], scalars: [2]), axis: 1) }
  }

  @Test(arguments: [(1, 1, 1), (3, 5, 2), (17, 33, 9), (64, 70, 130), (300, 200, 100)])
  func matmulMatchesNaive(mnk: (Int, Int, Int)) throws {
    let (m, n, k) = mnk
    let a = Self.rand([m, k], seed: 6), b = Self.rand([k, n], seed: 7)
    let c = try a.matmul(b)
    for i in Swift.stride(from: 0, to: m, by: max(1, m / 7)) {
      for j in Swift.stride(from: 0, to: n, by: max(1, n / 7)) {
        var s = 0.0
        for q in 0..<k { s += Double(a[i, q]) * Double(b[q, j]) }
        #expect(abs(Double(c[i, j]) - s) < 1e-3 * Double(k))
      }
    }
  }

  @Test func batchedMatmulBroadcasts() throws {
    let a = Self.rand([2, 3, 4], seed: 8), b = Self.rand([4, 5], seed: 9)
    let c = try a.matmul(b)
    #expect(c.shape == [2, 3, 5])
    let c1 = try a.sliced([.at(1)]).reshaped([3, 4]).matmul(b)
    #expect(try c.sliced([.at(1)]).reshaped([3, 5]) == c1)
    #expect(throws: TensorError.self) { try a.matmul(Self.rand([3, 5], seed: 1)) }
  }

  @Test func rngIsDeterministicAndDistributed() {
    var r1 = RNG(seed: 42), r2 = RNG(seed: 42), r3 = RNG(seed: 43)
    let a = r1.normal([10_000]), b = r2.normal([10_000]), c = r3.normal([10_000])
    #expect(a == b)
    #expect(a != c)
    let mean = a.scalars.map(Double.init).reduce(0, +) / 1e4
    let varc = a.scalars.map { Double($0) * Double($0) }.reduce(0, +) / 1e4 - mean * mean
    #expect(abs(mean) < 0.05 && abs(varc - 1) < 0.05)
    let t = r1.truncatedNormal([10_000], std: 2)
    #expect(t.scalars.allSatisfy { abs($0) <= 4 })
    let u = r1.uniform([10_000], lo: 3, hi: 4)
    #expect(u.scalars.allSatisfy { $0 >= 3 && $0 < 4 })
  }

  @Test func copyOnWrite() {
    let a = Tensor.zeros([3])
    var b = a
    b[flat: 0] = 5
    #expect(a[flat: 0] == 0 && b[flat: 0] == 5)
  }

  @Test func unbroadcastSumsStretchedAxes() throws {
    let g = Tensor.ones([2, 3, 4])
    #expect(try g.sum(toShape: [3, 1]).scalars == [8, 8, 8])
    #expect(try g.sum(toShape: []).scalars == [24])
    #expect(throws: TensorError.self) { try g.sum(toShape: [5]) }
  }
}
