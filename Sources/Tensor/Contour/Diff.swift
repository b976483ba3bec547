/// Forward differences along an axis: `t[..., 1:] − t[..., :-1]` (the directional
/// derivative along the rays in EDPCNN, `g = map[…, 1:] − map[…, :-1]`).
///
/// The axis may be negative (counted from the end); its extent `K ≥ 1` becomes `K − 1`.
public func diff(_ t: Tensor, axis: Int) throws -> Tensor {
  let (outer, k, inner, ax) = try diffDims("diff", t.shape, axis: axis, extentDelta: 0)
  var shape = t.shape
  shape[ax] = k - 1
  let out = Tensor(uninitialized: shape)
  let src = t.buffer.pointer, dst = out.buffer.pointer
  for o in 0..<outer {
    let s = src + o * k * inner, d = dst + o * (k - 1) * inner
    for i in 0..<((k - 1) * inner) { d[i] = s[i + inner] - s[i] }
  }
  return out
}

/// The vector-Jacobian product of `diff`: `grad` has the output shape (extent `K − 1`
/// on `axis`); the result has extent `K`, `x[i] = grad[i−1] − grad[i]` (missing terms 0).
public func diffBackward(_ grad: Tensor, axis: Int) throws -> Tensor {
  let (outer, k1, inner, ax) = try diffDims("diff_backward", grad.shape, axis: axis, extentDelta: 1)
  let k = k1 + 1
  var shape = grad.shape
  shape[ax] = k
  let out = Tensor(shape: shape, repeating: 0)
  let src = grad.buffer.pointer, dst = out.buffer.pointer
  for o in 0..<outer {
    let g = src + o * k1 * inner, d = dst + o * k * inner
    for i in 0..<(k1 * inner) {
      d[i + inner] += g[i]
      d[i] -= g[i]
    }
  }
  return out
}

/// (outer, extent, inner, normalised axis) for a differences op; `extentDelta` is 0 for
/// the forward (extent must be ≥ 1) and 1 for the backward (extent may be 0).
private func diffDims(_ op: String, _ shape: [Int], axis: Int, extentDelta: Int) throws -> (Int, Int, Int, Int) {
  let ax = axis < 0 ? axis + shape.count : axis
  guard ax >= 0, ax < shape.count else {
    throw TensorError(op, "axis \(axis) out of range for shape \(shapeString(shape))")
  }
  guard shape[ax] + extentDelta >= 1 else {
    throw TensorError(op, "axis \(axis) of shape \(shapeString(shape)) is empty")
  }
  let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
  return (outer, shape[ax], inner, ax)
}
