import Testing
import Tensor
@testable import Autodiff

/// Every differentiable core op against central finite differences.
struct GradCheckTests {
  static func rand(_ shape: [Int], seed: UInt64, lo: Float = -1, hi: Float = 1) -> Tensor {
    var r = RNG(seed: seed)
    return r.uniform(shape, lo: lo, hi: hi)
  }

  func check(_ inputs: [Tensor], h: Float = 1e-2, atol: Double = 2e-3, rtol: Double = 1e-2,
             _ f: (Tape, [Var]) throws -> Var) throws {
    let r = try FiniteDifferences(step: Double(h)).check(tape: inputs, f)
    #expect(r.checked == inputs.reduce(0) { $0 + $1.count })
    #expect(r.maxAbsError <= atol || r.error <= rtol, "\(r)")
  }

  static let binaries: [ZipOp] = [.add, .sub, .mul, .div, .maximum, .minimum]
  static let shapes: [([Int], [Int])] = [([3, 4], [3, 4]), ([2, 3, 4], [4]), ([3, 1], [1, 5]), ([], [2, 2])]

  @Test(arguments: binaries, shapes)
  func binary(op: ZipOp, shapes: ([Int], [Int])) throws {
    let a = Self.rand(shapes.0, seed: 1)
    var b = Self.rand(shapes.1, seed: 2, lo: 0.5, hi: 1.5)  // away from 0 for div, distinct from a
    if op == .sub { b = b * -1 }
    try check([a, b]) { t, v in try t.apply(.binary(op), v) }
  }

  @Test func power() throws {
    let a = Self.rand([5], seed: 3, lo: 0.5, hi: 2), b = Self.rand([5], seed: 4, lo: -1, hi: 2)
    try check([a, b], h: 1e-3) { t, v in try t.apply(.binary(.pow), v) }
  }

  static let unaries: [MapOp] = [.neg, .exp, .log, .sqrt, .abs, .relu, .sigmoid, .tanh, .square, .sin, .cos]

  @Test(arguments: unaries)
  func unary(op: MapOp) throws {
    // Positive inputs for log/sqrt; others on both sides of 0 but away from the kinks.
    let positive: Set<MapOp> = [.log, .sqrt]
    var x = Self.rand([2, 5], seed: 5, lo: 0.2, hi: 2)
    if !positive.contains(op) { x = try x * Tensor(shape: [5], scalars: [1, -1, 1, -1, 1]) }
    try check([x], h: 1e-3) { t, v in try t.unary(op, v[0]) }
  }

  @Test func scaleAndShift() throws {
    try check([Self.rand([4], seed: 6)]) { t, v in try t.apply(.shift(2), [try t.scale(v[0], 3)]) }
  }

  @Test(arguments: [([3, 4], [4, 5]), ([2, 3, 4], [4, 2]), ([2, 3, 4], [2, 4, 3]), ([4], [4, 3]), ([3, 4], [4])])
  func matmul(shapes: ([Int], [Int])) throws {
    try check([Self.rand(shapes.0, seed: 7), Self.rand(shapes.1, seed: 8)]) { t, v in try t.matmul(v[0], v[1]) }
  }

  @Test(arguments: [ReduceOp.sum, .mean, .max, .min], [nil, 0, 1, -1] as [Int?])
  func reduce(op: ReduceOp, axis: Int?) throws {
    let x = Self.rand([3, 4, 2], seed: 9)
    try check([x]) { t, v in try t.apply(.reduce(op, axis: axis, keepDims: false), v) }
    try check([x]) { t, v in try t.apply(.reduce(op, axis: axis, keepDims: true), v) }
  }

  @Test func layoutOps() throws {
    let x = Self.rand([2, 3, 4], seed: 10)
    try check([x]) { t, v in try t.reshape(v[0], [6, 4]) }
    try check([x]) { t, v in try t.apply(.permute([2, 0, 1]), v) }
    try check([x]) { t, v in try t.apply(.slice([.all, SliceRange(1, nil), SliceRange(0, 4, step: 2)]), v) }
    try check([x, Self.rand([2, 1, 4], seed: 11)]) { t, v in try t.apply(.concat(axis: 1), v) }
    try check([x]) { t, v in try t.apply(.pad([(0, 0), (1, 2), (2, 0)], value: 0.5), v) }
    let idx = try IntTensor(shape: [5], scalars: [3, 0, 0, 2, 1])
    try check([x]) { t, v in try t.apply(.gather(idx, axis: 2), v) }
    try check([Self.rand([3, 1], seed: 12)]) { t, v in try t.apply(.broadcast([2, 3, 4]), v) }
  }

  /// A composite: gradients flow through shared subexpressions and accumulate.
  @Test func composite() throws {
    try check([Self.rand([3, 3], seed: 13), Self.rand([3], seed: 14)]) { t, v in
      let h = try t.relu(try t.add(try t.matmul(v[0], v[0]), v[1]))
      return try t.mean(try t.mul(h, h), axis: 0)
    }
  }
}
