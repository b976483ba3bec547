/// Axis permutations, slicing, concatenation, padding and gathering; for any element type.
extension NDArray {
  /// Copies elements into a new array of `outShape`, reading the source at
  /// `base + Σ index[d] * srcStrides[d]`.
  func strided(_ outShape: [Int], base: Int, srcStrides: [Int]) -> NDArray {
    var r = NDArray(uninitialized: outShape)
    let src = buffer.pointer, dst = r.buffer.pointer
    if outShape.isEmpty { dst[0] = src[base]; return r }
    let total = outShape.reduce(1, *)
    if total == 0 { return r }
    // Merge neighbouring axes the source walks contiguously (a slice along axis 1 of NCHW
    // then copies whole C·H·W runs instead of rows of W).
    var dims = [outShape[0]], steps = [srcStrides[0]]
    for d in 1..<outShape.count {
      if steps[steps.count - 1] == outShape[d] * srcStrides[d] {
        dims[dims.count - 1] *= outShape[d]
        steps[steps.count - 1] = srcStrides[d]
      } else {
        dims.append(outShape[d])
        steps.append(srcStrides[d])
      }
    }
    let outShape = dims, srcStrides = steps
    let rank = outShape.count
    let inner = outShape[rank - 1], step = srcStrides[rank - 1]
    var idx = [Int](repeating: 0, count: rank)
    var off = base, o = 0
    while o < total {
      if step == 1 { (dst + o).update(from: src + off, count: inner) } else {
        for i in 0..<inner { dst[o + i] = src[off + i * step] }
      }
      o += inner
      var d = rank - 2
      while d >= 0 {
        idx[d] += 1; off += srcStrides[d]
        if idx[d] < outShape[d] { break }
        off -= srcStrides[d] * outShape[d]; idx[d] = 0
        d -= 1
      }
      if d < 0 { break }
    }
    return r
  }

  /// Reorders axes: output axis `i` is input axis `perm[i]`.
  public func permuted(_ perm: [Int]) throws -> NDArray {
    guard perm.count == rank, Set(perm) == Set(0..<rank) else {
      throw TensorError("permute", "\(perm) is not a permutation of the axes of \(shapeString(shape))")
    }
    let s = NDArray.strides(shape)
    return strided(perm.map { shape[$0] }, base: 0, srcStrides: perm.map { s[$0] })
  }

  /// Swaps two axes.
  public func transposed(_ a: Int, _ b: Int) throws -> NDArray {
    let a1 = a < 0 ? a + rank : a, b1 = b < 0 ? b + rank : b
    guard a1 >= 0, a1 < rank, b1 >= 0, b1 < rank else {
      throw TensorError("transpose", "axes \(a), \(b) out of range for shape \(shapeString(shape))")
    }
    var perm = Array(0..<rank)
    perm.swapAt(a1, b1)
    return try permuted(perm)
  }

  /// A strided sub-array: along axis `d`, indices `ranges[d].start ..< end` by `step`.
  /// Axes beyond `ranges.count` are taken whole.
  public func sliced(_ ranges: [SliceRange]) throws -> NDArray {
    guard ranges.count <= rank else {
      throw TensorError("slice", "\(ranges.count) ranges for shape \(shapeString(shape))")
    }
    let s = NDArray.strides(shape)
    var outShape = shape, strides = s, base = 0
    for (d, r) in ranges.enumerated() {
      let (lo, n) = try r.resolve(extent: shape[d], axis: d)
      outShape[d] = n
      base += lo * s[d]
      strides[d] = s[d] * r.step
    }
    return strided(outShape, base: base, srcStrides: strides)
  }

