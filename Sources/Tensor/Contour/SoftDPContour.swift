import Foundation

/// The smoothed closed-contour DP (Mensch & Blondel, "Differentiable Dynamic Programming
/// for Structured Prediction and Attention", ICML 2018) on the contours of `dpContour`.
///
/// For each batch item the closed contours `v` (`|v_n − v_(n+1 mod N)| ≤ delta`, the
/// constraint of `dpContour`) get the Gibbs distribution `p(v) ∝ exp(−Σ_n g[n, v_n] / γ)`.
/// The result is its marginal probability of each ray's position, `μ[b, n, j] = P(v_n = j)`:
/// every row sums to 1, and as γ → 0 the mass goes to `dpContour`'s contour. `μ` is the
/// gradient of the smoothed minimum `−γ log Σ_v exp(−E(v)/γ)` (`dpContourSoftValue`);
/// its vector-Jacobian product (`dpContourSoftBackward`) is that value's Hessian times a
/// vector, the second-order pass of the paper.
///
/// The sums run in log space in Double, so small γ neither overflows nor loses the
/// contours whose prefix is far from the best one (a linear-space chain rescaled per row
/// would underflow them to zero). For each start `s = v_0` a forward and a backward
/// log-sum-exp chain run over the band that can still close (`|j − s| ≤ δ·min(n, N−n)`,
/// as in `dpContour`): O(N·M²·δ) per item, one exponential per cell and start (a window
/// far below its row's maximum is summed again on its own).
///
/// - Parameters:
///   - g: costs `[B, N, M]`, finite.
///   - delta: the smoothness bound δ ≥ 0 (values ≥ M−1 mean unconstrained).
///   - gamma: the temperature γ > 0.
/// - Returns: `[B, N, M]` marginals.
public func dpContourSoft(_ g: Tensor, delta: Int, gamma: Float) throws -> Tensor {
  try SoftContour(g, delta: delta, gamma: gamma, name: "dp_contour_soft").marginals()
}

/// The smoothed minimum `−γ log Σ_v exp(−Σ_n g[b, n, v_n] / γ)` over the closed contours
/// of each item, `[B]`; its gradient with respect to `g` is `dpContourSoft(g, …)`. As γ → 0
/// it tends to the energy of `dpContour`'s contour.
public func dpContourSoftValue(_ g: Tensor, delta: Int, gamma: Float) throws -> Tensor {
  try SoftContour(g, delta: delta, gamma: gamma, name: "dp_contour_soft").values()
}

/// The vector-Jacobian product of `dpContourSoft` at `g`: with `U(v) = Σ_n grad[b, n, v_n]`,
/// `∂⟨grad, μ⟩/∂g[b, n, j] = −(E[U·1(v_n = j)] − E[U]·μ[b, n, j]) / γ` — the covariance of
/// `U` with the indicator, the Hessian of the smoothed minimum times `grad`. The
/// expectations of `U` given the start and one ray's position ride along the same chains
/// (prefix sums forward, suffix sums backward), so it costs about one more forward pass.
public func dpContourSoftBackward(_ grad: Tensor, g: Tensor, delta: Int, gamma: Float) throws -> Tensor {
  guard grad.shape == g.shape else {
    throw TensorError("dp_contour_soft", "the gradient \(shapeString(grad.shape)) must have g's shape \(shapeString(g.shape))")
  }
  return try SoftContour(g, delta: delta, gamma: gamma, name: "dp_contour_soft").hessianProduct(grad)
}

/// A checked batch of costs and the three passes over it.
struct SoftContour {
  let g: Tensor
  let b: Int, n: Int, m: Int, delta: Int
  let gamma: Double

