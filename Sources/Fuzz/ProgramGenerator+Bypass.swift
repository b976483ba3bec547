import Foundation

/// `@bypass(S, …) f(x)` over steps without a gradient, with every strategy. The value is
/// `f(x)` (known); the straight-through gradient is the identity, which the reference
/// follows (`f(x₀) + (x − x₀)` under finite differences); the other estimators are noise
/// the reference leaves to the cross-pass comparison (their `seed:` makes them repeatable).
extension ProgramGenerator {
  /// The non-differentiable user function every program declares (`hard`), by variant.
  static let hardVariants = ["(round((a * 1.7)) * 0.5)", "(floor((a * 1.7)) + 0.25)", "(sign(a) * square(a))"]

  /// Header lines declaring the program's `hard` function.
  func declareHard() -> [String] {
    ["fn hard(a: Tensor) -> Tensor { \(Self.hardVariants[hardVariant]) }",
     "fn hard2(a: Tensor, b: Tensor) -> Tensor { (round((a * 1.7)) + (b * b)) }"]
  }

  /// `f` applied elementwise with the distance to its discontinuity reported.
  static func hardStep(_ kind: String, _ x: RefTensor, _ r: RefRun) -> RefTensor {
    switch kind {
    case "round":
      r.boundary(x.data.map { Swift.abs(Swift.abs($0 - $0.rounded(.down)) - 0.5) }.min() ?? 1)
      return x.map { $0.rounded(.toNearestOrAwayFromZero) }
    case "floor":
      r.boundary(x.data.map { Swift.abs($0 - $0.rounded()) }.min() ?? 1)
      return x.map { $0.rounded(.down) }
    default:
      r.boundary(x.maxAbsMin)
      return x.map { $0 > 0 ? 1 : -1 }
    }
  }

  /// The reference of `hard(a)` for a variant.
  static func hard(_ variant: Int, _ x: RefTensor, _ r: RefRun) -> RefTensor {
    switch variant {
    case 0: return hardStep("round", x.map { $0 * 1.7 }, r).map { $0 * 0.5 }
    case 1: return hardStep("floor", x.map { $0 * 1.7 }, r).map { $0 + 0.25 }
    default: return RefTensor.zip(hardStep("sign", x, r), x.map { $0 * $0 }, *)
    }
  }

  /// A `@bypass` expression of `shape`, or nil where none fits.
  mutating func bypass(_ shape: [Int], _ d: Int, _ sc: Scope) -> Term? {
    let surrogates = sc.inFunction ? [] : models.filter { $0.cin == $0.cout }
    if shape == [2], rng.chance(0.3) {
      // Index-valued: float(@bypass(S) argmax(x, axis: 1)) (not straight-through: shapes differ).
      let width = rng.pick([2, 3])
      let u = tensor([2, width], d, sc)
      // (blackbox needs the solver's output shaped like its cost: not an argmax.)
      let strategies = ["es", "perturbed"] + surrogates.filter { $0.cout == width }.map(\.name)
      let s = rng.pick(strategies)
      let text = "float(\(bypassHead(s)) argmax(\(u.text), axis: 1))"
      return Term(text: text, type: .tensor(shape), refs: u.refs.union(refs(of: s)), deps: u.deps) { env in
        guard let x = u.eval(env).tensor else { return .unknown }
        env.run.opaqueGradient = true
        return .tensor(x.reduce(axis: 1, keepdims: false) { xs in
          let sorted = xs.sorted(by: >)
          env.run.boundary(sorted[0] - sorted[1])
          return Double(xs.firstIndex(of: sorted[0]) ?? 0)
        })
      }
    }
    if shape == [2], rng.chance(0.25) { return contour(d, sc, surrogates) }
    if rng.chance(0.15) { return twoArguments(shape, d, sc) }
    let u = tensor(shape, d, sc)
    let last = shape.last ?? 0
    let strategies = ["ste", "ste", "es", "perturbed", "blackbox", "nid"] + surrogates.filter { $0.cin == last }.map(\.name)
    let s = rng.pick(strategies)
    let step = rng.below(3)
    // The bypassed input is the call's first argument: `u * 1.7` for round and floor.
    let x = step == 2 ? u : Term.map("(\(u.text) * 1.7)", u) { t, _ in t.map { $0 * 1.7 } }
    let call: String, f: (RefTensor, RefRun) -> RefTensor
    switch step {
    case 0:
      call = "round(\(x.text))"
      f = { t, r in Self.hardStep("round", t, r) }
    case 1:
      call = "floor(\(x.text))"
      f = { t, r in Self.hardStep("floor", t, r) }
    default:
      let variant = hardVariant
      call = "hard(\(x.text))"
      f = { t, r in Self.hard(variant, t, r) }
    }
    if surrogates.contains(where: { $0.name == s }), rng.chance(0.3) {
      // surrogate(y): the DiffBypass model's own output for the bypassed value.
      let text = "surrogate(\(bypassHead(s)) \(call))"
      return Term(text: text, type: .tensor(shape), refs: x.refs.union(refs(of: s)), deps: x.deps) { env in
        _ = x.eval(env)
        env.run.opaqueGradient = true
        return .unknown
      }
    }
    let batched = step == 2 && s != "ste" && rng.chance(0.3) ? ", batched: true" : ""
    let id = nextNode()
    let ste = s == "ste"
    return Term(text: "(\(bypassHead(s, extra: batched)) \(call))", type: .tensor(shape), refs: u.refs.union(refs(of: s)), deps: u.deps) { env in
      guard let x = x.eval(env).tensor else { return .unknown }
      guard ste else {
        env.run.opaqueGradient = true
        return .tensor(f(x, env.run))
      }
      // Straight-through: the value f(x₀), the gradient of the identity.
      let pair = env.run.frozen(id) { .tuple([.tensor(x), .tensor(f(x, env.run))]) }
      guard case .tuple(let xs) = pair, let x0 = xs[0].tensor, let y0 = xs[1].tensor else { return .unknown }
      return .tensor(RefTensor(shape: y0.shape, data: (0..<y0.count).map { y0.data[$0] + x.data[$0] - x0.data[$0] }))
    }
  }