  /// Joins arrays along `axis`; all other extents must agree.
  public static func concat(_ parts: [NDArray], axis: Int) throws -> NDArray {
    guard let first = parts.first else { throw TensorError("concat", "no tensors to join") }
    let ax = axis < 0 ? axis + first.rank : axis
    guard ax >= 0 && ax < first.rank else {
      throw TensorError("concat", "axis \(axis) out of range for shape \(shapeString(first.shape))")
    }
    var outShape = first.shape
    outShape[ax] = 0
    for p in parts {
      var a = p.shape, b = first.shape
      guard a.count == b.count else {
        throw TensorError("concat", "shapes \(shapeString(first.shape)) and \(shapeString(p.shape)) differ in rank")
      }
      a[ax] = 0; b[ax] = 0
      guard a == b else {
        throw TensorError("concat", "shapes \(shapeString(first.shape)) and \(shapeString(p.shape)) differ off axis \(axis)")
      }
      outShape[ax] += p.shape[ax]
    }
    var r = NDArray(uninitialized: outShape)
    let outer = outShape[..<ax].reduce(1, *), inner = outShape[(ax + 1)...].reduce(1, *)
    let rowOut = outShape[ax] * inner
    var col = 0
    for p in parts {
      let rowIn = p.shape[ax] * inner
      let src = p.buffer.pointer, dst = r.buffer.pointer
      for o in 0..<outer { (dst + o * rowOut + col).update(from: src + o * rowIn, count: rowIn) }
      col += rowIn
    }
    return r
  }

  /// Pads with `value`: `pads[d] = (before, after)` for axis `d` (missing trailing axes: none).
  /// Negative amounts crop.
  public func padded(_ pads: [(Int, Int)], value: Element = .zero) throws -> NDArray {
    guard pads.count <= rank else { throw TensorError("pad", "\(pads.count) pads for shape \(shapeString(shape))") }
    var outShape = shape
    for (d, p) in pads.enumerated() {
      outShape[d] = shape[d] + p.0 + p.1
      guard outShape[d] >= 0 else { throw TensorError("pad", "padding \(p) shrinks axis \(d) of \(shapeString(shape)) below 0") }
    }
    var r = NDArray(shape: outShape, repeating: value)
    // Copy the overlap of source and destination.
    var srcRanges: [SliceRange] = [], dstLo: [Int] = []
    for d in 0..<rank {
      let before = d < pads.count ? pads[d].0 : 0
      let lo = Swift.max(0, -before), hi = Swift.min(shape[d], outShape[d] - before)
      if hi <= lo { return r }
      srcRanges.append(SliceRange(lo, hi))
      dstLo.append(lo + before)
    }
    let part = try sliced(srcRanges)
    r.write(part, at: dstLo)
    return r
  }

  /// Writes `part` into this array with its origin at `origin` (one index per axis).
  mutating func write(_ part: NDArray, at origin: [Int]) {
    let s = NDArray.strides(shape)
    let base = Swift.zip(origin, s).map(*).reduce(0, +)
    withUnsafeMutableBufferPointer { part.scatter(into: $0.baseAddress!, base: base, dstStrides: s) }
  }

  /// Copies this array's elements, in row-major order, to `dst` at
  /// `base + Σ index[d] * dstStrides[d]`: the inverse of `strided`.
  func scatter(into dst: UnsafeMutablePointer<Element>, base: Int, dstStrides: [Int]) {
    let src = buffer.pointer
    if shape.isEmpty { dst[base] = src[0]; return }
    let total = count
    if total == 0 { return }
    // Merge neighbouring axes the destination walks contiguously, as `strided` does, so a
    // crop along H and W copies whole rows of W and a slice along C whole C·H·W blocks.
    var dims = [shape[0]], steps = [dstStrides[0]]
    for d in 1..<shape.count {
      if steps[steps.count - 1] == shape[d] * dstStrides[d] {
        dims[dims.count - 1] *= shape[d]
        steps[steps.count - 1] = dstStrides[d]
      } else {
        dims.append(shape[d])
        steps.append(dstStrides[d])
      }
    }
    let rank = dims.count
    let inner = dims[rank - 1], step = steps[rank - 1]
    var idx = [Int](repeating: 0, count: rank)
    var off = base, o = 0
    while o < total {
      if step == 1 { (dst + off).update(from: src + o, count: inner) } else {
        for i in 0..<inner { dst[off + i * step] = src[o + i] }
      }
      o += inner
      var d = rank - 2
      while d >= 0 {
        idx[d] += 1; off += steps[d]
        if idx[d] < dims[d] { break }
        off -= steps[d] * dims[d]; idx[d] = 0
        d -= 1
      }
      if d < 0 { break }
    }
  }

