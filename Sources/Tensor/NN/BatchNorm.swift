import Foundation

/// Batch normalisation over the channel axis 1 of `[N, C, …]` tensors (PyTorch's
/// `BatchNorm2d` for `[N, C, H, W]`; `[N, C]` works too).

/// Running statistics a batch-norm layer keeps for evaluation, `[C]` each.
public struct BatchNormStats {
  public var mean: Tensor
  public var variance: Tensor

  /// Fresh statistics: mean 0, variance 1 (PyTorch's initial values).
  public init(channels: Int) {
    mean = Tensor.zeros([channels])
    variance = Tensor.ones([channels])
  }

  public init(mean: Tensor, variance: Tensor) {
    self.mean = mean
    self.variance = variance
  }
}

func checkBatchNorm(_ op: String, _ x: Tensor, _ params: [(String, Tensor)]) throws -> (n: Int, c: Int, inner: Int) {
  guard x.rank >= 2 else { throw TensorError(op, "expected input [N, C, …], got \(shapeString(x.shape))") }
  let c = x.shape[1]
  for (name, t) in params where t.shape != [c] {
    throw TensorError(op, "\(name) \(shapeString(t.shape)) does not match \(c) channels of input \(shapeString(x.shape))")
  }
  return (x.shape[0], c, x.count / max(1, x.shape[0] * c))
}

/// Training-mode batch norm: normalises each channel by its batch mean and biased variance,
/// `y = (x − mean)·invstd·gamma + beta` with `invstd = 1/√(var + eps)`, and updates `running`
/// as PyTorch does (`r ← (1 − momentum)·r + momentum·s`, with the unbiased variance).
/// `x` is `[N, C, …]`; `gamma`, `beta` `[C]`. Returns `y` like `x` and the saved `mean`,
/// `invstd` (`[C]`) that `batchNorm2dBackward` needs. With `relu`, `y` is `max(0, ·)` of that.
public func batchNorm2dTraining(_ x: Tensor, gamma: Tensor, beta: Tensor, running: inout BatchNormStats,
                                momentum: Float = 0.1, eps: Float = 1e-5, relu: Bool = false) throws
  -> (y: Tensor, mean: Tensor, invstd: Tensor) {
  let (n, c, inner) = try checkBatchNorm("batch_norm2d", x, [("gamma", gamma), ("beta", beta),
                                                              ("running mean", running.mean), ("running variance", running.variance)])
  let m = n * inner
  guard m > 1 else {
    throw TensorError("batch_norm2d", "training needs more than one value per channel, got input \(shapeString(x.shape))")
  }
  let y = Tensor(uninitialized: x.shape), mean = Tensor(uninitialized: [c]), invstd = Tensor(uninitialized: [c])
  let xp = x.buffer.pointer, yp = y.buffer.pointer, mp = mean.buffer.pointer, sp = invstd.buffer.pointer
  let gp = gamma.buffer.pointer, bp = beta.buffer.pointer
  var unbiased = [Float](repeating: 0, count: c)
  unbiased.withUnsafeMutableBufferPointer { ub in
    let up = ub.baseAddress!
    Parallel.forEach(c, cost: 2 * m) { ch in
      // One pass: Σ x and Σ (x − x₀)² around the channel's first value x₀ (close enough to the
      // mean that Var = E[(x − x₀)²] − (mean − x₀)² loses nothing that matters in Double).
      let x0 = xp[ch * inner]
      var sum: Double = 0, sq: Double = 0
      for b in 0..<n {
        let r = rowSums(xp + (b * c + ch) * inner, inner, center: x0)
        sum += Double(r.sum); sq += Double(r.squares)
      }
      let mean = sum / Double(m), d = mean - Double(x0)
      let variance = max(0, sq / Double(m) - d * d)
      let mu = Float(mean), istd = Float(1 / (variance + Double(eps)).squareRoot())
      mp[ch] = mu; sp[ch] = istd; up[ch] = Float(variance * Double(m) / Double(m - 1))
      let scale = gp[ch] * istd, shift = bp[ch] - mu * scale
      for b in 0..<n {
        affineRow(xp + (b * c + ch) * inner, yp + (b * c + ch) * inner, inner, scale: scale, shift: shift, relu: relu)
      }
    }
  }
  running.mean.withUnsafeMutableBufferPointer { r in
    for ch in 0..<c { r[ch] = (1 - momentum) * r[ch] + momentum * mp[ch] }
  }
  running.variance.withUnsafeMutableBufferPointer { r in
    for ch in 0..<c { r[ch] = (1 - momentum) * r[ch] + momentum * unbiased[ch] }
  }
  return (y, mean, invstd)
}

