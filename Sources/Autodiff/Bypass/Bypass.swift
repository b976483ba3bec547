import Tensor

/// Gradient estimators for calls that have no gradient of their own (`@bypass`).
///
/// Each estimator records one custom node on the tape: its value is always the true
/// `f(x)`, and its VJP is the estimator's. `f` is given batched: it maps a stack of
/// inputs `[K, x…]` to a stack of outputs `[K, y…]`, so the noisy calls run as one batch.
/// Exploration noise comes from the caller's seeded `RNG`, so a seed replays a gradient.
public enum Bypass {
  /// A batched function: `[K, x…] → [K, y…]`.
  public typealias Batched = (Tensor) throws -> Tensor
  /// A batched function of several inputs: one stack `[K, xᵢ…]` per input → `[K, y…]`.
  public typealias BatchedInputs = ([Tensor]) throws -> Tensor
  /// An estimator's rule: the output's gradient → one gradient per bypassed input.
  public typealias Rule = (Tensor) throws -> [Tensor]

  /// Records the bypass node: its value is `y`; the bypassed inputs `xs` get the
  /// estimator's `rule`, and `through` — `f` recorded with the bypassed inputs held
  /// constant, so it carries `f`'s ordinary gradient with respect to every other argument
  /// — gets the output's gradient unchanged.
  public static func attach(_ tape: Tape, _ name: String, inputs xs: [Var], through: Var? = nil,
                            output y: Tensor, rule: @escaping Rule) -> Var {
    let carry = through.map { $0.isActive } ?? false
    return tape.custom(name, xs + (carry ? [through].compactMap { $0 } : []), output: y) { g in
      try rule(g) + (carry ? [g] : [])
    }
  }

  /// Straight-through: the gradient of the output is passed to the input unchanged.
  public static func ste(_ tape: Tape, x: Var, y: Tensor, through: Var? = nil) throws -> Var {
    guard x.shape == y.shape else {
      throw TensorError("@bypass(ste)", "straight-through needs input and output of one shape, got \(shapeString(x.shape)) and \(shapeString(y.shape))")
    }
    return attach(tape, "bypass.ste", inputs: [x], through: through, output: y) { g in [g] }
  }

  /// Negative identity (Sahoo et al. 2023; PyEPO's `negativeIdentity`): a solver of a linear
  /// cost `x` whose Jacobian is taken as `−sense · I`, so `∇ = −sense · g` — `−g` for a
  /// minimiser (raising a cost makes its item less chosen), `g` for a maximiser. No call of
  /// the solver on the way back.
  /// - Parameter sense: 1 when the solver minimises, −1 when it maximises.
  public static func nid(_ tape: Tape, x: Var, y: Tensor, through: Var? = nil, sense: Float) throws -> Var {
    try checkSense("nid", sense)
    guard x.shape == y.shape else {
      throw TensorError("@bypass(nid)", "the solver's output \(shapeString(y.shape)) must have its cost's shape \(shapeString(x.shape))")
    }
    return attach(tape, "bypass.nid", inputs: [x], through: through, output: y) { g in [g * -sense] }
  }

  /// Evolution strategies with antithetic pairs (thesis §3.3):
  /// `∇ ≈ 1/(2σS) Σ_s ⟨v, f(x+σε_s) − f(x−σε_s)⟩ ε_s`. The 2S calls run as one batch
  /// when the gradient is asked for.
  public static func es(_ tape: Tape, x: Var, y: Tensor, sigma: Float, samples: Int,
                        rng: inout RNG, f: @escaping Batched) throws -> Var {
    try es(tape, xs: [x], y: y, sigma: sigma, samples: samples, rng: &rng) { try f($0[0]) }
  }

  /// Evolution strategies over several inputs: each sample perturbs every input at once
  /// (one joint Gaussian), and each input's gradient is the same sum with its own noise.
  public static func es(_ tape: Tape, xs: [Var], y: Tensor, through: Var? = nil, sigma: Float, samples: Int,
                        rng: inout RNG, f: @escaping BatchedInputs) throws -> Var {
    try checkNoise("es", sigma: sigma, samples: samples)
    let eps = xs.map { rng.normal([samples] + $0.shape) }
    let x0 = xs.map(\.value)
    return attach(tape, "bypass.es", inputs: xs, through: through, output: y) { v in
      var stacks: [Tensor] = []
      for (x, e) in zip(x0, eps) {
        stacks.append(try Tensor.concat([try stacked(x, e, sigma), try stacked(x, e, -sigma)], axis: 0))
      }
      let ys = try outputs(try f(stacks), count: 2 * samples, like: v, name: "es")
      // weight_s = ⟨v, f(x+σε_s) − f(x−σε_s)⟩
      var weights = [Float](repeating: 0, count: samples)
      for s in 0..<samples { weights[s] = dot(v, ys, s) - dot(v, ys, s + samples) }
      return try eps.map { try combine($0, weights, scale: 1 / (2 * sigma * Float(samples))) }
    }
  }

