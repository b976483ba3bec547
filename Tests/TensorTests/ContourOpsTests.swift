import Autodiff
import Testing
@testable import Tensor

/// Checks a linear op's VJP against central differences of `Σ v · f(x)` in Double.
private func checkVJP(_ x: Tensor, _ v: Tensor, forward f: (Tensor) throws -> Tensor,
                      backward: (Tensor) throws -> Tensor) throws {
  let gx = try backward(v)
  #expect(gx.shape == x.shape)
  func loss(_ t: Tensor) throws -> Double {
    zip(try f(t).scalars, v.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
  }
  let fd = try FiniteDifferences(step: 0.125).derivatives(at: [x]) { try loss($0[0]) }[0]
  for i in 0..<x.count { #expect(abs(fd[i] - Double(gx[flat: i])) < 1e-4, "element \(i)") }
}

@Suite struct ContourOpsTests {
  @Test func diffForward() throws {
    let t = try Tensor(shape: [2, 3], scalars: [1, 4, 9, 2, 2, -1])
    #expect(try diff(t, axis: 1).scalars == [3, 5, 0, -3])
    #expect(try diff(t, axis: -1).shape == [2, 2])
    #expect(try diff(t, axis: 0).scalars == [1, -2, -10])
    #expect(try diff(Tensor.zeros([2, 1]), axis: 1).shape == [2, 0])
    #expect(throws: TensorError.self) { try diff(t, axis: 2) }
    #expect(throws: TensorError.self) { try diff(Tensor.zeros([2, 0]), axis: 1) }
  }

  @Test(arguments: [0, 1, 2, -1])
  func diffBackwardMatchesFiniteDifferences(_ axis: Int) throws {
    var rng = RNG(seed: 8)
    let x = rng.uniform([3, 4, 5])
    var shape = x.shape
    shape[axis < 0 ? axis + 3 : axis] -= 1
    let v = rng.normal(shape)
    try checkVJP(x, v, forward: { try diff($0, axis: axis) }, backward: { try diffBackward($0, axis: axis) })
  }

  @Test func smoothForward() throws {
    let t = try Tensor(shape: [1, 5], scalars: [0, 10, 20, 30, 40])
    // Odd window 3: centred.
    func close(_ a: Tensor, _ b: [Float]) -> Bool { zip(a.scalars, b).allSatisfy { abs($0 - $1) < 1e-5 } }
    #expect(close(try smoothCircular(t, window: 3), [50.0 / 3, 10, 20, 30, 70.0 / 3]))
    // Even window 2: one back, none forward (offsets −1, 0).
    #expect(close(try smoothCircular(t, window: 2), [20, 5, 15, 25, 35]))
    let idx = try IntTensor(shape: [1, 5], scalars: [1, 1, 4, 1, 1])
    #expect(close(try smoothCircular(idx, window: 5), [1.6, 1.6, 1.6, 1.6, 1.6]))
    #expect(roundIndices(try Tensor(shape: [3], scalars: [1.5, -2, 9.7]), maxIndex: 8).scalars == [2, 0, 8])
    #expect(throws: TensorError.self) { try smoothCircular(t, window: 0) }
    #expect(throws: TensorError.self) { try smoothCircular(Tensor.zeros([5]), window: 3) }
  }

  @Test(arguments: [1, 2, 3, 6, 9])
  func smoothBackwardMatchesFiniteDifferences(_ window: Int) throws {
    var rng = RNG(seed: 9)
    let x = rng.uniform([2, 7])
    let v = rng.normal([2, 7])
    try checkVJP(x, v, forward: { try smoothCircular($0, window: window) },
                 backward: { try smoothCircularBackward($0, window: window) })
    let x3 = rng.uniform([2, 5, 3])
    let v3 = rng.normal([2, 5, 3])
    try checkVJP(x3, v3, forward: { try smoothCircular($0, window: window) },
                 backward: { try smoothCircularBackward($0, window: window) })
  }
}