/// Evaluation-mode batch norm: `y = (x − running.mean)/√(running.variance + eps)·gamma + beta`
/// (then `max(0, ·)` with `relu`). `x` is `[N, C, …]`; `gamma`, `beta` `[C]`; returns `y` like `x`.
public func batchNorm2dInference(_ x: Tensor, gamma: Tensor, beta: Tensor, running: BatchNormStats,
                                 eps: Float = 1e-5, relu: Bool = false) throws -> Tensor {
  let (n, c, inner) = try checkBatchNorm("batch_norm2d", x, [("gamma", gamma), ("beta", beta),
                                                              ("running mean", running.mean), ("running variance", running.variance)])
  let y = Tensor(uninitialized: x.shape)
  let xp = x.buffer.pointer, yp = y.buffer.pointer, gp = gamma.buffer.pointer, bp = beta.buffer.pointer
  let mp = running.mean.buffer.pointer, vp = running.variance.buffer.pointer
  Parallel.forEach(n * c, cost: inner) { p in
    let ch = p % c
    let scale = gp[ch] / (vp[ch] + eps).squareRoot(), shift = bp[ch] - mp[ch] * scale
    affineRow(xp + p * inner, yp + p * inner, inner, scale: scale, shift: shift, relu: relu)
  }
  return y
}

/// Gradient of training-mode `batchNorm2dTraining`. `dy` and `x` are `[N, C, …]`; `gamma`,
/// and the saved `mean`, `invstd` are `[C]`. With `x̂ = (x − mean)·invstd` and `M` values
/// per channel: `dbeta = Σ dy`, `dgamma = Σ dy·x̂`, `dx = gamma·invstd/M·(M·dy − dbeta − x̂·dgamma)`.
/// With `reluBeta` (the forward ran with `relu: true`; this is its `beta`), `dy` counts only
/// where the output was positive: that mask is recomputed from `x` with the forward's own
/// arithmetic (`affineRow`), so neither the output nor a masked copy of `dy` is read.
public func batchNorm2dBackward(_ dy: Tensor, x: Tensor, gamma: Tensor, mean: Tensor, invstd: Tensor,
                                reluBeta: Tensor? = nil) throws -> (dx: Tensor, dgamma: Tensor, dbeta: Tensor) {
  let (n, c, inner) = try checkBatchNorm("batch_norm2d_backward", x, [("gamma", gamma), ("mean", mean), ("invstd", invstd)])
  guard dy.shape == x.shape else {
    throw TensorError("batch_norm2d_backward", "gradient \(shapeString(dy.shape)) does not match input \(shapeString(x.shape))")
  }
  let m = Float(n * inner)
  let dx = Tensor(uninitialized: x.shape), dgamma = Tensor(uninitialized: [c]), dbeta = Tensor(uninitialized: [c])
  let xp = x.buffer.pointer, dyp = dy.buffer.pointer, dp = dx.buffer.pointer
  let gam = gamma.buffer.pointer, mp = mean.buffer.pointer, sp = invstd.buffer.pointer
  let dgp = dgamma.buffer.pointer, dbp = dbeta.buffer.pointer
  if let reluBeta { try checkSame("batch_norm2d_backward", gamma, reluBeta, ("gamma", "beta")) }
  let bp = reluBeta?.buffer.pointer
  Parallel.forEach(c, cost: 4 * n * inner) { ch in
    let mu = mp[ch], istd = sp[ch]
    // The forward's affine map; with ReLU, dy counts where it was positive.
    let scale = gam[ch] * istd, shift = (bp?[ch] ?? 0) - mu * scale
    let mask: ReLUMask? = bp == nil ? nil : ReLUMask(scale: scale, shift: shift)
    var sdy: Double = 0, sdyx: Double = 0
    for b in 0..<n {
      let at = (b * c + ch) * inner
      let (a, bsum) = rowDotCentered(dyp + at, xp + at, inner, center: mu, mask: mask)
      sdy += Double(a); sdyx += Double(bsum)
    }
    let db = Float(sdy), dg = Float(sdyx) * istd
    dbp[ch] = db; dgp[ch] = dg
    let k = gam[ch] * istd / m
    for b in 0..<n {
      let at = (b * c + ch) * inner
      inputGradRow(dyp + at, xp + at, dp + at, inner, a: k * m, b: -k * db, c: -k * istd * dg, mu: mu, mask: mask)
    }
  }
  return (dx, dgamma, dbeta)
}

