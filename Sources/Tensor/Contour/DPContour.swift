/// Exact closed-contour dynamic programming on a star pattern (thesis §4.2, eq. 4.1).
///
/// For each batch item `b`, finds indices `v_0 … v_(N-1)` (0-based) minimising
/// `Σ_n g[b, n, v_n]` subject to `|v_n − v_(n+1 mod N)| ≤ delta`. This is the same
/// minimiser as the thesis' energy (and the PyTorch reimplementation's) `Σ_n (g[n, v_n] + g[n+1, v_(n+1)]) / 2`.
///
/// The search is exact. For one start `s = v_0` a min-plus chain runs backward from ray
/// N−1 to ray 1 over a band: ray n may only use `|j − s| ≤ δ·min(n, N−n)` (it must get
/// back to `s`). Three things keep the number of chains small without losing exactness:
/// - **non-crossing**: the optimal contours from two starts `s' < s` can be uncrossed
///   (pointwise min/max of two feasible contours are feasible and the energy is a sum of
///   node costs), so starts below `s` are searched below the contour found for `s`, and
///   starts above it above — a divide and conquer over starts;
/// - **lower bound**: one unconstrained chain gives, for every start, the cost of the best
///   contour that ignores the closing constraint; ranges of starts whose bound cannot
///   beat the best contour so far are skipped. The bound is computed with the same
///   floating-point operations in the same order, so it is a true bound in Float too;
/// - the chain kernel works on padded rows with SIMD window minima.
///
/// Ties: the result is a deterministic function of `g` (independent of thread count).
/// Among equal energies the smallest start index found wins; backtracking takes the
/// smallest index among equal predecessors.
///
/// - Parameters:
///   - g: costs `[B, N, M]`, finite.
///   - delta: the smoothness bound δ ≥ 0 (values ≥ M−1 mean unconstrained).
/// - Returns: `[B, N]` indices in `0..<M`.
public func dpContour(_ g: Tensor, delta: Int) throws -> IntTensor {
  guard g.rank == 3 else {
    throw TensorError("dp_contour", "expected g of rank 3 [B, N, M], got shape \(shapeString(g.shape))")
  }
  let (b, n, m) = (g.shape[0], g.shape[1], g.shape[2])
  guard m >= 1 else { throw TensorError("dp_contour", "need at least one point per ray, got shape \(shapeString(g.shape))") }
  guard delta >= 0 else { throw TensorError("dp_contour", "delta must be >= 0, got \(delta)") }
  let finite = g.withUnsafeBufferPointer { p in p.allSatisfy { $0.isFinite } }
  guard finite else { throw TensorError("dp_contour", "g \(shapeString(g.shape)) contains NaN or infinite values") }

  let out = IntTensor(uninitialized: [b, n])
  if b == 0 || n == 0 { return out }
  let src = g.buffer.pointer, dst = out.buffer.pointer
  let d = min(delta, m - 1)
  Parallel.forEachChunk(b, cost: n * m * (2 * d + 1) * 12) { range in
    let solver = DPContourSolver(n: n, m: m, delta: d)
    defer { solver.release() }
    for i in range { solver.solve(src + i * n * m, into: dst + i * n) }
  }
  return out
}

/// Scratch space and kernels for one thread's contours. Rows are padded by 2δ cells of
/// +∞ on the valid band's sides and by a SIMD width at the end, so the window minima
/// never test bounds.
struct DPContourSolver {
  let n: Int, m: Int, delta: Int
  /// Row stride of the padded rows; column `j` of a row lives at `pad + j`.
  let stride: Int, pad: Int
  let cost: UnsafeMutablePointer<Float>       // [n, stride] padded copy of g
  let rows: UnsafeMutablePointer<Float>       // [n, stride] chain values B_n(j)
  let bound: UnsafeMutablePointer<Float>      // [n, stride] unconstrained chain
  let lowerBound: UnsafeMutablePointer<Float> // [m] per start
  let lo: UnsafeMutablePointer<Int32>, hi: UnsafeMutablePointer<Int32>  // [n] band
  let paths: UnsafeMutablePointer<Int32>      // [(m + 2), n] one path per recursion depth
  let floor: UnsafeMutablePointer<Int32>, ceil: UnsafeMutablePointer<Int32>  // [n] all-0 / all-(m-1)
  let best: UnsafeMutablePointer<Float>       // [1] best energy so far
  let bestStart: UnsafeMutablePointer<Int>    // [1]
  let result: UnsafeMutablePointer<Int32>     // [n] best contour so far

