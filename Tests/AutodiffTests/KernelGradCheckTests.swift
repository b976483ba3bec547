import Testing
import Tensor
@testable import Autodiff

/// The kernel-backed ops of the VJP table, through the tape, against finite differences.
struct KernelGradCheckTests {
  func check(_ inputs: [Tensor], h: Float = 1e-2, atol: Double = 5e-3, rtol: Double = 2e-2,
             _ f: (Tape, [Var]) throws -> Var) throws {
    let r = try gradCheck(inputs, h: h, f)
    #expect(r.maxAbsError <= atol || r.maxRelError <= rtol, "\(r)")
  }

  static func rand(_ shape: [Int], seed: UInt64) -> Tensor {
    var r = RNG(seed: seed)
    return r.uniform(shape, lo: -1, hi: 1)
  }

  @Test(arguments: [(1, 0), (1, 1), (2, 1)])
  func conv2d(stride: Int, padding: Int) throws {
    let x = Self.rand([2, 2, 5, 4], seed: 1), w = Self.rand([3, 2, 3, 3], seed: 2), b = Self.rand([3], seed: 3)
    try check([x, w, b]) { t, v in try t.apply(.conv2d(stride: stride, padding: padding), v) }
    try check([x, w]) { t, v in try t.apply(.conv2d(stride: stride, padding: padding), v) }
  }

  @Test func starSampleBilinear() throws {
    let map = Self.rand([2, 1, 9, 9], seed: 4)
    let centers = try Tensor(shape: [2, 2], scalars: [4.2, 3.9, 4.6, 4.1])
    let rot = try Tensor(shape: [2], scalars: [0.1, -0.3])
    let op = Op.starSample(centers: centers, rotation: rot, pattern: StarPattern(lines: 5, points: 4, radius: 3.3),
                           interpolation: .bilinear)
    try check([map]) { t, v in try t.apply(op, v) }
  }

  @Test func diffAndSmooth() throws {
    let x = Self.rand([2, 6, 5], seed: 5)
    try check([x]) { t, v in try t.apply(.diff(axis: -1), v) }
    try check([x]) { t, v in try t.apply(.diff(axis: 1), v) }
    try check([Self.rand([3, 8], seed: 6)]) { t, v in try t.apply(.smoothCircular(window: 3), v) }
  }
}