/// Where a fused batch norm + ReLU's output was positive: `x·scale + shift > 0`, computed as
/// `affineRow` computes it, so the backward agrees with the forward bit for bit.
struct ReLUMask {
  let scale: Float, shift: Float
  @inline(__always) func keep(_ x: Float) -> Bool { x * scale + shift > 0 }
  @inline(__always) func keep(_ x: SIMD8<Float>) -> SIMDMask<SIMD8<Int32>> {
    x * SIMD8(repeating: scale) + SIMD8(repeating: shift) .> 0
  }
}

/// `d[i] = a·g[i] + b + c·(x[i] − mu)` over a row of `n` floats, with `g[i]` taken as 0 where
/// `mask` drops it.
@inline(__always)
func inputGradRow(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int,
                  a: Float, b: Float, c: Float, mu: Float, mask: ReLUMask?) {
  let gr = UnsafeRawPointer(g), xr = UnsafeRawPointer(x), dr = UnsafeMutableRawPointer(d)
  let va = SIMD8<Float>(repeating: a), vb = SIMD8<Float>(repeating: b), vc = SIMD8<Float>(repeating: c)
  let vm = SIMD8<Float>(repeating: mu)
  var i = 0
  while i + 8 <= n {
    var gv = gr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
    let xv = xr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
    if let mask { gv.replace(with: 0, where: .!mask.keep(xv)) }
    dr.storeBytes(of: va * gv + vb + vc * (xv - vm), toByteOffset: i * 4, as: SIMD8<Float>.self)
    i += 8
  }
  while i < n {
    let gi = mask.map { $0.keep(x[i]) ? g[i] : 0 } ?? g[i]
    d[i] = a * gi + b + c * (x[i] - mu)
    i += 1
  }
}

/// `d[i] = s[i]·scale + shift` over a row of `n` floats, clamped at 0 with `relu`.
@inline(__always)
func affineRow(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int, scale: Float, shift: Float, relu: Bool) {
  let sr = UnsafeRawPointer(s), dr = UnsafeMutableRawPointer(d)
  let vs = SIMD8<Float>(repeating: scale), vt = SIMD8<Float>(repeating: shift)
  var i = 0
  while i + 8 <= n {
    var v = sr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * vs + vt
    if relu { v.replace(with: 0, where: .!(v .> 0)) }
    dr.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
    i += 8
  }
  while i < n {
    let v = s[i] * scale + shift
    d[i] = relu ? (v > 0 ? v : 0) : v
    i += 1
  }
}

/// `Σ x` and `Σ (x − center)²` over a row of `n` floats, with 16 partial sums in SIMD lanes
/// (a single scalar accumulator is one long dependency chain the compiler may not reorder).
@inline(__always)
func rowSums(_ p: UnsafePointer<Float>, _ n: Int, center: Float) -> (sum: Float, squares: Float) {
  let raw = UnsafeRawPointer(p), mu = SIMD8<Float>(repeating: center)
  var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), q0 = SIMD8<Float>(), q1 = SIMD8<Float>()
  var i = 0
  while i + 16 <= n {
    let a = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
    let b = raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
    s0 += a; s1 += b
    let da = a - mu, db = b - mu
    q0 += da * da; q1 += db * db
    i += 16
  }
  var sum = (s0 + s1).sum(), squares = (q0 + q1).sum()
  while i < n { let d = p[i] - center; sum += p[i]; squares += d * d; i += 1 }
  return (sum, squares)
}

/// `Σ g` and `Σ g·(x − center)` over rows of `n` floats (SIMD partial sums, as `rowSums`),
/// with `g` taken as 0 where `mask` drops it.
@inline(__always)
func rowDotCentered(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, center: Float,
                    mask: ReLUMask? = nil) -> (Float, Float) {
  let gr = UnsafeRawPointer(g), xr = UnsafeRawPointer(x), mu = SIMD8<Float>(repeating: center)
  var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), d0 = SIMD8<Float>(), d1 = SIMD8<Float>()
  var i = 0
  while i + 16 <= n {
    var ga = gr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
    var gb = gr.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
    let xa = xr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
    let xb = xr.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
    if let mask {
      ga.replace(with: 0, where: .!mask.keep(xa))
      gb.replace(with: 0, where: .!mask.keep(xb))
    }
    s0 += ga; s1 += gb
    d0 += ga * (xa - mu); d1 += gb * (xb - mu)
    i += 16
  }
  var sum = (s0 + s1).sum(), dot = (d0 + d1).sum()
  while i < n {
    let gi = mask.map { $0.keep(x[i]) ? g[i] : 0 } ?? g[i]
    sum += gi; dot += gi * (x[i] - center)
    i += 1
  }
  return (sum, dot)
}