  init(_ g: Tensor, delta: Int, gamma: Float, name: String) throws {
    guard g.rank == 3 else {
      throw TensorError(name, "expected g of rank 3 [B, N, M], got shape \(shapeString(g.shape))")
    }
    guard g.shape[2] >= 1 else { throw TensorError(name, "need at least one point per ray, got shape \(shapeString(g.shape))") }
    guard delta >= 0 else { throw TensorError(name, "delta must be >= 0, got \(delta)") }
    guard gamma > 0, gamma.isFinite else { throw TensorError(name, "gamma must be a positive number, got \(gamma)") }
    let finite = g.withUnsafeBufferPointer { p in p.allSatisfy { $0.isFinite } }
    guard finite else { throw TensorError(name, "g \(shapeString(g.shape)) contains NaN or infinite values") }
    self.g = g
    (b, n, m) = (g.shape[0], g.shape[1], g.shape[2])
    self.delta = min(delta, m - 1)
    self.gamma = Double(gamma)
  }

  /// Rough scalar operations per item, for `Parallel`.
  var cost: Int { n * m * m * (2 * delta + 1) * 20 }

  func marginals() -> Tensor {
    let out = Tensor(uninitialized: g.shape)
    run { solver, i in
      solver.solve(g.buffer.pointer + i * n * m, upstream: nil)
      solver.writeMarginals(into: out.buffer.pointer + i * n * m)
    }
    return out
  }

  func values() -> Tensor {
    let out = Tensor(shape: [b], repeating: 0)  // N = 0: one empty contour, value 0
    run { solver, i in
      out.buffer.pointer[i] = Float(-gamma * solver.solve(g.buffer.pointer + i * n * m, upstream: nil))
    }
    return out
  }

  func hessianProduct(_ grad: Tensor) -> Tensor {
    let out = Tensor(uninitialized: g.shape)
    run { solver, i in
      solver.solve(g.buffer.pointer + i * n * m, upstream: grad.buffer.pointer + i * n * m)
      solver.writeHessianProduct(into: out.buffer.pointer + i * n * m)
    }
    return out
  }

  private func run(_ item: (SoftContourSolver, Int) -> Void) {
    if b == 0 || n == 0 { return }
    Parallel.forEachChunk(b, cost: cost) { range in
      let solver = SoftContourSolver(n: n, m: m, delta: delta, gamma: gamma)
      for i in range { item(solver, i) }
    }
  }
}

/// One thread's scratch: the chains of one start and the sums over starts. Cells outside
/// the current start's band are never read.
final class SoftContourSolver {
  let n: Int, m: Int, delta: Int, gamma: Double
  let theta: UnsafeMutablePointer<Double>     // [n, m] −g/γ
  let up: UnsafeMutablePointer<Double>        // [n, m] the upstream gradient (VJP only)
  let alpha: UnsafeMutablePointer<Double>     // [n, m] log Σ over prefixes v_0 = s … v_r = j
  let beta: UnsafeMutablePointer<Double>      // [n, m] log Σ over suffixes from v_r = j back to s
  let prefix: UnsafeMutablePointer<Double>    // [n, m] E[Σ_(k≤r) up[k, v_k] | v_0 = s, v_r = j]
  let suffix: UnsafeMutablePointer<Double>    // [n, m] E[Σ_(k>r) up[k, v_k] | v_0 = s, v_r = j]
  let mass: UnsafeMutablePointer<Double>      // [n, m] Σ_s exp(α + β − shift)
  let moment: UnsafeMutablePointer<Double>    // [n, m] the same, times (prefix + suffix)
  let terms: UnsafeMutablePointer<Double>     // [m] θ + β of the next ray (backward pass)
  let carried: UnsafeMutablePointer<Double>   // [m] up + suffix of the next ray
  let weights: UnsafeMutablePointer<Double>   // [m] exp(x − max) of the row a window sum reads
  let weighted: UnsafeMutablePointer<Double>  // [m] the same times the carried value
  let lo: UnsafeMutablePointer<Int>, hi: UnsafeMutablePointer<Int>  // [n] the band
  /// Σ_s exp(log Z_s − shift), Σ_s exp(log Z_s − shift)·E[U | v_0 = s], and the shift:
  /// the largest log Z_s so far (the sums are rescaled when it grows).
  var z = 0.0, zu = 0.0, shift = -Double.infinity

