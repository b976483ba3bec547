/// The one strided copy behind slicing, its gradient, permutes, `write` and padding:
/// element `index` of a walk over `dims` goes from `src[srcBase + Σ index[d]·srcSteps[d]]`
/// to `dst[dstBase + Σ index[d]·dstSteps[d]]`.
///
/// Neighbouring axes that both sides walk contiguously are merged first, so a crop of
/// NCHW along H and W copies rows of W, and a slice along C whole C·H·W blocks; rows with
/// unit steps on both sides are one `memmove` (unless very short), others move 4-byte
/// words (every tensor element type is 4 bytes: no generic per-element copies). Large
/// copies are split by rows over the worker threads.
enum StridedCopy {
  static func run(_ src: UnsafeRawPointer, srcBase: Int, srcSteps: [Int],
                  _ dst: UnsafeMutableRawPointer, dstBase: Int, dstSteps: [Int],
                  dims shape: [Int], elementSize: Int) {
    precondition(elementSize == 4, "tensor elements are 4 bytes")
    let s = UnsafeRawPointer(src).assumingMemoryBound(to: UInt32.self) + srcBase
    let d = dst.assumingMemoryBound(to: UInt32.self) + dstBase
    if shape.isEmpty { d[0] = s[0]; return }
    let total = shape.reduce(1, *)
    if total == 0 { return }
    var dims = [shape[0]], a = [srcSteps[0]], b = [dstSteps[0]]
    for k in 1..<shape.count {
      let last = dims.count - 1
      if a[last] == shape[k] * srcSteps[k] && b[last] == shape[k] * dstSteps[k] {
        dims[last] *= shape[k]; a[last] = srcSteps[k]; b[last] = dstSteps[k]
      } else {
        dims.append(shape[k]); a.append(srcSteps[k]); b.append(dstSteps[k])
      }
    }
    let rank = dims.count, inner = dims[rank - 1], sa = a[rank - 1], sb = b[rank - 1]
    if rank == 1 && sa == 1 && sb == 1 {  // one contiguous run: split it
      Parallel.forEachChunk(inner, cost: 1) { r in (d + r.lowerBound).update(from: s + r.lowerBound, count: r.count) }
      return
    }
    let rows = total / inner
    Parallel.forEachChunk(rows, cost: inner) { range in
      // The first row's multi-index over the outer axes, then an odometer.
      var idx = [Int](repeating: 0, count: rank)
      var rem = range.lowerBound, so = 0, doff = 0
      for k in stride(from: rank - 2, through: 0, by: -1) {
        idx[k] = rem % dims[k]; rem /= dims[k]
        so += idx[k] * a[k]; doff += idx[k] * b[k]
      }
      for _ in range {
        if sa == 1 && sb == 1 && inner > 8 {
          (d + doff).update(from: s + so, count: inner)
        } else {  // strided, or too short a row for a memmove call (the 1-wide pad of ceil-mode pooling)
          for i in 0..<inner { d[doff + i * sb] = s[so + i * sa] }
        }
        var k = rank - 2
        while k >= 0 {
          idx[k] += 1; so += a[k]; doff += b[k]
          if idx[k] < dims[k] { break }
          so -= a[k] * dims[k]; doff -= b[k] * dims[k]; idx[k] = 0
          k -= 1
        }
      }
    }
  }
}

extension NDArray {
  /// An array of zeros (all-zero bytes, filled by `memset` rather than element by element).
  init(zeroed shape: [Int]) {
    self.init(uninitialized: shape)
    UnsafeMutableRawPointer(buffer.pointer).initializeMemory(as: UInt8.self, repeating: 0,
                                                             count: count * MemoryLayout<Element>.stride)
  }
}