  /// Perturbed optimiser (Berthet et al. 2020): `∇ ≈ 1/(σS) Σ_s ⟨v, f(x+σε_s) − f(x)⟩ ε_s`,
  /// the Monte-Carlo estimate of `E[f(x+σε) εᵀ]/σ` with `f(x)` as a variance-reducing
  /// baseline (unbiased since E[ε] = 0).
  public static func perturbed(_ tape: Tape, x: Var, y: Tensor, sigma: Float, samples: Int,
                               rng: inout RNG, f: @escaping Batched) throws -> Var {
    try perturbed(tape, xs: [x], y: y, sigma: sigma, samples: samples, rng: &rng) { try f($0[0]) }
  }

  /// The perturbed optimiser over several inputs, perturbed jointly as `es` does.
  public static func perturbed(_ tape: Tape, xs: [Var], y: Tensor, through: Var? = nil, sigma: Float, samples: Int,
                               rng: inout RNG, f: @escaping BatchedInputs) throws -> Var {
    try checkNoise("perturbed", sigma: sigma, samples: samples)
    let eps = xs.map { rng.normal([samples] + $0.shape) }
    let x0 = xs.map(\.value)
    return attach(tape, "bypass.perturbed", inputs: xs, through: through, output: y) { v in
      let ys = try outputs(try f(try zip(x0, eps).map { try stacked($0, $1, sigma) }), count: samples, like: v, name: "perturbed")
      let base = dotFlat(v, y)
      let weights = (0..<samples).map { dot(v, ys, $0) - base }
      return try eps.map { try combine($0, weights, scale: 1 / (sigma * Float(samples))) }
    }
  }

  /// Blackbox differentiation of combinatorial solvers (Vlastelica et al. 2020): for a
  /// solver optimising a linear cost `x`, `x' = x + sense·λv` and `∇ = sense·(f(x') − f(x))/λ`
  /// (PyEPO's `blackboxOpt`). For a minimiser (sense 1) this is the paper's
  /// `−(f(x) − f(x + λv))/λ`; a maximiser of `x` is a minimiser of `−x`, so its
  /// perturbation goes the other way and its gradient is the minimiser's mirrored.
  /// - Parameter sense: 1 when the solver minimises, −1 when it maximises.
  public static func blackbox(_ tape: Tape, x: Var, y: Tensor, through: Var? = nil, lambda: Float, sense: Float = 1,
                              f: @escaping Batched) throws -> Var {
    guard lambda > 0 else { throw TensorError("@bypass(blackbox)", "lambda must be positive, got \(lambda)") }
    try checkSense("blackbox", sense)
    guard x.shape == y.shape else {
      throw TensorError("@bypass(blackbox)", "the solver's output \(shapeString(y.shape)) must have its cost's shape \(shapeString(x.shape))")
    }
    let x0 = x.value
    return attach(tape, "bypass.blackbox", inputs: [x], through: through, output: y) { v in
      let xp = try x0 + v * (sense * lambda)
      let yp = try f(try xp.reshaped([1] + xp.shape)).reshaped(y.shape)
      return [try (yp - y) * (sense / lambda)]
    }
  }

  static func checkNoise(_ name: String, sigma: Float, samples: Int) throws {
    guard sigma > 0, samples >= 1 else {
      throw TensorError("@bypass(\(name))", "needs sigma > 0 and samples ≥ 1, got sigma \(sigma), samples \(samples)")
    }
  }

  static func checkSense(_ name: String, _ sense: Float) throws {
    guard sense == 1 || sense == -1 else {
      throw TensorError("@bypass(\(name))", "sense must be 1 (minimise) or -1 (maximise), got \(sense)")
    }
  }

  /// `[S, x…]`: `x + σ ε_s` for every sample.
  static func stacked(_ x: Tensor, _ eps: Tensor, _ sigma: Float) throws -> Tensor {
    try eps.zip(scalar: sigma, .mul).zip(x, .add)
  }

  /// Checks the batched outputs' shape `[count, v…]`.
  static func outputs(_ out: Tensor, count: Int, like v: Tensor, name: String) throws -> Tensor {
    guard out.shape == [count] + v.shape else {
      throw TensorError("@bypass(\(name))", "the batched call returned \(shapeString(out.shape)), expected \(shapeString([count] + v.shape))")
    }
    return out
  }

  /// ⟨v, ys[s]⟩ in Double.
  static func dot(_ v: Tensor, _ ys: Tensor, _ s: Int) -> Float {
    let n = v.count
    return v.withUnsafeBufferPointer { vp in
      ys.withUnsafeBufferPointer { yp in
        var acc = 0.0
        for i in 0..<n { acc += Double(vp[i]) * Double(yp[s * n + i]) }
        return Float(acc)
      }
    }
  }

  static func dotFlat(_ v: Tensor, _ y: Tensor) -> Float {
    (try? y.reshaped([1] + y.shape)).map { dot(v, $0, 0) } ?? 0
  }

  /// `scale · Σ_s weights[s] ε_s`.
  static func combine(_ eps: Tensor, _ weights: [Float], scale: Float) throws -> Tensor {
    let w = try Tensor(shape: [weights.count], scalars: weights).reshaped([weights.count] + Array(repeating: 1, count: eps.rank - 1))
    return try (eps * w).reduce(.sum, axis: 0) * scale
  }
}
