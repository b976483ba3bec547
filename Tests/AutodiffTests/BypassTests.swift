import Foundation
import Testing
import Tensor
@testable import Autodiff

/// Bypass estimators on functions whose true gradient is known.
struct BypassTests {
  /// A smooth function treated as a black box: f(x) = sin(x) ⊙ (1 + x·c) with a coupling c.
  static func f(_ x: Tensor) throws -> Tensor {
    let s = x.map(.tanh)
    return try s * (x * 0.5 + 1)
  }
  /// Batched over axis 0.
  static func fb(_ xs: Tensor) throws -> Tensor { try f(xs) }

  static func cosine(_ a: Tensor, _ b: Tensor) -> Double {
    var ab = 0.0, aa = 0.0, bb = 0.0
    for i in 0..<a.count {
      ab += Double(a[flat: i]) * Double(b[flat: i])
      aa += Double(a[flat: i] * a[flat: i]); bb += Double(b[flat: i] * b[flat: i])
    }
    return ab / (aa.squareRoot() * bb.squareRoot())
  }

  /// True gradient of Σ w ⊙ f(x) by the tape.
  static func trueGrad(_ x: Tensor, _ w: Tensor) throws -> Tensor {
    let tape = Tape()
    let xv = tape.watch(x)
    let y = try tape.mul(try tape.unary(.tanh, xv), try tape.apply(.shift(1), [try tape.scale(xv, 0.5)]))
    return try tape.backward(from: y, seed: w)[xv.node!]!
  }

  func estimate(_ make: (Tape, Var, Tensor) throws -> Var) throws -> (Tensor, Tensor) {
    var rng = RNG(seed: 3)
    let x = rng.normal([8]), w = rng.normal([8])
    let tape = Tape()
    let xv = tape.watch(x)
    let y = try make(tape, xv, try Self.f(x))
    #expect(y.value == (try Self.f(x)))  // the value is always f(x)
    let g = try tape.backward(from: y, seed: w)[xv.node!]!
    return (g, try Self.trueGrad(x, w))
  }

  @Test func esMatchesTrueGradient() throws {
    var rng = RNG(seed: 11)
    let (g, truth) = try estimate { t, x, y in
      try Bypass.es(t, x: x, y: y, sigma: 0.05, samples: 400, rng: &rng, f: Self.fb)
    }
    #expect(Self.cosine(g, truth) >= 0.9)
  }

  @Test func perturbedMatchesTrueGradient() throws {
    var rng = RNG(seed: 12)
    let (g, truth) = try estimate { t, x, y in
      try Bypass.perturbed(t, x: x, y: y, sigma: 0.05, samples: 2000, rng: &rng, f: Self.fb)
    }
    #expect(Self.cosine(g, truth) >= 0.9)
  }

  @Test func sameSeedSameGradient() throws {
    var r1 = RNG(seed: 5), r2 = RNG(seed: 5)
    let (a, _) = try estimate { t, x, y in try Bypass.es(t, x: x, y: y, sigma: 0.1, samples: 10, rng: &r1, f: Self.fb) }
    let (b, _) = try estimate { t, x, y in try Bypass.es(t, x: x, y: y, sigma: 0.1, samples: 10, rng: &r2, f: Self.fb) }
    #expect(a == b)
  }

  @Test func steIsIdentity() throws {
    let tape = Tape()
    let x = tape.watch(try Tensor(shape: [3], scalars: [0.2, 1.7, -0.6]))
    let y = try Bypass.ste(tape, x: x, y: x.value.map(.round))
    #expect(y.value.scalars == [0, 2, -1])
    #expect(try tape.gradients(of: try tape.sum(y), wrt: [x])[0].scalars == [1, 1, 1])
    #expect(throws: TensorError.self) { try Bypass.ste(Tape(), x: x, y: Tensor.zeros([2])) }
  }

  /// Blackbox on argmin-as-one-hot of a linear cost: the gradient points so that moving
  /// along it reduces the loss ⟨v, f(x)⟩ for a cost where the loss prefers another choice.
  @Test func blackboxOnArgminOneHot() throws {
    let onehotArgmin = Self.onehot(max: false)
    let x = try Tensor(shape: [3], scalars: [0.0, 0.5, 1.0])   // argmin picks 0
    let tape = Tape()
    let xv = tape.watch(x)
    let y = try Bypass.blackbox(tape, x: xv, y: try onehotArgmin(x), lambda: 2, f: onehotArgmin)
    let v = try Tensor(shape: [3], scalars: [1, 0, 0])      // the loss dislikes choice 0
    let g = try tape.backward(from: y, seed: v)[xv.node!]!
    // Perturbed cost x + 2v = [2, .5, 1] picks 1: grad = −([1,0,0] − [0,1,0])/2.
    #expect(g.scalars == [-0.5, 0.5, 0])
  }

