/// Circular moving average over the rays (axis 1) of `[B, N, …]` — the thesis's
/// post-processing of DP indices (§5.2: a window of about N/4 with circular padding).
///
/// `out[b, n] = (1/w) Σ_(k = −⌊w/2⌋ … ⌈w/2⌉−1) t[b, (n + k) mod N]`: centred for odd
/// `w`; for even `w` the window reaches one ray further back than forward (scipy's
/// `convolve(…, "same", "wrap")`, which the authors' code uses). Windows longer than N
/// wrap around more than once.
public func smoothCircular(_ t: Tensor, window: Int) throws -> Tensor {
  let (b, n, inner) = try smoothDims("smooth_circular", t.shape, window: window)
  return circularWindowSum(t.buffer.pointer, b: b, n: n, inner: inner, shape: t.shape,
                           window: window, lowOffset: -(window / 2))
}

/// `smoothCircular` of integer indices, as real numbers (the thesis keeps them real:
/// `rasterizeStar` takes real indices; round with `roundIndices` for an `IntTensor`).
public func smoothCircular(_ t: IntTensor, window: Int) throws -> Tensor {
  try smoothCircular(t.map { Float($0) }, window: window)
}

/// The vector-Jacobian product of `smoothCircular`: the same window mirrored.
public func smoothCircularBackward(_ grad: Tensor, window: Int) throws -> Tensor {
  let (b, n, inner) = try smoothDims("smooth_circular_backward", grad.shape, window: window)
  return circularWindowSum(grad.buffer.pointer, b: b, n: n, inner: inner, shape: grad.shape,
                           window: window, lowOffset: -((window + 1) / 2) + 1)
}

/// Rounds real indices to the nearest integer (halves away from zero), clamped to `0…maxIndex`.
public func roundIndices(_ t: Tensor, maxIndex: Int) -> IntTensor {
  t.map { v in Int32(Swift.min(Swift.max(v.rounded(), 0), Float(maxIndex))) }
}

private func smoothDims(_ op: String, _ shape: [Int], window: Int) throws -> (Int, Int, Int) {
  guard shape.count >= 2, shape[1] >= 1 else {
    throw TensorError(op, "expected shape [B, N, …] with N ≥ 1, got \(shapeString(shape))")
  }
  guard window >= 1 else { throw TensorError(op, "window must be ≥ 1, got \(window)") }
  return (shape[0], shape[1], shape[2...].reduce(1, *))
}

/// `(1/w) Σ_(k = lowOffset …< lowOffset + w) x[(n + k) mod N]` along axis 1.
private func circularWindowSum(_ src: UnsafeMutablePointer<Float>, b: Int, n: Int, inner: Int, shape: [Int],
                               window: Int, lowOffset: Int) -> Tensor {
  let out = Tensor(shape: shape, repeating: 0)
  let dst = out.buffer.pointer
  let scale = 1 / Float(window)
  for bi in 0..<b {
    let s = src + bi * n * inner, d = dst + bi * n * inner
    for r in 0..<n {
      for k in lowOffset..<(lowOffset + window) {
        let j = ((r + k) % n + n) % n
        for i in 0..<inner { d[r * inner + i] += s[j * inner + i] }
      }
      for i in 0..<inner { d[r * inner + i] *= scale }
    }
  }
  return out
}
