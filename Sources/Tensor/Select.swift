/// Choosing between two arrays element by element, and one-hot encoding.
extension NDArray {
  /// This array stretched to `target` (which it must broadcast to), for any element type.
  public func stretched(to target: [Int], op: String = "broadcast") throws -> NDArray {
    if shape == target { return self }
    guard Broadcast.shape(shape, target) == target else {
      throw TensorError(op, "cannot broadcast \(shapeString(shape)) to \(shapeString(target))")
    }
    try TensorSize.check(target, op: op, elementBytes: MemoryLayout<Element>.stride)
    return strided(target, base: 0, srcStrides: Broadcast.strides(of: shape, in: target))
  }

  /// `f(a, b)` element by element at the shapes' broadcast, for any element types; throws
  /// naming `op` and both shapes when they do not broadcast.
  static func broadcastMap<A, B>(_ a: NDArray<A>, _ b: NDArray<B>, op: String,
                                 _ f: (A, B) -> Element) throws -> NDArray {
    guard let out = Broadcast.shape(a.shape, b.shape) else {
      throw TensorError(op, "shapes \(shapeString(a.shape)) and \(shapeString(b.shape)) cannot be broadcast together")
    }
    try TensorSize.check(out, op: op, elementBytes: MemoryLayout<Element>.stride)
    let r = NDArray(uninitialized: out)
    let ap = a.buffer.pointer, bp = b.buffer.pointer, dst = r.buffer.pointer
    Broadcast.rows(a.shape, b.shape, out) { oa, ob, o, n, sa, sb in
      for k in 0..<n { dst[o + k] = f(ap[oa + k * sa], bp[ob + k * sb]) }
    }
    return r
  }

  /// `a` where `weight > 0`, else `b`, broadcasting all three (NumPy's `where` when the
  /// weight is a 0/1 mask).
  public static func select(_ weight: Tensor, _ a: NDArray, _ b: NDArray) throws -> NDArray {
    guard let ab = Broadcast.shape(a.shape, b.shape), let out = Broadcast.shape(weight.shape, ab) else {
      throw TensorError("where", "shapes \(shapeString(weight.shape)), \(shapeString(a.shape)) and \(shapeString(b.shape)) cannot be broadcast together")
    }
    try TensorSize.check(out, op: "where", elementBytes: MemoryLayout<Element>.stride)
    let (w, x, y) = (try weight.stretched(to: out, op: "where"), try a.stretched(to: out, op: "where"), try b.stretched(to: out, op: "where"))
    let r = NDArray(uninitialized: out)
    let wp = w.buffer.pointer, xp = x.buffer.pointer, yp = y.buffer.pointer, dst = r.buffer.pointer
    for i in 0..<r.count { dst[i] = wp[i] > 0 ? xp[i] : yp[i] }
    return r
  }
}

extension Tensor {
  /// The share of `maximum(a, b)` (or `minimum`) that comes from `a`, at the broadcast
  /// shape: 1 where `a` wins (or is NaN), ½ on ties, 0 where `b` wins (or is NaN).
  /// Ties split the gradient evenly, as PyTorch and JAX do (and as central differences see).
  public static func extremumWeight(_ a: Tensor, _ b: Tensor, max: Bool) throws -> Tensor {
    try broadcastMap(a, b, op: max ? "maximum" : "minimum") { x, y in
      x.isNaN || (max ? x > y : x < y) ? 1 : (x == y ? 0.5 : 0)
    }
  }
}

extension IntTensor {
  /// `[…, classes]`: 1 at each index's class, 0 elsewhere. Indices must lie in `0..<classes`.
  public func oneHot(classes: Int) throws -> Tensor {
    guard classes >= 1 else { throw TensorError("one_hot", "needs at least one class, got \(classes)") }
    try TensorSize.check(shape + [classes], op: "one_hot")
    var r = Tensor(shape: shape + [classes], repeating: 0)
    let ip = buffer.pointer
    try r.withUnsafeMutableBufferPointer { dst in
      for i in 0..<count {
        let c = Int(ip[i])
        guard c >= 0 && c < classes else { throw TensorError("one_hot", "index \(c) is outside 0..<\(classes)") }
        dst[i * classes + c] = 1
      }
    }
    return r
  }
}
