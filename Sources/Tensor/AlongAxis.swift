import Foundation

/// Kernels that work line by line along one axis: per-row gathering and scattering
/// (PyTorch's `gather` / `scatter_add`, NumPy's `take_along_axis`), stable sorting
/// permutations, cumulative sums and a stable log-sum-exp.
extension NDArray {
  /// The flat offset into an array of `shape` that each element of `index` addresses: the
  /// element's own position, with its coordinate on `axis` replaced by its value.
  /// `index` has the array's rank and, off `axis`, extents no larger than the array's.
  static func alongOffsets(_ shape: [Int], _ index: IntTensor, axis: Int, op: String) throws -> [Int] {
    let rank = shape.count
    let ax = axis < 0 ? axis + rank : axis
    guard ax >= 0, ax < rank else { throw TensorError(op, "axis \(axis) out of range for shape \(shapeString(shape))") }
    guard index.rank == rank else {
      throw TensorError(op, "index of shape \(shapeString(index.shape)) must have the rank of \(shapeString(shape))")
    }
    for d in 0..<rank where d != ax && index.shape[d] > shape[d] {
      throw TensorError(op, "index of shape \(shapeString(index.shape)) is larger than \(shapeString(shape)) on axis \(d)")
    }
    let strides = NDArray.strides(shape)
    let n = shape[ax]
    var offsets = [Int](repeating: 0, count: index.count)
    var coord = [Int](repeating: 0, count: rank)
    var base = 0  // the offset of the current position, without its `axis` coordinate
    let ip = index.buffer.pointer
    for p in 0..<index.count {
      let v = Int(ip[p])
      guard v >= 0 && v < n else {
        throw TensorError(op, "index \(v) out of range 0..<\(n) on axis \(axis) of \(shapeString(shape))")
      }
      offsets[p] = base + v * strides[ax]
      var d = rank - 1
      while d >= 0 {  // the next position of `index`, in row-major order
        coord[d] += 1
        if d != ax { base += strides[d] }
        if coord[d] < index.shape[d] { break }
        if d != ax { base -= strides[d] * index.shape[d] }
        coord[d] = 0
        d -= 1
      }
    }
    return offsets
  }

  /// `out[p] = self[p with its axis coordinate replaced by index[p]]`: the result has
  /// `index`'s shape (PyTorch's `gather`, NumPy's `take_along_axis`).
  public func takingAlong(_ index: IntTensor, axis: Int) throws -> NDArray {
    let offsets = try Self.alongOffsets(shape, index, axis: axis, op: "gather")
    let r = NDArray(uninitialized: index.shape)
    let src = buffer.pointer, dst = r.buffer.pointer
    for (p, o) in offsets.enumerated() { dst[p] = src[o] }
    return r
  }
}

extension NDArray where Element: ZipElement {
  /// A copy with `src[p]` added at the position `takingAlong` reads for `index[p]`;
  /// repeated indices accumulate (PyTorch's `scatter_add`). `src` has `index`'s shape; an
  /// integer sum outside Int32 is an error naming it.
  public func scatteringAdd(_ index: IntTensor, _ src: NDArray, axis: Int) throws -> NDArray {
    guard src.shape == index.shape else {
      throw TensorError("scatter_add", "source \(shapeString(src.shape)) and index \(shapeString(index.shape)) differ in shape")
    }
    let offsets = try Self.alongOffsets(shape, index, axis: axis, op: "scatter_add")
    var r = self
    let sp = src.buffer.pointer
    var bad: Int?  // an integer sum outside Int32 stops at the element it could not add
    r.withUnsafeMutableBufferPointer { dst in
      for (p, o) in offsets.enumerated() {
        let (v, out) = Element.zipped(.add, dst[o], sp[p])
        if out { bad = p; break }
        dst[o] = v
      }
    }
    if let p = bad { throw TensorError("scatter_add", Element.outOfRangeMessage(.add, r[flat: offsets[p]], sp[p])) }
    return r
  }
}

extension NDArray {
  /// The permutation that sorts each line along `axis` by `below` (a strict weak order),
  /// ascending or descending; stable: the position breaks ties, so the order is total.
  func sortPermutation(axis: Int, descending: Bool, below: @escaping (Element, Element) -> Bool) throws -> IntTensor {
    let ax = try resolveAxis("argsort", axis, shape)
    let n = shape[ax]
    let r = IntTensor(uninitialized: shape)
    let src = buffer.pointer, dst = r.buffer.pointer
    forEachLine(shape, axis: ax, cost: 8 + Int(log2(Double(n + 1)))) { base, step in
      let order = (0..<n).sorted { a, b in
        let (x, y) = (src[base + a * step], src[base + b * step])
        let first = descending ? below(y, x) : below(x, y)
        return first || (!below(x, y) && !below(y, x) && a < b)
      }
      for (k, j) in order.enumerated() { dst[base + k * step] = Int32(j) }
    }
    return r
  }
}

extension IntTensor {
  /// The permutation that sorts each line along `axis` (stable), compared exactly.
  public func argsort(axis: Int, descending: Bool = false) throws -> IntTensor {
    try sortPermutation(axis: axis, descending: descending, below: <)
  }
}

extension Tensor {
  /// The permutation that sorts each line along `axis`: ascending, or descending. Stable
  /// (equal elements keep their order); NaN counts as larger than every number.
  public func argsort(axis: Int, descending: Bool = false) throws -> IntTensor {
    try sortPermutation(axis: axis, descending: descending) { x, y in
      if x.isNaN || y.isNaN { return !x.isNaN && y.isNaN }
      return x < y
    }
  }

  /// Running sums along `axis` (`reverse`: from the end), accumulated in Double.
  public func cumsum(axis: Int, reverse: Bool = false) throws -> Tensor {
    let ax = try resolveAxis("cumsum", axis, shape)
    let n = shape[ax]
    let r = Tensor(uninitialized: shape)
    let src = buffer.pointer, dst = r.buffer.pointer
    forEachLine(shape, axis: ax, cost: 2) { base, step in
      var acc = 0.0
      for k in 0..<n {
        let j = base + (reverse ? n - 1 - k : k) * step
        acc += Double(src[j])
        dst[j] = Float(acc)
      }
    }
    return r
  }

  /// `log Σ exp(x)` along `axis`, kept as an axis of extent 1; computed as
  /// `m + log Σ exp(x − m)` with `m` the line's maximum, so it neither overflows nor
  /// underflows. A line of −∞ gives −∞; a line holding +∞ gives +∞, one holding NaN NaN.
  public func logSumExp(axis: Int) throws -> Tensor {
    let ax = try resolveAxis("logsumexp", axis, shape)
    let n = shape[ax]
    var outShape = shape
    outShape[ax] = 1
    if n == 0 { return Tensor(shape: outShape, repeating: -.infinity) }
    let r = Tensor(uninitialized: outShape)
    let src = buffer.pointer, dst = r.buffer.pointer
    let inner = shape[(ax + 1)...].reduce(1, *)
    forEachLine(shape, axis: ax, cost: 16) { base, step in
      let o = base / (n * inner) * inner + base % inner  // the line's place in the output
      var m = -Float.infinity, nan = false
      for k in 0..<n {
        let v = src[base + k * step]
        if v.isNaN { nan = true } else if v > m { m = v }
      }
      guard !nan else { dst[o] = .nan; return }
      guard m.isFinite else { dst[o] = m; return }
      var s = 0.0
      for k in 0..<n { s += Foundation.exp(Double(src[base + k * step] - m)) }
      dst[o] = m + Float(Foundation.log(s))
    }
    return r
  }
}
