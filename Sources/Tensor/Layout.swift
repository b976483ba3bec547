/// Axis permutations, slicing, concatenation, padding and gathering; for any element type.
extension NDArray {
  /// Copies elements into a new array of `outShape`, reading the source at
  /// `base + Σ index[d] * srcStrides[d]`.
  func strided(_ outShape: [Int], base: Int, srcStrides: [Int]) -> NDArray {
    let r = NDArray(uninitialized: outShape)
    StridedCopy.run(buffer.pointer, srcBase: base, srcSteps: srcStrides, r.buffer.pointer, dstBase: 0,
                    dstSteps: NDArray.strides(outShape), dims: outShape, elementSize: MemoryLayout<Element>.stride)
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
    if outShape == shape { return self }  // every axis whole (the surrogate's final crop at 25 × 39)
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
      outShape[ax] = try TensorSize.sum(outShape[ax], p.shape[ax], op: "concat", "the joined axis")
    }
    try TensorSize.check(outShape, op: "concat", elementBytes: MemoryLayout<Element>.stride)
    let r = NDArray(uninitialized: outShape)
    let outer = outShape[..<ax].reduce(1, *), inner = outShape[(ax + 1)...].reduce(1, *)
    let rowOut = outShape[ax] * inner
    var col = 0
    for p in parts {  // each part is a strided copy into its columns of the output rows
      let rowIn = p.shape[ax] * inner
      StridedCopy.run(p.buffer.pointer, srcBase: 0, srcSteps: [rowIn, 1], r.buffer.pointer, dstBase: col,
                      dstSteps: [rowOut, 1], dims: [outer, rowIn], elementSize: MemoryLayout<Element>.stride)
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
      let before = try TensorSize.sum(shape[d], p.0, op: "pad", "axis \(d) padded by \(p)")
      outShape[d] = try TensorSize.sum(before, p.1, op: "pad", "axis \(d) padded by \(p)")
      guard outShape[d] >= 0 else { throw TensorError("pad", "padding \(p) shrinks axis \(d) of \(shapeString(shape)) below 0") }
    }
    try TensorSize.check(outShape, op: "pad", elementBytes: MemoryLayout<Element>.stride)
    let zeroBits = withUnsafeBytes(of: value) { $0.allSatisfy { $0 == 0 } }
    var r = zeroBits ? NDArray(zeroed: outShape) : NDArray(shape: outShape, repeating: value)
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
    StridedCopy.run(buffer.pointer, srcBase: 0, srcSteps: NDArray.strides(shape), dst, dstBase: base,
                    dstSteps: dstStrides, dims: shape, elementSize: MemoryLayout<Element>.stride)
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
    let r = NDArray(uninitialized: outShape)
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
    let s = NDArray.strides(shape)
    var base = 0, strides = s
    for (d, rg) in ranges.enumerated() {
      let (lo, n) = try rg.resolve(extent: shape[d], axis: d)
      guard n == grad.shape[d] else { throw TensorError("slice", "gradient shape \(shapeString(grad.shape)) does not match") }
      base += lo * s[d]
      strides[d] = s[d] * rg.step
    }
    if grad.shape == shape { return grad }  // the slice took every axis whole
    var r = NDArray(zeroed: shape)
    r.withUnsafeMutableBufferPointer { grad.scatter(into: $0.baseAddress!, base: base, dstStrides: strides) }
    return r
  }

  /// A copy with `part` written over the region `sliced(ranges)` reads (slice assignment,
  /// `t[1:3, 0] = v`); `part` has that region's shape.
  public func assigningSlice(_ part: NDArray, ranges: [SliceRange]) throws -> NDArray {
    guard ranges.count <= rank else { throw TensorError("slice", "\(ranges.count) ranges for shape \(shapeString(shape))") }
    let s = NDArray.strides(shape)
    var base = 0, strides = s, region = shape
    for (d, rg) in ranges.enumerated() {
      let (lo, n) = try rg.resolve(extent: shape[d], axis: d)
      base += lo * s[d]
      strides[d] = s[d] * rg.step
      region[d] = n
    }
    guard part.shape == region else {
      throw TensorError("slice", "a value of shape \(shapeString(part.shape)) does not fill a region of shape \(shapeString(region))")
    }
    var r = self
    r.withUnsafeMutableBufferPointer { part.scatter(into: $0.baseAddress!, base: base, dstStrides: strides) }
    return r
  }

  /// The gradient of `gathered(index, axis)`: entries summed back into a zero array of `shape`.
  public static func ungather(_ grad: NDArray, index: IntTensor, axis: Int, shape: [Int]) -> NDArray {
    let ax = axis < 0 ? axis + shape.count : axis
    let outer = shape[..<ax].reduce(1, *), n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
    let r = NDArray(zeroed: shape)
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