  /// One-hot of the arg-min (`max: false`) or arg-max of each row.
  static func onehot(max: Bool) -> Bypass.Batched {
    { xs in
      let n = xs.shape.last!
      let flat = try xs.reshaped([-1, n])
      let idx = try flat.argReduce(max: max, axis: 1)
      var out = Tensor.zeros(flat.shape)
      for r in 0..<idx.count { out[r, Int(idx[flat: r])] = 1 }
      return try out.reshaped(xs.shape)
    }
  }

  /// The gradient of ⟨v, y⟩ for the blackbox node of `solver` at `x`.
  static func blackboxGradient(_ x: Tensor, _ v: Tensor, sense: Float, lambda: Float, _ solver: @escaping Bypass.Batched) throws -> Tensor {
    let tape = Tape()
    let xv = tape.watch(x)
    let y = try Bypass.blackbox(tape, x: xv, y: try solver(x), lambda: lambda, sense: sense, f: solver)
    return try tape.backward(from: y, seed: v)[xv.node!]!
  }

  /// Arg-max of x is arg-min of −x, so by the chain rule the maximiser's gradient at x is
  /// minus the minimiser's at −x; and by hand: x − λv = [3, 12, 1] picks 1, so the gradient
  /// is −([0, 1, 0] − [1, 0, 0])/1.
  @Test func blackboxOnArgmaxIsTheMirroredArgmin() throws {
    let x = try Tensor(shape: [3], scalars: [3, 2, 1])         // argmax picks 0
    let v = try Tensor(shape: [3], scalars: [0, -10, 0])       // the loss prefers choice 1
    let gMax = try Self.blackboxGradient(x, v, sense: -1, lambda: 1, Self.onehot(max: true))
    let gMin = try Self.blackboxGradient(x * -1, v, sense: 1, lambda: 1, Self.onehot(max: false))
    #expect(gMax.scalars == [1, -1, 0])
    #expect(gMax.scalars == (gMin * -1).scalars)
    // Without the sense, the maximiser is pushed further toward its own choice: x + λv picks 0 again.
    #expect(try Self.blackboxGradient(x, v, sense: 1, lambda: 1, Self.onehot(max: true)).scalars.allSatisfy { $0 == 0 })
  }

  /// nid: −sense · v, with no call of the solver.
  @Test func nidIsTheSignedIdentity() throws {
    let x = try Tensor(shape: [3], scalars: [0.0, 0.5, 1.0])
    let v = try Tensor(shape: [3], scalars: [1, -2, 0.5])
    for sense: Float in [1, -1] {
      let tape = Tape()
      let xv = tape.watch(x)
      let y = try Bypass.nid(tape, x: xv, y: try Self.onehot(max: sense < 0)(x), sense: sense)
      #expect(y.value.scalars == (sense < 0 ? [0, 0, 1] : [1, 0, 0]))
      #expect(try tape.backward(from: y, seed: v)[xv.node!]!.scalars == (v * -sense).scalars)
    }
    #expect(throws: TensorError.self) { try Bypass.nid(Tape(), x: Tape().watch(x), y: Tensor.zeros([2]), sense: 1) }
  }

  @Test func badOptionsAreErrors() throws {
    var rng = RNG(seed: 1)
    let tape = Tape()
    let x = tape.watch(Tensor.ones([2]))
    #expect(throws: TensorError.self) { try Bypass.es(tape, x: x, y: x.value, sigma: 0, samples: 3, rng: &rng, f: Self.fb) }
    #expect(throws: TensorError.self) { try Bypass.blackbox(tape, x: x, y: x.value, lambda: -1, f: Self.fb) }
    #expect(throws: TensorError.self) { try Bypass.blackbox(tape, x: x, y: x.value, lambda: 1, sense: 0, f: Self.fb) }
    #expect(throws: TensorError.self) { try Bypass.nid(tape, x: x, y: x.value, sense: 2) }
  }
}