  /// Picks entries along `axis` by `index`: the result has `index`'s shape in place of that axis.
  public func gathered(_ index: IntTensor, axis: Int) throws -> NDArray {
    let ax = axis < 0 ? axis + rank : axis
    guard ax >= 0 && ax < rank else {
      throw TensorError("gather", "axis \(axis) out of range for shape \(shapeString(shape))")
    }
    let outer = shape[..<ax].reduce(1, *), n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
    let k = index.count
    let ip = index.buffer.pointer
    for i in 0..<k where ip[i] < 0 || Int(ip[i]) >= n {
      throw TensorError("gather", "index \(ip[i]) out of range 0..<\(n) on axis \(axis) of \(shapeString(shape))")
    }
    var outShape = Array(shape[..<ax]) + index.shape + Array(shape[(ax + 1)...])
    if index.rank == 0 { outShape = Array(shape[..<ax]) + Array(shape[(ax + 1)...]) }
    var r = NDArray(uninitialized: outShape)
    let src = buffer.pointer, dst = r.buffer.pointer
    for o in 0..<outer {
      for j in 0..<k {
        (dst + (o * k + j) * inner).update(from: src + (o * n + Int(ip[j])) * inner, count: inner)
      }
    }
    return r
  }
}

/// One axis of a slice: `start ..< end` by `step`; nil ends mean the axis' ends;
/// negative starts and ends count from the end.
public struct SliceRange: Equatable, Sendable {
  public var start: Int?
  public var end: Int?
  public var step: Int

  public init(_ start: Int? = nil, _ end: Int? = nil, step: Int = 1) {
    self.start = start; self.end = end; self.step = step
  }

  /// A single index, kept as an axis of extent 1.
  public static func at(_ i: Int) -> SliceRange { SliceRange(i, i == -1 ? nil : i + 1) }
  /// The whole axis.
  public static let all = SliceRange()

  /// First index and count along an axis of `extent`.
  func resolve(extent: Int, axis: Int) throws -> (Int, Int) {
    guard step >= 1 else { throw TensorError("slice", "step \(step) on axis \(axis) must be positive") }
    var lo = start ?? 0, hi = end ?? extent
    if lo < 0 { lo += extent }
    if hi < 0 { hi += extent }
    lo = Swift.min(Swift.max(lo, 0), extent)
    hi = Swift.min(Swift.max(hi, lo), extent)
    return (lo, (hi - lo + step - 1) / step)
  }
}

extension NDArray {
  /// The gradient of `sliced(ranges)`: `grad` placed back at the sliced positions of a
  /// zero array of `shape`.
  public static func unslice(_ grad: NDArray, ranges: [SliceRange], shape: [Int]) throws -> NDArray {
    guard grad.rank == shape.count, ranges.count <= shape.count,
          Swift.zip(grad.shape, shape).dropFirst(ranges.count).allSatisfy({ $0 == $1 }) else {
      throw TensorError("slice", "gradient shape \(shapeString(grad.shape)) does not match \(shapeString(shape))")
    }
    var r = NDArray(shape: shape, repeating: .zero)
    let s = NDArray.strides(shape)
    var base = 0, strides = s
    for (d, rg) in ranges.enumerated() {
      let (lo, n) = try rg.resolve(extent: shape[d], axis: d)
      guard n == grad.shape[d] else { throw TensorError("slice", "gradient shape \(shapeString(grad.shape)) does not match") }
      base += lo * s[d]
      strides[d] = s[d] * rg.step
    }
    r.withUnsafeMutableBufferPointer { grad.scatter(into: $0.baseAddress!, base: base, dstStrides: strides) }
    return r
  }

  /// The gradient of `gathered(index, axis)`: entries summed back into a zero array of `shape`.
  public static func ungather(_ grad: NDArray, index: IntTensor, axis: Int, shape: [Int]) -> NDArray {
    let ax = axis < 0 ? axis + shape.count : axis
    let outer = shape[..<ax].reduce(1, *), n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
    var r = NDArray(shape: shape, repeating: .zero)
    let ip = index.buffer.pointer, g = grad.buffer.pointer, dst = r.buffer.pointer
    let k = index.count
    for o in 0..<outer {
      for j in 0..<k {
        let d = dst + (o * n + Int(ip[j])) * inner, s = g + (o * k + j) * inner
        for i in 0..<inner { d[i] += s[i] }
      }
    }
    return r
  }
}
