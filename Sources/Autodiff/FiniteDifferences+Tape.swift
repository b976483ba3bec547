import Tensor

extension FiniteDifferences {
  /// Checks the tape's gradients of `f` with respect to each of `inputs` against central
  /// differences of the scalar `L = Σ w ⊙ f(x)` for a fixed random `w` (Double accumulation).
  ///
  /// - Parameters:
  ///   - inputs: the points to check at; every element of each is moved (keep them small).
  ///   - seed: seeds the random projection `w`.
  ///   - f: the function under test, built on the given tape from the given watched inputs.
  public func check(tape inputs: [Tensor], seed: UInt64 = 7, _ f: (Tape, [Var]) throws -> Var) throws -> Report {
    var rng = RNG(seed: seed)
    let tape = Tape()
    let vars = inputs.map { tape.watch($0) }
    let y = try f(tape, vars)
    let w = rng.normal(y.shape)
    let g = try tape.backward(from: y, seed: w)
    let analytic = vars.map { v in v.node.flatMap { g[$0] } ?? Tensor(shape: v.shape, repeating: 0) }
    func loss(_ xs: [Tensor]) throws -> Double {
      let out = try f(Tape(recording: false), xs.map { Var(constant: $0) }).value
      var acc = 0.0
      for i in 0..<out.count { acc += Double(out[flat: i]) * Double(w[flat: i]) }
      return acc
    }
    return try check(analytic, at: inputs, value: try loss(inputs), loss)
  }
}
