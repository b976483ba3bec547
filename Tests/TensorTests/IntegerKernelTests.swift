import Testing
@testable import Tensor

/// The Int32 binary kernel against naive loops in Int64, over a sweep of shapes with
/// broadcasting and of values near 0, 2^24 and 2^31: every result exact, or the error
/// naming the first element (row-major) that is out of range.
struct IntegerKernelTests {
  /// Operand values: small (no zero divisors), near 2^24 (where Float32 stops being exact),
  /// and near Int32's ends (with 0 and -1 as divisors).
  enum Values: String, CaseIterable { case small, near2p24, near2p31 }

  static func values(_ shape: [Int], _ v: Values, left: Bool, seed: UInt64) -> IntTensor {
    var rng = RNG(seed: seed)
    let u = rng.uniform(shape, lo: 0, hi: 1)
    return IntTensor(shape: shape) { i in
      let k = Int64(u[flat: i] * 2000) - 1000  // -1000 ..< 1000
      switch (v, left) {
      case (.small, true): return Int32(k)
      case (.small, false): return Int32(k == 0 ? 7 : k)
      case (.near2p24, true): return Int32((k < 0 ? -1 : 1) * (1 << 24) + k)
      case (.near2p24, false): return Int32(k % 5 == 0 ? 3 : k % 5)
      case (.near2p31, true): return k < 0 ? Int32.min + Int32(k + 1000) : Int32.max - Int32(k)
      case (.near2p31, false): return Int32(k % 4 - 1)  // -4 ... 2: includes 0 and -1
      }
    }
  }

  /// The exact value of `op(a, b)` for Int32 operands, or nil when it is not an Int32.
  static func naive(_ op: ZipOp, _ a: Int32, _ b: Int32) -> Int64? {
    let (x, y) = (Int64(a), Int64(b))
    let r: Int64?
    switch op {
    case .add: r = x + y
    case .sub: r = x - y
    case .mul: r = x * y
    case .div: r = y == 0 ? nil : x / y
    case .mod: r = y == 0 ? nil : ((x % y) + y) % y
    case .pow: r = naivePower(x, y)
    case .maximum: r = max(x, y)
    case .minimum: r = min(x, y)
    case .less: r = x < y ? 1 : 0
    case .lessEqual: r = x <= y ? 1 : 0
    case .greater: r = x > y ? 1 : 0
    case .greaterEqual: r = x >= y ? 1 : 0
    case .equal: r = x == y ? 1 : 0
    case .notEqual: r = x != y ? 1 : 0
    }
    return r.flatMap { Int32(exactly: $0) != nil ? $0 : nil }
  }

  /// `x^y` by repeated multiplication, stopping once the product leaves Int32; a negative
  /// exponent truncates `1 / x^|y|`.
  static func naivePower(_ x: Int64, _ y: Int64) -> Int64? {
    if y < 0 {
      switch x {
      case 0: return nil
      case 1: return 1
      case -1: return y % 2 == 0 ? 1 : -1
      default: return 0
      }
    }
    var acc: Int64 = 1
    for _ in 0..<y {
      acc *= x
      if abs(acc) > 1 << 31 { return nil }
    }
    return acc
  }

  @Test(arguments: CoreTests.pairs)
  func binaryOpsMatchNaiveLoops(shapes: ([Int], [Int])) throws {
    for v in Values.allCases {
      let a = Self.values(shapes.0, v, left: true, seed: 11), b = Self.values(shapes.1, v, left: false, seed: 12)
      let out = try #require(Broadcast.shape(shapes.0, shapes.1))
      for op in ZipOp.allCases {
        // The naive result at every output place, read through the broadcast.
        let (x, y) = (try a.stretched(to: out), try b.stretched(to: out))
        let want = (0..<x.count).map { Self.naive(op, x[flat: $0], y[flat: $0]) }
        if let bad = want.firstIndex(where: { $0 == nil }) {
          let message = Int32.outOfRangeMessage(op, x[flat: bad], y[flat: bad])
          #expect(throws: TensorError(op.rawValue, message), "\(op) \(v) \(shapes)") { try a.zip(b, op) }
        } else {
          let got = try a.zip(b, op)
          #expect(got.shape == out)
          #expect(got.scalars.map(Int64.init) == want.compactMap { $0 }, "\(op) \(v) \(shapes)")
        }
      }
    }
  }