  init(n: Int, m: Int, delta: Int) {
    self.n = n; self.m = m; self.delta = delta
    pad = 2 * delta
    stride = (m + 4 * delta + 16 + 7) / 8 * 8
    func floats(_ c: Int) -> UnsafeMutablePointer<Float> {
      let p = UnsafeMutablePointer<Float>.allocate(capacity: c)
      p.initialize(repeating: .infinity, count: c)
      return p
    }
    func ints(_ c: Int, _ v: Int32 = 0) -> UnsafeMutablePointer<Int32> {
      let p = UnsafeMutablePointer<Int32>.allocate(capacity: c)
      p.initialize(repeating: v, count: c)
      return p
    }
    cost = floats(n * stride); rows = floats(n * stride); bound = floats(n * stride)
    lowerBound = floats(m)
    lo = ints(n); hi = ints(n); paths = ints((m + 2) * n); result = ints(n)
    floor = ints(n, 0); ceil = ints(n, Int32(m - 1))
    best = floats(1)
    bestStart = .allocate(capacity: 1); bestStart.initialize(to: 0)
  }

  func release() {
    for p in [cost, rows, bound, lowerBound, best] { p.deallocate() }
    for p in [lo, hi, paths, result, floor, ceil] { p.deallocate() }
    bestStart.deallocate()
  }

  /// Solves one contour: `g` is `[n, m]`, the answer goes to `out[0..<n]`.
  func solve(_ g: UnsafePointer<Float>, into out: UnsafeMutablePointer<Int32>) {
    for r in 0..<n { (cost + r * stride + pad).update(from: g + r * m, count: m) }
    if n == 1 {
      var s = 0
      for j in 1..<m where g[j] < g[s] { s = j }
      out[0] = Int32(s)
      return
    }
    // Unconstrained chain → a lower bound for every start.
    for r in 0..<n { lo[r] = 0; hi[r] = Int32(m - 1) }
    chain(into: bound)
    let row1 = bound + stride + pad
    for s in 0..<m { lowerBound[s] = cost[pad + s] + windowMin(row1, s - delta, s + delta).value }

    best.pointee = .infinity
    bestStart.pointee = Int.max
    search(0, m - 1, lower: floor, upper: ceil, depth: 0, root: true)
    out.update(from: result, count: n)
  }

  /// Searches starts `first...last` whose contours lie between `lower` and `upper`.
  func search(_ first: Int, _ last: Int, lower: UnsafePointer<Int32>, upper: UnsafePointer<Int32>,
              depth: Int, root isRoot: Bool) {
    if first > last { return }
    var bestLB = Float.infinity, arg = first
    for s in first...last where lowerBound[s] < bestLB { bestLB = lowerBound[s]; arg = s }
    if bestLB > best.pointee || (bestLB == best.pointee && first > bestStart.pointee) { return }
    // The root splits where the bound is lowest (a good contour early); below it, halves.
    let s = isRoot || last - first < 2 ? arg : (first + last) / 2
    let path = paths + depth * n
    let e = evaluate(start: s, lower: lower, upper: upper, path: path)
    if e < best.pointee || (e == best.pointee && s < bestStart.pointee) {
      best.pointee = e
      bestStart.pointee = s
      result.update(from: path, count: n)
    }
    // Visit the side with the lower bound first: it is likelier to tighten `best`.
    if arg < s {
      search(first, s - 1, lower: lower, upper: path, depth: depth + 1, root: false)
      search(s + 1, last, lower: path, upper: upper, depth: depth + 1, root: false)
    } else {
      search(s + 1, last, lower: path, upper: upper, depth: depth + 1, root: false)
      search(first, s - 1, lower: lower, upper: path, depth: depth + 1, root: false)
    }
  }

  /// Best closed contour through `v_0 = start` inside `lower…upper`; writes it to `path`.
  func evaluate(start s: Int, lower: UnsafePointer<Int32>, upper: UnsafePointer<Int32>,
                path: UnsafeMutablePointer<Int32>) -> Float {
    for r in 1..<n {
      let reach = delta * Swift.min(r, n - r)
      lo[r] = Int32(Swift.max(s - reach, Int(lower[r]), 0))
      hi[r] = Int32(Swift.min(s + reach, Int(upper[r]), m - 1))
      if lo[r] > hi[r] { return .infinity }
    }
    chain(into: rows)
    let first = windowMin(rows + stride + pad, s - delta, s + delta)
    let total = cost[pad + s] + first.value
    path[0] = Int32(s)
    path[1] = Int32(first.index)
    if n > 2 {
      for r in 1..<(n - 1) {
        let v = Int(path[r])
        path[r + 1] = Int32(windowMin(rows + (r + 1) * stride + pad, v - delta, v + delta).index)
      }
    }
    return total
  }