  /// `dp_contour` of a [1, 2, 3] cost (a closed contour of two rays, three positions each,
  /// δ = 1) through an estimator, as floats [2]; the reference solves it by brute force.
  mutating func contour(_ d: Int, _ sc: Scope, _ surrogates: [GenModel]) -> Term {
    let u = tensor([2, 3], d, sc)
    let s = rng.pick(["es", "perturbed"] + surrogates.filter { $0.cin == 3 }.map(\.name))
    let text = "reshape(float(\(bypassHead(s)) dp_contour(reshape(\(u.text), [1, 2, 3]), delta: 1)), [2])"
    return Term(text: text, type: .tensor([2]), refs: u.refs.union(refs(of: s)), deps: u.deps) { env in
      guard let g = u.eval(env).tensor else { return .unknown }
      env.run.opaqueGradient = true
      var best: (Double, [Int]) = (.infinity, [0, 0]), second = Double.infinity
      for a in 0..<3 { for b in 0..<3 where Swift.abs(a - b) <= 1 {
        let cost = g.data[a] + g.data[3 + b]
        if cost < best.0 { second = best.0; best = (cost, [a, b]) } else if cost < second { second = cost }
      } }
      env.run.boundary(second - best.0)
      return .tensor(RefTensor(shape: [2], data: best.1.map(Double.init)))
    }
  }

  /// `@bypass(S, wrt: a) hard2(u, w)`: the bypassed input is `u`; `w` gets its ordinary gradient
  /// through `hard2` (`w * w`), which the reference follows for `ste`.
  mutating func twoArguments(_ shape: [Int], _ d: Int, _ sc: Scope) -> Term {
    let u = tensor(shape, d, sc), w = tensor(shape, d, sc)
    let s = rng.pick(["ste", "ste", "es", "perturbed"])
    let id = nextNode()
    // `wrt: a` says which: without it the checker bypasses the first argument typed Tensor,
    // which is `w` when `u` is the output of a model held in an `Any` (program 74477 of seed 1).
    let text = "(\(bypassHead(s).dropLast()), wrt: a) hard2(\(u.text), \(w.text)))"
    return Term(text: text, type: .tensor(shape), refs: u.refs.union(w.refs), deps: u.deps.union(w.deps)) { env in
      let vu = u.eval(env), vw = w.eval(env)
      guard let x = vu.tensor, let y = vw.tensor else { return .unknown }
      let square = y.map { $0 * $0 }
      guard s == "ste" else {
        env.run.opaqueGradient = true
        let out = RefTensor.zip(Self.hardStep("round", x.map { $0 * 1.7 }, env.run), square, +)
        env.run.check(out)
        return .tensor(out)
      }
      let pair = env.run.frozen(id) { .tuple([.tensor(x), .tensor(Self.hardStep("round", x.map { $0 * 1.7 }, env.run))]) }
      guard case .tuple(let xs) = pair, let x0 = xs[0].tensor, let r0 = xs[1].tensor else { return .unknown }
      let out = RefTensor(shape: x.shape, data: (0..<x.count).map { r0.data[$0] + square.data[$0] + x.data[$0] - x0.data[$0] })
      env.run.check(out)
      return .tensor(out)
    }
  }

  /// A model strategy reads the model's name.
  func refs(of strategy: String) -> Set<String> { models.contains { $0.name == strategy } ? [strategy] : [] }

  /// `@bypass(S, options)` with options that make the estimator deterministic.
  mutating func bypassHead(_ s: String, extra: String = "") -> String {
    let seed = rng.below(100)
    switch s {
    case "ste": return "@bypass(ste)"
    case "es", "perturbed": return "@bypass(\(s), sigma: 0.5, samples: \(1 + rng.below(3)), seed: \(seed)\(extra))"
    case "blackbox": return "@bypass(blackbox, lambda: \(rng.pick(["1.0", "0.5", "2.0"]))\(rng.pick(["", ", sense: -1"]))\(extra))"
    case "nid": return "@bypass(nid\(rng.pick(["", ", sense: -1", ", sense: 1.0"]))\(extra))"
    default: return "@bypass(\(s), sigma: 0.5, samples: \(1 + rng.below(3)), fit_steps: \(1 + rng.below(2)), fit_lr: 0.01, seed: \(seed)\(extra))"
    }
  }
}