  init(n: Int, m: Int, delta: Int, gamma: Double) {
    self.n = n; self.m = m; self.delta = delta; self.gamma = gamma
    func doubles() -> UnsafeMutablePointer<Double> {
      let p = UnsafeMutablePointer<Double>.allocate(capacity: n * m)
      p.initialize(repeating: 0, count: n * m)
      return p
    }
    theta = doubles(); up = doubles(); alpha = doubles(); beta = doubles()
    prefix = doubles(); suffix = doubles(); mass = doubles(); moment = doubles()
    func row() -> UnsafeMutablePointer<Double> {
      let p = UnsafeMutablePointer<Double>.allocate(capacity: m)
      p.initialize(repeating: 0, count: m)
      return p
    }
    terms = row(); carried = row(); weights = row(); weighted = row()
    lo = .allocate(capacity: n); hi = .allocate(capacity: n)
    lo.initialize(repeating: 0, count: n); hi.initialize(repeating: 0, count: n)
  }

  deinit {
    for p in [theta, up, alpha, beta, prefix, suffix, mass, moment, terms, carried, weights, weighted] { p.deallocate() }
    lo.deallocate(); hi.deallocate()
  }

  /// Runs every start over one item's costs `[n, m]` and returns log Z. With `upstream`
  /// (`[n, m]`) it also gathers what `writeHessianProduct` needs.
  @discardableResult
  func solve(_ g: UnsafePointer<Float>, upstream: UnsafePointer<Float>?) -> Double {
    for k in 0..<(n * m) { theta[k] = -Double(g[k]) / gamma }
    if let upstream { for k in 0..<(n * m) { up[k] = Double(upstream[k]) } }
    let expectations = upstream != nil
    mass.update(repeating: 0, count: n * m)
    if expectations { moment.update(repeating: 0, count: n * m) }
    (z, zu, shift) = (0, 0, -.infinity)
    for s in 0..<m {
      for r in 0..<n {
        let reach = delta * Swift.min(r, n - r)
        lo[r] = Swift.max(s - reach, 0)
        hi[r] = Swift.min(s + reach, m - 1)
      }
      forward(start: s, expectations: expectations)
      // The last ray's band is the closing condition |v_(N−1) − s| ≤ δ (all of {s} for N = 1).
      let last = (n - 1) * m
      let (logZs, eu) = logSumExp(alpha + last, lo[n - 1], hi[n - 1], carrying: expectations ? prefix + last : nil)
      backward(expectations: expectations)
      accumulate(logZs, eu, expectations: expectations)
    }
    return shift + Foundation.log(z)
  }

  /// `α` (and the prefix expectations) from ray 0 to ray N−1.
  func forward(start s: Int, expectations: Bool) {
    alpha[s] = theta[s]
    if expectations { prefix[s] = up[s] }
    if n == 1 { return }
    for r in 1..<n {
      let row = r * m, prev = (r - 1) * m
      windowLogSumExp(alpha + prev, carrying: expectations ? prefix + prev : nil, band: lo[r - 1], hi[r - 1],
                      at: lo[r], hi[r], into: alpha + row, means: expectations ? prefix + row : nil)
      for j in lo[r]...hi[r] {
        alpha[row + j] += theta[row + j]
        if expectations { prefix[row + j] += up[row + j] }
      }
    }
  }

  /// `β` (and the suffix expectations) from ray N−1 back to ray 0.
  func backward(expectations: Bool) {
    let last = (n - 1) * m
    for j in lo[n - 1]...hi[n - 1] {
      beta[last + j] = 0
      if expectations { suffix[last + j] = 0 }
    }
    if n == 1 { return }
    for r in stride(from: n - 2, through: 0, by: -1) {
      let row = r * m, next = (r + 1) * m
      let a0 = lo[r + 1], b0 = hi[r + 1]
      // The terms of ray r + 1: θ + β, carrying up + suffix.
      for j in a0...b0 {
        terms[j] = theta[next + j] + beta[next + j]
        if expectations { carried[j] = up[next + j] + suffix[next + j] }
      }
      windowLogSumExp(terms, carrying: expectations ? carried : nil, band: a0, b0,
                      at: lo[r], hi[r], into: beta + row, means: expectations ? suffix + row : nil)
    }
  }