  /// Min and first argmin of `row[a...b]` clipped to the row's valid band (rows are +∞
  /// outside it, so clipping to `0..<m` keeps the index valid).
  @inline(__always)
  func windowMin(_ row: UnsafePointer<Float>, _ a: Int, _ b: Int) -> (value: Float, index: Int) {
    var idx = Swift.max(a, 0)
    let end = Swift.min(b, m - 1)
    var v = row[idx]
    if idx < end {
      for j in (idx + 1)...end where row[j] < v { v = row[j]; idx = j }
    }
    return (v, idx)
  }

  /// Runs the backward min-plus chain over rays N−1 … 1 on the band `lo…hi`:
  /// `B_(N−1)(j) = g[N−1, j]`, `B_r(i) = g[r, i] + min_(|j−i|≤δ) B_(r+1)(j)`.
  func chain(into out: UnsafeMutablePointer<Float>) {
    let last = n - 1
    do {
      let row = out + last * stride + pad, c = cost + last * stride + pad
      let a = Int(lo[last]), b = Int(hi[last])
      for j in a...b { row[j] = c[j] }
      fillPadding(row, a, b)
    }
    var r = last - 1
    while r >= 1 {
      let row = out + r * stride + pad, next = out + (r + 1) * stride + pad
      let c = cost + r * stride + pad
      let a = Int(lo[r]), b = Int(hi[r])
      minPlusRow(row, next, c, a, b)
      fillPadding(row, a, b)
      r -= 1
    }
  }

  @inline(__always)
  func fillPadding(_ row: UnsafeMutablePointer<Float>, _ a: Int, _ b: Int) {
    (row + a - pad).update(repeating: .infinity, count: pad)
    (row + b + 1).update(repeating: .infinity, count: pad)
  }

  /// `row[i] = c[i] + min(next[i−δ … i+δ])` for `i` in `a…b`, eight lanes at a time; the
  /// lanes past `b` land in the padding and are overwritten by the caller.
  @inline(__always)
  func minPlusRow(_ row: UnsafeMutablePointer<Float>, _ next: UnsafePointer<Float>,
                  _ c: UnsafePointer<Float>, _ a: Int, _ b: Int) {
    let raw = UnsafeRawPointer(next), craw = UnsafeRawPointer(c)
    let out = UnsafeMutableRawPointer(row)
    let width = 2 * delta
    var i = a
    while i <= b {
      var v = raw.loadUnaligned(fromByteOffset: (i - delta) * 4, as: SIMD8<Float>.self)
      var k = 1
      while k <= width {
        let w = raw.loadUnaligned(fromByteOffset: (i - delta + k) * 4, as: SIMD8<Float>.self)
        v.replace(with: w, where: w .< v)  // compiles to minps; `pointwiseMin` does not
        k += 1
      }
      v += craw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
      out.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
      i += 8
    }
  }
}

/// The energy `Σ_n g[b, n, v_n]` of contours `v` `[B, N]` on costs `g` `[B, N, M]`,
/// accumulated in Double and rounded to Float; +∞ where a step breaks `|Δv| ≤ delta`.
/// For checking `dpContour` against other solvers.
public func contourEnergy(_ g: Tensor, _ v: IntTensor, delta: Int) throws -> Tensor {
  guard g.rank == 3, v.shape == [g.shape[0], g.shape[1]] else {
    throw TensorError("contour_energy", "expected g [B, N, M] and v [B, N], got \(shapeString(g.shape)) and \(shapeString(v.shape))")
  }
  let (n, m) = (g.shape[1], g.shape[2])
  let pg = g.buffer.pointer, pv = v.buffer.pointer
  guard v.withUnsafeBufferPointer({ $0.allSatisfy { $0 >= 0 && Int($0) < m } }) else {
    throw TensorError("contour_energy", "indices of v must lie in 0..<\(m)")
  }
  return Tensor(shape: [g.shape[0]]) { b in
    var e = 0.0
    for r in 0..<n {
      let a = Int(pv[b * n + r]), c = Int(pv[b * n + (r + 1) % n])
      if abs(a - c) > delta { return .infinity }
      e += Double(pg[(b * n + r) * m + a])
    }
    return Float(e)
  }
}
