import Foundation
import Testing
@testable import Tensor

/// The line-by-line kernels (`AlongAxis.swift`, `Select.swift`, `assigningSlice`) against
/// naive loops over multi-indices, for every axis of a sweep of shapes.
struct AlongAxisTests {
  static let shapes: [[Int]] = [[7], [3, 5], [1, 4], [2, 3, 4], [4, 1, 3], [2, 3, 2, 3]]

  /// (shape, axis) for every axis of every shape, negative spellings included.
  static let cases: [(shape: [Int], axis: Int)] = shapes.flatMap { s in
    (0..<s.count).map { (s, $0) } + [(s, -1)]
  }

  static func flat(_ idx: [Int], _ shape: [Int]) -> Int { zip(idx, Tensor.strides(shape)).map(*).reduce(0, +) }

  /// Small integer values, so ties are common (stability is then visible).
  static func tiedTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = RNG(seed: seed)
    return Tensor(shape: shape) { _ in Float(rng.int(below: 4)) - 1 }
  }

  static func randomIndex(_ shape: [Int], extent: Int, seed: UInt64) -> IntTensor {
    var rng = RNG(seed: seed)
    return IntTensor(shape: shape) { _ in Int32(rng.int(below: extent)) }
  }

  /// The index shape for a per-row pick: `k` entries along the axis, no larger elsewhere.
  static func indexShape(_ shape: [Int], axis: Int, k: Int) -> [Int] {
    shape.enumerated().map { d, n in d == axis ? k : max(1, n - (d % 2)) }
  }

  @Test(arguments: cases.indices)
  func argsortIsAStableSort(_ c: Int) throws {
    let (shape, axis) = Self.cases[c]
    let ax = axis < 0 ? axis + shape.count : axis
    let x = Self.tiedTensor(shape, seed: UInt64(c))
    for descending in [false, true] {
      let order = try x.argsort(axis: axis, descending: descending)
      #expect(order.shape == shape)
      for i in 0..<x.count {
        var idx = CoreTests.unravel(i, shape)
        guard idx[ax] == 0 else { continue }
        // The reference: the positions of the line, sorted by (value, position).
        let line = (0..<shape[ax]).map { j -> (Float, Int) in idx[ax] = j; return (x[flat: Self.flat(idx, shape)], j) }
        let expected = line.sorted { a, b in a.0 != b.0 ? (descending ? a.0 > b.0 : a.0 < b.0) : a.1 < b.1 }.map(\.1)
        let got = (0..<shape[ax]).map { j -> Int in idx[ax] = j; return Int(order[flat: Self.flat(idx, shape)]) }
        #expect(got == expected, "\(shape) axis \(axis) descending \(descending)")
      }
    }
  }

  @Test func integerArgsortComparesExactly() throws {
    let x = try IntTensor(shape: [2, 3], scalars: [16_777_217, 16_777_216, 16_777_217, 3, -1, 3])
    #expect(try x.argsort(axis: 1).scalars == [1, 0, 2, 1, 0, 2])
    #expect(try x.argsort(axis: 1, descending: true).scalars == [0, 2, 1, 0, 2, 1])
    #expect(try x.argsort(axis: 0).scalars == [1, 1, 1, 0, 0, 0])
  }

  @Test func argsortPutsNaNLastAscendingAndFirstDescending() throws {
    let x = try Tensor(shape: [5], scalars: [2, .nan, -1, 2, .nan])
    #expect(try x.argsort(axis: 0).scalars == [2, 0, 3, 1, 4])
    #expect(try x.argsort(axis: 0, descending: true).scalars == [1, 4, 0, 3, 2])
  }

  @Test(arguments: cases.indices)
  func gatherAndScatterAddFollowTheirDefinitions(_ c: Int) throws {
    let (shape, axis) = Self.cases[c]
    let ax = axis < 0 ? axis + shape.count : axis
    let x = randomTensor(shape, seed: UInt64(c))
    let ishape = Self.indexShape(shape, axis: ax, k: 3)
    let index = Self.randomIndex(ishape, extent: shape[ax], seed: UInt64(c) + 50)
    let src = randomTensor(ishape, seed: UInt64(c) + 90)
    let got = try x.takingAlong(index, axis: axis)
    var added = x.scalars.map(Double.init)
    #expect(got.shape == ishape)
    for p in 0..<index.count {
      var idx = CoreTests.unravel(p, ishape)
      idx[ax] = Int(index[flat: p])
      let o = Self.flat(idx, shape)
      #expect(got[flat: p] == x[flat: o])
      added[o] += Double(src[flat: p])
    }
    expectClose(try x.scatteringAdd(index, src, axis: axis), added, rtol: 1e-6, atol: 1e-6, "scatter_add \(shape) axis \(axis)")
  }

  @Test func gatherRejectsBadIndices() {
    let x = Tensor(shape: [2, 3], repeating: 0)
    #expect(throws: TensorError.self) { try x.takingAlong(IntTensor(shape: [2, 1], repeating: 3), axis: 1) }
    #expect(throws: TensorError.self) { try x.takingAlong(IntTensor(shape: [2, 1], repeating: -1), axis: 1) }
    #expect(throws: TensorError.self) { try x.takingAlong(IntTensor(shape: [3, 1], repeating: 0), axis: 1) }
    #expect(throws: TensorError.self) { try x.takingAlong(IntTensor(shape: [2], repeating: 0), axis: 0) }
    #expect(throws: TensorError.self) { try x.scatteringAdd(IntTensor(shape: [2, 1], repeating: 0), x, axis: 1) }
  }

  @Test(arguments: cases.indices)
  func cumsumAndLogSumExpFollowTheirDefinitions(_ c: Int) throws {
    let (shape, axis) = Self.cases[c]
    let ax = axis < 0 ? axis + shape.count : axis
    let x = randomTensor(shape, seed: UInt64(c), scale: 3)
    var forward = [Double](repeating: 0, count: x.count), backward = forward
    var lseShape = shape
    lseShape[ax] = 1
    var lse = [Double](repeating: 0, count: lseShape.reduce(1, *))
    for i in 0..<x.count {
      var idx = CoreTests.unravel(i, shape)
      let j = idx[ax]
      let line = (0..<shape[ax]).map { k -> Double in idx[ax] = k; return Double(x[flat: Self.flat(idx, shape)]) }
      forward[i] = line[...j].reduce(0, +)
      backward[i] = line[j...].reduce(0, +)
      idx[ax] = 0
      lse[Self.flat(idx, lseShape)] = Foundation.log(line.map { Foundation.exp($0) }.reduce(0, +))
    }
    expectClose(try x.cumsum(axis: axis), forward, rtol: 1e-5, atol: 1e-6, "cumsum \(shape) axis \(axis)")
    expectClose(try x.cumsum(axis: axis, reverse: true), backward, rtol: 1e-5, atol: 1e-6, "reverse cumsum")
    let got = try x.logSumExp(axis: axis)
    #expect(got.shape == lseShape)
    expectClose(got, lse, rtol: 1e-5, atol: 1e-6, "logsumexp \(shape) axis \(axis)")
  }

  @Test func logSumExpIsStableAtTheExtremes() throws {
    let x = try Tensor(shape: [4, 2], scalars: [1000, 1000, -1000, -1001, -.infinity, -.infinity, .infinity, 0])
    let y = try x.logSumExp(axis: 1).scalars
    #expect(abs(y[0] - (1000 + Float(Foundation.log(2.0)))) < 1e-3)
    #expect(abs(y[1] - (-1000 + Float(Foundation.log(1 + Foundation.exp(-1.0))))) < 1e-3)
    #expect(y[2] == -.infinity && y[3] == .infinity)
    #expect(try Tensor(shape: [2, 0], repeating: 0).logSumExp(axis: 1).scalars == [-.infinity, -.infinity])
    let nan = try Tensor(shape: [3, 2], scalars: [.nan, 1, -.infinity, .nan, .nan, .nan]).logSumExp(axis: 1).scalars
    let allNaN = nan.allSatisfy { $0.isNaN }
    #expect(allNaN, "NaN anywhere in a line gives NaN: \(nan)")
  }

  @Test func selectBroadcastsAndExtremumWeightsSplitTies() throws {
    let w = try Tensor(shape: [2, 1], scalars: [1, 0])
    let a = try Tensor(shape: [3], scalars: [1, 2, 3]), b = Tensor(shape: [], repeating: 9)
    let r = try Tensor.select(w, a, b)
    #expect(r.shape == [2, 3] && r.scalars == [1, 2, 3, 9, 9, 9])
    let x = try Tensor(shape: [4], scalars: [1, 2, 3, .nan]), y = try Tensor(shape: [4], scalars: [2, 2, 1, 0])
    #expect(try Tensor.extremumWeight(x, y, max: true).scalars == [0, 0.5, 1, 1])
    #expect(try Tensor.extremumWeight(x, y, max: false).scalars == [1, 0.5, 0, 1])
    #expect(throws: TensorError.self) { try Tensor.select(w, a, Tensor(shape: [2], repeating: 0)) }
  }

  @Test func integerExtremaAreExactAndBroadcast() throws {
    let a = try IntTensor(shape: [2, 1], scalars: [20_000_001, -5])
    let b = try IntTensor(shape: [3], scalars: [20_000_003, 0, -7])
    #expect(try a.zip(b, .maximum).scalars == [20_000_003, 20_000_001, 20_000_001, 20_000_003, 0, -5])
    #expect(try a.zip(b, .minimum).scalars == [20_000_001, 0, -7, -5, -5, -7])
    #expect(throws: TensorError.self) { try a.zip(IntTensor(shape: [3, 2], repeating: 0), .maximum) }
  }

  /// `select` and the extremum weights against naive loops over broadcast shapes.
  @Test(arguments: [([2, 3], [3], [2, 1]), ([4], [1], [4]), ([2, 1, 3], [1, 4, 1], [3]), ([], [2, 2], [2, 1])])
  func selectAndExtremaFollowTheirDefinitions(_ ws: [Int], _ xs: [Int], _ ys: [Int]) throws {
    let w = Self.tiedTensor(ws, seed: 1).map { $0 > 0 ? Float(1) : 0 }
    let x = Self.tiedTensor(xs, seed: 2), y = Self.tiedTensor(ys, seed: 3)
    let out = try #require(Broadcast.shape(ws, Broadcast.shape(xs, ys) ?? []))
    let sel = try Tensor.select(w, x, y)
    let xy = try #require(Broadcast.shape(xs, ys))
    let maxW = try Tensor.extremumWeight(x, y, max: true), minW = try Tensor.extremumWeight(x, y, max: false)
    #expect(sel.shape == out && maxW.shape == xy)
    /// The element of `t` (shape `s`) that broadcasting reads at `idx` of `target`.
    func at(_ t: Tensor, _ s: [Int], _ idx: [Int]) -> Float {
      let tail = Array(idx.suffix(s.count))
      return t[flat: Self.flat(zip(tail, s).map { $1 == 1 ? 0 : $0 }, s)]
    }
    for i in 0..<sel.count {
      let idx = CoreTests.unravel(i, out)
      #expect(sel[flat: i] == (at(w, ws, idx) > 0 ? at(x, xs, idx) : at(y, ys, idx)))
    }
    for i in 0..<maxW.count {
      let idx = CoreTests.unravel(i, xy)
      let (a, b) = (at(x, xs, idx), at(y, ys, idx))
      #expect(maxW[flat: i] == (a > b ? 1 : a == b ? 0.5 : 0))
      #expect(minW[flat: i] == (a < b ? 1 : a == b ? 0.5 : 0))
    }
  }

  /// Integer sums, maxima and minima over one or several axes, and integer running sums,
  /// exactly (values beyond 2^24, where Float would round).
  @Test(arguments: cases.indices)
  func integerReductionsAndCumsumAreExact(_ c: Int) throws {
    let (shape, axis) = Self.cases[c]
    let ax = axis < 0 ? axis + shape.count : axis
    var rng = RNG(seed: UInt64(c))
    let x = IntTensor(shape: shape) { _ in Int32(rng.int(below: 40)) * 10_000_019 - 200_000_001 }
    let axes = shape.count > 2 ? [ax, (ax + 2) % shape.count].sorted() : [ax]
    let rest = (0..<shape.count).filter { !axes.contains($0) }
    for op in [ReduceOp.sum, .max, .min] {
      let got = try x.reducedExactly(op, axes: axes)
      #expect(got.shape == rest.map { shape[$0] })
      var expected: [Int64?] = Array(repeating: nil, count: got.count)
      for i in 0..<x.count {
        let idx = CoreTests.unravel(i, shape)
        let o = Self.flat(rest.map { idx[$0] }, rest.map { shape[$0] })
        let v = Int64(x[flat: i])
        switch op {
        case .sum: expected[o] = (expected[o] ?? 0) + v
        case .max: expected[o] = Swift.max(expected[o] ?? v, v)
        default: expected[o] = Swift.min(expected[o] ?? v, v)
        }
      }
      #expect(got.scalars.map(Int64.init) == expected.map { $0 ?? 0 }, "\(op) \(shape) axes \(axes)")
    }
    let small = x.map { $0 / 1000 }
    let running = try small.cumsum(axis: axis), back = try small.cumsum(axis: axis, reverse: true)
    for i in 0..<small.count {
      var idx = CoreTests.unravel(i, shape)
      let j = idx[ax]
      let line = (0..<shape[ax]).map { k -> Int64 in idx[ax] = k; return Int64(small[flat: Self.flat(idx, shape)]) }
      #expect(Int64(running[flat: i]) == line[...j].reduce(0, +))
      #expect(Int64(back[flat: i]) == line[j...].reduce(0, +))
    }
  }

  @Test func integerOverflowIsAnError() throws {
    let big = try IntTensor(shape: [2], scalars: [2_000_000_000, 2_000_000_000])
    #expect(throws: TensorError.self) { try big.reducedExactly(.sum, axes: [0]) }
    #expect(throws: TensorError.self) { try big.cumsum(axis: 0) }
    #expect(try big.reducedExactly(.max, axes: [0]).scalars == [2_000_000_000])
    #expect(throws: TensorError.self) { try IntTensor(shape: [0], scalars: []).reducedExactly(.max, axes: [0]) }
    #expect(try IntTensor(shape: [0], scalars: []).reducedExactly(.sum, axes: [0]).scalars == [0])
  }

  @Test func oneHotMarksEachClass() throws {
    let idx = try IntTensor(shape: [2, 2], scalars: [0, 2, 1, 2])
    let h = try idx.oneHot(classes: 3)
    #expect(h.shape == [2, 2, 3] && h.scalars == [1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1])
    #expect(throws: TensorError.self) { try idx.oneHot(classes: 2) }
  }

  @Test(arguments: LayoutSliceTests.cases)
  func assigningSliceWritesExactlyTheSlice(_ c: LayoutSliceTests.Case) throws {
    let x = randomTensor(c.shape, seed: 3)
    let region = try x.sliced(c.ranges)
    let part = randomTensor(region.shape, seed: 4)
    let (_, sources) = try LayoutSliceTests.sources(c)
    var expected = x.scalars
    for (k, f) in sources.enumerated() { expected[f] = part[flat: k] }
    #expect(try x.assigningSlice(part, ranges: c.ranges).scalars == expected, "\(c)")
    #expect(throws: TensorError.self) { try x.assigningSlice(Tensor(shape: [1, 2, 3, 4, 5, 6], repeating: 0), ranges: c.ranges) }
  }
}
