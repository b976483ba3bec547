import Testing
@testable import Tensor

/// The one size check (`TensorSize.check`) and the kernels that make tensors of sizes a
/// program chose: refused with the size and the limit, never a wrapped product or a trap.
struct TensorSizeTests {
  static let small = TensorSize.Limit(bytes: 1 << 20, source: "test")

  @Test func sizesWithinTheLimitPass() throws {
    #expect(try TensorSize.check([3, 4], op: "t", limit: Self.small) == 12)
    #expect(try TensorSize.check([], op: "t", limit: Self.small) == 1)
    #expect(try TensorSize.check([0, 5], op: "t", limit: Self.small) == 0)
    #expect(try TensorSize.check([512, 512], op: "t", limit: Self.small) == 262_144)
  }

  @Test("refused shapes, with the reason", arguments: [
    ([513, 512], "t: a [513, 512] tensor needs 1.0 MiB, more than the size limit of 1.0 MiB (test)"),
    ([1 << 32, 1 << 32], "t: a [4294967296, 4294967296] tensor needs 64.0 EiB, more than the size limit of 1.0 MiB (test)"),
    ([1 << 62, 4], "t: a [4611686018427387904, 4] tensor needs 64.0 EiB, more than the size limit of 1.0 MiB (test)"),
    ([0, 1 << 62], "t: shape [0, 4611686018427387904] spans 16.0 EiB, more than the size limit of 1.0 MiB (test)"),
    ([2, -1], "t: shape [2, -1] has a negative dimension (-1)"),
    ([Int.max, Int.max, Int.max], "t: a [9223372036854775807, 9223372036854775807, 9223372036854775807] tensor needs 2.72e+39 EiB, more than the size limit of 1.0 MiB (test)"),
  ])
  func refused(shape: [Int], message: String) {
    #expect(throws: TensorError("t", String(message.dropFirst(3)))) { try TensorSize.check(shape, op: "t", limit: Self.small) }
  }

  @Test func atMostTwoToThe31Elements() {
    let big = TensorSize.Limit(bytes: 1 << 40, source: "test")
    #expect(throws: TensorError("t", "a [2147483649] tensor needs 2147483649 elements, more than 2^31 (indices are Int32)")) {
      try TensorSize.check([(1 << 31) + 1], op: "t", limit: big)
    }
  }

  @Test func theLimitFromTheEnvironment() {
    #expect(TensorSize.Limit(environment: "1048576").bytes == 1 << 20)
    #expect(TensorSize.Limit(environment: "64K").bytes == 1 << 16)
    #expect(TensorSize.Limit(environment: "1.5GiB").bytes == 3 << 29)
    #expect(TensorSize.Limit(environment: "2tb").bytes == 1 << 41)
    #expect(TensorSize.Limit(environment: "64K").source == "DPL_MAX_TENSOR_BYTES")
    for bad in ["abc", "-5", "0", "", "1e400", "9999999999T"] {
      let l = TensorSize.Limit(environment: bad)
      #expect(l.source.contains("is not a size"), "\(bad)")
      #expect(l.bytes == TensorSize.Limit(environment: nil).bytes)
    }
    #expect(TensorSize.Limit(environment: nil).bytes >= 1 << 20)
  }

  @Test func byteText() {
    #expect(TensorSize.byteText(512) == "512 bytes")
    #expect(TensorSize.byteText(3 * 1024 * 1024) == "3.0 MiB")
    #expect(TensorSize.byteText(0x1p66) == "64.0 EiB")
  }

  @Test func kernelsCheckTheSizesTheyMake() throws {
    let x = Tensor(shape: [1, 1, 2, 2], repeating: 1)
    #expect(throws: TensorError.self) { try x.padded([(0, 0), (0, 0), (1 << 40, 1 << 40), (1 << 40, 1 << 40)]) }
    #expect(throws: TensorError("pad", "axis 2 padded by (9223372036854775807, 9223372036854775807) is beyond any tensor's size")) {
      try x.padded([(0, 0), (0, 0), (Int.max, Int.max)])
    }
    #expect(throws: TensorError.self) { try IntTensor(shape: [2], repeating: 0).oneHot(classes: 1 << 40) }
    #expect(throws: TensorError("upsample", "height 2 × 4611686018427387904 is beyond any tensor's size")) {
      try upsample(x, scale: 1 << 62, mode: .nearest)
    }
    #expect(throws: TensorError.self) { try upsample(x, scale: 1 << 20, mode: .nearest) }
    #expect(throws: TensorError.self) { try Tensor(shape: [0], repeating: 0).reshaped([1 << 62, 4]) }
    #expect(throws: TensorError.self) { try Tensor(shape: [0], repeating: 0).reshaped([1 << 62, -1]) }
    #expect(try x.reshaped([4, -1]).shape == [4, 1])
    let column = Tensor(shape: [1 << 17, 1], repeating: 1), row = Tensor(shape: [1, 1 << 17], repeating: 1)
    #expect(throws: TensorError.self) { try column * row }
    #expect(throws: TensorError.self) { try column.matmul(row) }
    #expect(throws: TensorError.self) { try Tensor(shape: [0], repeating: 0).broadcast(to: [1 << 62, 4]) }
    #expect(throws: TensorError.self) { try Tensor(shape: [1 << 62, 4], scalars: []) }
  }
}