  /// Adds one start's contribution, `exp(α + β − log Z_s)` weighted by `exp(log Z_s − shift)`.
  func accumulate(_ logZs: Double, _ eu: Double, expectations: Bool) {
    if logZs == -.infinity { return }
    if logZs > shift {
      let f = Foundation.exp(shift - logZs)  // 0 on the first start
      for k in 0..<(n * m) { mass[k] *= f }
      if expectations { for k in 0..<(n * m) { moment[k] *= f } }
      z *= f; zu *= f
      shift = logZs
    }
    z += Foundation.exp(logZs - shift)
    zu += Foundation.exp(logZs - shift) * eu
    for r in 0..<n {
      let row = r * m
      for j in lo[r]...hi[r] {
        let p = Foundation.exp(alpha[row + j] + beta[row + j] - shift)
        mass[row + j] += p
        if expectations { moment[row + j] += p * (prefix[row + j] + suffix[row + j]) }
      }
    }
  }

  /// For each `i` in `lo…hi`, `logSumExp` of `x` over the window `i−δ … i+δ` inside the band
  /// `a0…b0` into `out[i]` (and the carried mean into `means[i]`). One exp per cell of the
  /// band, relative to the band's maximum, serves all the windows; a window whose sum would
  /// lose precision to underflow (below 1e-280 of the maximum: far from it, at small γ) is
  /// summed again relative to its own maximum.
  @inline(__always)
  func windowLogSumExp(_ x: UnsafePointer<Double>, carrying carry: UnsafePointer<Double>?, band a0: Int, _ b0: Int,
                       at lo: Int, _ hi: Int, into out: UnsafeMutablePointer<Double>, means: UnsafeMutablePointer<Double>?) {
    var c = -Double.infinity
    for k in a0...b0 where x[k] > c { c = x[k] }
    for k in a0...b0 {
      weights[k] = c == -.infinity ? 0 : Foundation.exp(x[k] - c)
      if let carry { weighted[k] = weights[k] * carry[k] }
    }
    for i in lo...hi {
      let a = Swift.max(i - delta, a0), b = Swift.min(i + delta, b0)
      var sum = 0.0, ws = 0.0
      for k in a...b { sum += weights[k] }
      if carry != nil { for k in a...b { ws += weighted[k] } }
      if sum > 1e-280 {
        out[i] = c + Foundation.log(sum)
        means?[i] = ws / sum
      } else {
        let (l, e) = logSumExp(x, a, b, carrying: carry)
        out[i] = l
        means?[i] = e
      }
    }
  }

  /// `log Σ_(k = a…b) exp(x[k])` and, with `carry`, the weighted mean `Σ w_k carry[k]`
  /// under the weights `w_k = exp(x[k] − log Σ)`.
  @inline(__always)
  func logSumExp(_ x: UnsafePointer<Double>, _ a: Int, _ b: Int, carrying carry: UnsafePointer<Double>?) -> (Double, Double) {
    var mx = -Double.infinity
    for k in a...b where x[k] > mx { mx = x[k] }
    if mx == -.infinity { return (-.infinity, 0) }
    var sum = 0.0, weighted = 0.0
    for k in a...b {
      let w = Foundation.exp(x[k] - mx)
      sum += w
      if let carry { weighted += w * carry[k] }
    }
    return (mx + Foundation.log(sum), weighted / sum)
  }

  func writeMarginals(into out: UnsafeMutablePointer<Float>) {
    for k in 0..<(n * m) { out[k] = Float(mass[k] / z) }
  }

  /// `−(E[U·1(v_n = j)] − E[U]·μ) / γ`.
  func writeHessianProduct(into out: UnsafeMutablePointer<Float>) {
    let eu = zu / z
    for k in 0..<(n * m) { out[k] = Float(-(moment[k] / z - eu * mass[k] / z) / gamma) }
  }
}
