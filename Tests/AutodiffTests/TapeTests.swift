import Testing
import Tensor
@testable import Autodiff

struct TapeTests {
  @Test func recordsOnlyActiveOps() throws {
    let tape = Tape()
    let x = tape.watch(Tensor.ones([3]))
    let c = Var(constant: Tensor.ones([3]))
    _ = try tape.add(c, c)            // constant: not recorded
    _ = try tape.mul(x, c)            // active: recorded
    #expect(tape.count == 2)          // the leaf and the mul
  }

  @Test func gradientOfSquareSum() throws {
    let tape = Tape()
    let x = tape.watch(try Tensor(shape: [3], scalars: [1, -2, 3]))
    let y = try tape.sum(try tape.mul(x, x))
    let g = try tape.gradients(of: y, wrt: [x])[0]
    #expect(g.scalars == [2, -4, 6])
  }

  @Test func unbroadcastsGradients() throws {
    let tape = Tape()
    let x = tape.watch(Tensor.ones([3]))
    let y = try tape.sum(try tape.add(x, Var(constant: Tensor.ones([2, 3]))))
    #expect(try tape.gradients(of: y, wrt: [x])[0].scalars == [2, 2, 2])
  }

  /// A constant part of a concat (the zero pad of ceil-mode pooling) gets no gradient;
  /// the active parts get theirs.
  @Test func concatWithConstantPart() throws {
    let tape = Tape()
    let x = tape.watch(try Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4]))
    let z = Var(constant: Tensor.zeros([2, 2, 2]))
    let y = try tape.apply(.concat(axis: 1), [z, x, z])
    let w = Var(constant: Tensor(shape: [2, 5, 2]) { Float($0) })
    let g = try tape.gradients(of: try tape.sum(try tape.mul(y, w)), wrt: [x])[0]
    #expect(g.scalars == [4, 5, 14, 15])
  }

  @Test func stopGradientBlocks() throws {
    let tape = Tape()
    let x = tape.watch(Tensor.ones([2]))
    let s = try tape.apply(.stopGradient, [x])
    let y = try tape.sum(try tape.add(try tape.mul(s, s), x))
    #expect(try tape.gradients(of: y, wrt: [x])[0].scalars == [1, 1])
  }

  @Test func parametersReceiveGradients() throws {
    let p = Parameter("w", try Tensor(shape: [2], scalars: [1, 2]))
    let tape = Tape()
    let a = tape.watch(p), b = tape.watch(p)
    #expect(a.node == b.node)
    try tape.backward(from: try tape.sum(try tape.mul(a, b)))
    #expect(p.grad?.scalars == [2, 4])
  }

  @Test func lossWithoutWatchedInputIsAnError() throws {
    let tape = Tape()
    #expect(throws: TensorError.self) { try tape.backward(from: Var(constant: Tensor.ones([]))) }
  }

  @Test func customVJPIsUsed() throws {
    let tape = Tape()
    let x = tape.watch(try Tensor(shape: [2], scalars: [0.4, 1.6]))
    let r = tape.custom("ste_round", [x], output: x.value.map(.round)) { g in [g] }
    #expect(r.value.scalars == [0, 2])
    #expect(try tape.gradients(of: try tape.sum(r), wrt: [x])[0].scalars == [1, 1])
  }
}

struct OptimizerTests {
  /// Minimises ‖w − target‖² and expects convergence.
  func fit(_ make: ([Parameter]) -> Optimizer, steps: Int) throws -> Float {
    let target = try Tensor(shape: [3], scalars: [1, -2, 0.5])
    let w = Parameter("w", Tensor.zeros([3]))
    let opt = make([w])
    var loss: Float = 0
    for _ in 0..<steps {
      opt.zeroGrad()
      let tape = Tape()
      let d = try tape.sub(tape.watch(w), Var(constant: target))
      let l = try tape.sum(try tape.mul(d, d))
      loss = try l.value.item()
      try tape.backward(from: l)
      try opt.step()
    }
    return loss
  }

  @Test func adamConverges() throws { #expect(try fit({ Adam($0, lr: 0.1) }, steps: 300) < 1e-4) }
  @Test func sgdMomentumConverges() throws { #expect(try fit({ SGD($0, lr: 0.05, momentum: 0.9) }, steps: 300) < 1e-4) }

  /// The first Adam step moves every coordinate by lr·sign(g) (bias correction).
  @Test func adamFirstStep() throws {
    let w = Parameter("w", try Tensor(shape: [2], scalars: [0, 0]))
    w.grad = try Tensor(shape: [2], scalars: [3, -0.5])
    let opt = Adam([w], lr: 0.01)
    try opt.step()
    #expect(abs(w.value[0] + 0.01) < 1e-6 && abs(w.value[1] - 0.01) < 1e-6)
  }

  @Test func adamStateRoundTrips() throws {
    let w = Parameter("w", Tensor.ones([2]))
    w.grad = Tensor.ones([2])
    let a = Adam([w], lr: 0.1)
    try a.step()
    let b = Adam([w], lr: 0.1)
    try b.load(state: a.state)
    #expect(b.t == 1 && b.state["w.exp_avg"] == a.state["w.exp_avg"])
    #expect(throws: TensorError.self) { try b.load(state: [:]) }
  }
}
