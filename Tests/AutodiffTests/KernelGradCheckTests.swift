import Testing
import Tensor
@testable import Autodiff

/// The kernel-backed ops of the VJP table, through the tape, against finite differences.
struct KernelGradCheckTests {
  func check(_ inputs: [Tensor], h: Float = 1e-2, atol: Double = 5e-3, rtol: Double = 2e-2,
             _ f: (Tape, [Var]) throws -> Var) throws {
    let r = try FiniteDifferences(step: Double(h)).check(tape: inputs, f)
    #expect(r.maxAbsError <= atol || r.error <= rtol, "\(r)")
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

  /// The fused conv + ReLU op gives exactly the value and gradients of the two ops in sequence.
  @Test(arguments: [(1, 1), (2, 0)])
  func conv2dReLUMatchesComposition(stride: Int, padding: Int) throws {
    let x = Self.rand([2, 3, 7, 6], seed: 11), w = Self.rand([4, 3, 3, 3], seed: 12), b = Self.rand([4], seed: 13)
    let probe = Self.rand([2, 4, (7 + 2 * padding - 3) / stride + 1, (6 + 2 * padding - 3) / stride + 1], seed: 14)
    func run(_ fused: Bool, _ operands: [Tensor]) throws -> (Tensor, [Tensor]) {
      let t = Tape()
      let v = operands.map { t.watch($0) }
      let y = fused ? try t.apply(.conv2dReLU(stride: stride, padding: padding), v)
                    : try t.relu(try t.apply(.conv2d(stride: stride, padding: padding), v))
      let loss = try t.sum(try t.mul(y, Var(constant: probe)))
      return (y.value, try t.gradients(of: loss, wrt: v))
    }
    for operands in [[x, w, b], [x, w]] {  // with and without bias
      let (yf, gf) = try run(true, operands), (yc, gc) = try run(false, operands)
      #expect(yf == yc)
      #expect(gf.count == operands.count)
      for (a, c) in zip(gf, gc) {
        let d = zip(a.scalars, c.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(d <= 1e-5, "gradient differs by \(d)")
      }
    }
  }

  @Test func starSampleBilinear() throws {
    let map = Self.rand([2, 1, 9, 9], seed: 4)
    let centers = try Tensor(shape: [2, 2], scalars: [4.2, 3.9, 4.6, 4.1])
    let rot = try Tensor(shape: [2], scalars: [0.1, -0.3])
    let op = Primitive.starSample(centers: centers, rotation: rot, pattern: StarPattern(lines: 5, points: 4, radius: 3.3),
                           interpolation: .bilinear)
    try check([map]) { t, v in try t.apply(op, v) }
  }

  @Test func diffAndSmooth() throws {
    let x = Self.rand([2, 6, 5], seed: 5)
    try check([x]) { t, v in try t.apply(.diff(axis: -1), v) }
    try check([x]) { t, v in try t.apply(.diff(axis: 1), v) }
    try check([Self.rand([3, 8], seed: 6)]) { t, v in try t.apply(.smoothCircular(window: 3), v) }
  }

  @Test(arguments: [(2, 0), (1, 0), (2, 1)])
  func convTranspose2d(stride: Int, padding: Int) throws {
    let x = Self.rand([2, 3, 3, 4], seed: 7), w = Self.rand([3, 2, 2, 3], seed: 8), b = Self.rand([2], seed: 9)
    try check([x, w, b]) { t, v in try t.apply(.convTranspose2d(stride: stride, padding: padding), v) }
  }

  @Test func maxPool() throws {
    // Distinct values keep the argmax away from ties.
    let x = Tensor(shape: [2, 2, 5, 6]) { i in Float((i * 37) % 61) / 10 }
    try check([x]) { t, v in try t.apply(.maxPool2d(kernel: 2, stride: 2, ceil: false), v) }
    try check([x]) { t, v in try t.apply(.maxPool2d(kernel: 2, stride: 2, ceil: true), v) }
  }

  @Test(arguments: [true, false], [false, true])
  func batchNorm(training: Bool, relu: Bool) throws {
    let x = Self.rand([3, 2, 3, 3], seed: 10), gamma = Self.rand([2], seed: 11), beta = Self.rand([2], seed: 12)
    let running = RunningStats(channels: 2)
    running.stats.mean = Self.rand([2], seed: 13)
    let op = Primitive.batchNorm2d(running: running, training: training, momentum: 0.1, eps: 1e-5, relu: relu)
    try check([x, gamma, beta], h: 1e-3) { t, v in try t.apply(op, v) }
  }

  @Test(arguments: [true, false])
  func batchNormReLUMatchesComposition(training: Bool) throws {
    let x = Self.rand([4, 3, 5, 6], seed: 20), gamma = Self.rand([3], seed: 21), beta = Self.rand([3], seed: 22)
    let probe = Self.rand([4, 3, 5, 6], seed: 23)
    func run(_ fused: Bool) throws -> (Tensor, [Tensor], BatchNormStats) {
      let running = RunningStats(channels: 3)
      let t = Tape()
      let v = [x, gamma, beta].map { t.watch($0) }
      let op = { (relu: Bool) in Primitive.batchNorm2d(running: running, training: training, momentum: 0.1, eps: 1e-5, relu: relu) }
      let y = fused ? try t.apply(op(true), v) : try t.relu(try t.apply(op(false), v))
      let loss = try t.sum(try t.mul(y, Var(constant: probe)))
      return (y.value, try t.gradients(of: loss, wrt: v), running.stats)
    }
    let (yf, gf, sf) = try run(true), (yc, gc, sc) = try run(false)
    #expect(yf == yc)
    #expect(sf.mean == sc.mean && sf.variance == sc.variance)
    for (a, c) in zip(gf, gc) {
      let d = zip(a.scalars, c.scalars).map { abs($0 - $1) }.max() ?? 0
      #expect(d <= 1e-5, "gradient differs by \(d)")
    }
  }

  @Test(arguments: [UpsampleMode.nearest, .bilinear])
  func upsample(mode: UpsampleMode) throws {
    try check([Self.rand([1, 2, 3, 4], seed: 14)]) { t, v in try t.apply(.upsample(height: 7, width: 8, mode: mode), v) }
  }

  @Test func softmaxAndLosses() throws {
    let x = Self.rand([3, 4, 5], seed: 15)
    try check([x]) { t, v in try t.apply(.softmax(axis: 1), v) }
    try check([x]) { t, v in try t.apply(.logSoftmax(axis: -1), v) }
    try check([x, Self.rand([3, 4, 5], seed: 16)]) { t, v in try t.apply(.mse, v) }
    let target = try IntTensor(shape: [3, 5], scalars: (0..<15).map { Int32($0 % 4) })
    try check([x]) { t, v in try t.apply(.crossEntropy(target: target, classAxis: nil), v) }
    try check([x]) { t, v in try t.apply(.nll(target: target, classAxis: nil), [try t.apply(.logSoftmax(axis: 1), v)]) }
    let last = try IntTensor(shape: [3, 4], scalars: (0..<12).map { Int32($0 % 5) })
    try check([x]) { t, v in try t.apply(.crossEntropy(target: last, classAxis: -1), v) }
  }
}
