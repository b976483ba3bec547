import Tensor

/// The result of comparing autodiff gradients with central finite differences.
public struct GradCheckResult: CustomStringConvertible {
  /// Largest |analytic − numeric| over all checked elements.
  public var maxAbsError: Double
  /// Largest |analytic − numeric| / max(|analytic|, |numeric|, floor).
  public var maxRelError: Double
  /// Number of elements compared.
  public var checked: Int

  public var description: String {
    "checked \(checked) elements: max abs error \(maxAbsError), max rel error \(maxRelError)"
  }
  /// True when every element is within `atol + rtol·|numeric|`.
  public var passed: (Double, Double) -> Bool {
    { [maxAbsError, maxRelError] atol, rtol in maxAbsError <= atol || maxRelError <= rtol }
  }
}

/// Checks the gradients of `f` with respect to each of `inputs` against central differences
/// `(L(x+h) − L(x−h)) / 2h` of the scalar `L = Σ w ⊙ f(x)` for a fixed random `w`,
/// accumulated in Double.
///
/// - Parameters:
///   - inputs: the points to check at; every element of each is perturbed (keep them small).
///   - h: the finite-difference step.
///   - seed: seeds the random projection `w`.
///   - f: the function under test, built on the given tape from the given watched inputs.
public func gradCheck(_ inputs: [Tensor], h: Float = 1e-2, seed: UInt64 = 7,
                      _ f: (Tape, [Var]) throws -> Var) throws -> GradCheckResult {
  // Analytic gradients of L = Σ w ⊙ f: back-propagate with w as the seed.
  var rng = RNG(seed: seed)
  let tape = Tape()
  let vars = inputs.map { tape.watch($0) }
  let y = try f(tape, vars)
  let w = rng.normal(y.shape)
  let g = try tape.backward(from: y, seed: w)
  let grads = vars.map { v in v.node.flatMap { g[$0] } ?? Tensor(shape: v.shape, repeating: 0) }

  func loss(_ xs: [Tensor]) throws -> Double {
    let t = Tape(recording: false)
    let out = try f(t, xs.map { Var(constant: $0) }).value
    var acc = 0.0
    for i in 0..<out.count { acc += Double(out[flat: i]) * Double(w[flat: i]) }
    return acc
  }

  var result = GradCheckResult(maxAbsError: 0, maxRelError: 0, checked: 0)
  for (k, x) in inputs.enumerated() {
    for i in 0..<x.count {
      var xs = inputs
      xs[k][flat: i] = x[flat: i] + h
      let up = try loss(xs)
      xs[k][flat: i] = x[flat: i] - h
      let down = try loss(xs)
      let numeric = (up - down) / (2 * Double(h))
      let a = Double(grads[k][flat: i])
      let abs = Swift.abs(a - numeric)
      let rel = abs / max(Swift.abs(a), Swift.abs(numeric), 1e-3)
      result.maxAbsError = max(result.maxAbsError, abs)
      result.maxRelError = max(result.maxRelError, rel)
      result.checked += 1
    }
  }
  return result
}

