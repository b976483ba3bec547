/// NumPy broadcasting: shapes are aligned on the right; an axis of extent 1 stretches.
public enum Broadcast {
  /// The broadcast shape of `a` and `b`, or nil when they are incompatible.
  public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
      let da = i < n - a.count ? 1 : a[i - (n - a.count)]
      let db = i < n - b.count ? 1 : b[i - (n - b.count)]
      if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
    }
    return out
  }

  /// Strides for reading an array of `shape` as if it had `target` shape (0 on stretched axes).
  static func strides(of shape: [Int], in target: [Int]) -> [Int] {
    let own = Tensor.strides(shape)
    let off = target.count - shape.count
    return (0..<target.count).map { i in
      i < off ? 0 : (shape[i - off] == 1 && target[i] != 1 ? 0 : own[i - off])
    }
  }

  /// Calls `body(offsetA, offsetB, offsetOut, n, strideA, strideB)` for each innermost row of
  /// the broadcast iteration over `out`.
  static func rows(_ a: [Int], _ b: [Int], _ out: [Int],
                   _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
    let sa = strides(of: a, in: out), sb = strides(of: b, in: out)
    let r = out.count
    if r == 0 { body(0, 0, 0, 1, 0, 0); return }
    let inner = out[r - 1]
    let rows = out.dropLast().reduce(1, *)
    if inner == 0 || rows == 0 { return }
    var idx = [Int](repeating: 0, count: r - 1)
    var oa = 0, ob = 0
    for row in 0..<rows {
      body(oa, ob, row * inner, inner, sa[r - 1], sb[r - 1])
      var d = r - 2
      while d >= 0 {
        idx[d] += 1; oa += sa[d]; ob += sb[d]
        if idx[d] < out[d] { break }
        oa -= sa[d] * out[d]; ob -= sb[d] * out[d]; idx[d] = 0
        d -= 1
      }
    }
  }
}

extension Tensor {
  /// Sums this (a broadcast result) down to `target` shape: the gradient of broadcasting.
  /// This is the one place where un-broadcasting happens.
  public func sum(toShape target: [Int]) throws -> Tensor {
    if shape == target { return self }
    guard Broadcast.shape(shape, target) == shape else {
      throw TensorError("unbroadcast", "cannot reduce \(shapeString(shape)) to \(shapeString(target))")
    }
    let r = Tensor(shape: target, repeating: 0)
    let dst = r.buffer.pointer, src = buffer.pointer
    // Iterate over self; `target` read with broadcast strides gives each element's destination.
    Broadcast.rows(shape, target, shape) { oa, ob, _, n, sa, sb in
      _ = oa; _ = sa
      var o = ob
      let base = oa
      if sb == 0 {
        var acc: Float = 0
        for i in 0..<n { acc += src[base + i] }
        dst[o] += acc
      } else {
        for i in 0..<n { dst[o] += src[base + i]; o += sb }
      }
    }
    return r
  }
}

extension Tensor {
  /// This tensor stretched to `target` (which it must broadcast to).
  public func broadcast(to target: [Int]) throws -> Tensor {
    if shape == target { return self }
    guard Broadcast.shape(shape, target) == target else {
      throw TensorError("broadcast", "cannot broadcast \(shapeString(shape)) to \(shapeString(target))")
    }
    try TensorSize.check(target, op: "broadcast")
    return strided(target, base: 0, srcStrides: Broadcast.strides(of: shape, in: target))
  }
}