  @Test func errorsNameTheValueAndTheRange() throws {
    let range = "-2147483648...2147483647"
    #expect(throws: TensorError("add", "2147483647 + 1 = 2147483648 is outside the Int32 range \(range)")) {
      try IntTensor(scalar: .max).zip(IntTensor(scalar: 1), .add)
    }
    #expect(throws: TensorError("div", "-2147483648 / -1 = 2147483648 is outside the Int32 range \(range)")) {
      try IntTensor(scalar: .min).zip(IntTensor(scalar: -1), .div)
    }
    #expect(throws: TensorError("div", "5 / 0 divides by zero")) { try IntTensor(scalar: 5).zip(IntTensor(scalar: 0), .div) }
    #expect(throws: TensorError("mod", "5 % 0 divides by zero")) { try IntTensor(scalar: 5).zip(IntTensor(scalar: 0), .mod) }
    #expect(try IntTensor(scalar: .min).zip(IntTensor(scalar: -1), .mod).scalars == [0])
    #expect(throws: TensorError("neg", "-(-2147483648) = 2147483648 is outside the Int32 range \(range)")) {
      try IntTensor(shape: [2], scalars: [1, .min]).negated()
    }
    #expect(try IntTensor(shape: [2], scalars: [.max, -5]).negated().scalars == [-.max, 5])
  }

  @Test("values beyond 2^24, which Float32 rounds, stay exact")
  func exactBeyondFloat() throws {
    let a = try IntTensor(shape: [3], scalars: [16_777_217, -16_777_219, 2_147_483_646])
    #expect(try a.zip(IntTensor(scalar: 0), .add).scalars == a.scalars)
    #expect(try a.zip(IntTensor(scalar: 1), .sub).scalars == [16_777_216, -16_777_220, 2_147_483_645])
    #expect(try a.zip(IntTensor(scalar: 16_777_216), .equal).scalars == [0, 0, 0])
  }

  @Test("a large tensor, split over the workers, reports the first element out of range")
  func parallelChunksReport() throws {
    let n = 100_000
    let a = IntTensor(shape: [n]) { Int32($0) }
    var b = IntTensor(shape: [n], repeating: 1)
    b[flat: n - 1] = .max
    b[flat: n - 2] = .max
    #expect(throws: TensorError("add", "99998 + 2147483647 = 2147583645 is outside the Int32 range -2147483648...2147483647")) {
      try a.zip(b, .add)
    }
    b[flat: n - 1] = 0
    b[flat: n - 2] = 0
    let sum = try a.zip(b, .add)
    #expect(sum[flat: 5] == 6 && sum[flat: n - 1] == Int32(n - 1))
  }

  @Test func scatterAddOnIntegersIsChecked() throws {
    let x = try IntTensor(shape: [2], scalars: [.max - 10, 0])
    let idx = try IntTensor(shape: [3], scalars: [0, 1, 0])
    #expect(try x.scatteringAdd(idx, try IntTensor(shape: [3], scalars: [4, 5, 6]), axis: 0).scalars == [.max, 5])
    #expect(throws: TensorError("scatter_add", "2147483641 + 7 = 2147483648 is outside the Int32 range -2147483648...2147483647")) {
      try x.scatteringAdd(idx, try IntTensor(shape: [3], scalars: [4, 5, 7]), axis: 0)
    }
  }

  @Test func floatToIntTruncatesOrNamesTheValue() throws {
    #expect(try Tensor(shape: [3], scalars: [2.7, -2.7, 16_777_216]).truncatedToInt32().scalars == [2, -2, 16_777_216])
    #expect(throws: TensorError("int", "nan is outside the Int32 range -2147483648...2147483647")) {
      try Tensor(shape: [2], scalars: [1, .nan]).truncatedToInt32()
    }
    #expect(throws: TensorError("int", "3e+09 is outside the Int32 range -2147483648...2147483647")) {
      try Tensor(scalar: 3e9).truncatedToInt32()
    }
  }
}
