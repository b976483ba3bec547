import Foundation

/// Geometry of one 2-D convolution window sweep over a single image, shared by conv2d
/// and conv_transpose2d: an image of `channels × height × width` is read through a
/// `kh × kw` window at `stride`, with `pad` zeros on every side, giving `oh × ow` places.
struct ConvGeometry {
  let channels, height, width: Int
  let kh, kw, stride, pad: Int
  let oh, ow: Int
  /// The strategies this convolution may use, read when it is planned (`ConvStrategies`).
  let strategies: ConvStrategies

  init(channels: Int, height: Int, width: Int, kh: Int, kw: Int, stride: Int, pad: Int,
       strategies: ConvStrategies = .current) {
    self.channels = channels; self.height = height; self.width = width
    self.strategies = strategies
    self.kh = kh; self.kw = kw; self.stride = stride; self.pad = pad
    oh = (height + 2 * pad - kh) / stride + 1
    ow = (width + 2 * pad - kw) / stride + 1
  }

  /// Rows of the column matrix: one per (channel, ki, kj).
  var colRows: Int { channels * kh * kw }
  /// Columns of the column matrix: one per output place.
  var colCols: Int { oh * ow }
  var imageSize: Int { channels * height * width }
  /// A 1×1, stride-1, unpadded window: the column matrix is the image itself.
  var isPointwise: Bool { kh == 1 && kw == 1 && stride == 1 && pad == 0 }

  /// Output places `ox` whose input column `ox*stride - pad + kj` lies inside the image.
  @inline(__always) func validColumns(_ kj: Int) -> (Int, Int) {
    let lo = max(0, ceilDiv(pad - kj, stride))
    let hi = min(ow, ceilDiv(width + pad - kj, stride))
    return (lo, max(lo, hi))
  }

  /// Output rows per block so that one block of the column matrix stays in L2 cache.
  var rowsPerBlock: Int {
    let budget = 64 * 1024  // floats (256 KiB: the block and GEMM's packed copy stay in L2)
    // At least ~256 columns so the weight-gradient GEMM still has a useful depth.
    let rows = max(budget / max(1, colRows * ow), (256 + ow - 1) / ow)
    return max(1, min(oh, rows))
  }

  /// Unfolds output rows `rows` of `image` into `col` (`colRows × rows.count·ow`, row-major);
  /// parallel over channels unless already inside a parallel region.
  func im2col(_ image: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, rows: Range<Int>) {
    let plane = height * width, L = rows.count * ow
    if stride == 1 && ow == width {
      im2colSame(image, col, rows: rows)
      return
    }
    Parallel.forEach(channels, cost: kh * kw * L) { c in
      let src = image + c * plane
      for ki in 0..<kh {
        for kj in 0..<kw {
          let row = col + ((c * kh + ki) * kw + kj) * L
          let (lo, hi) = validColumns(kj)
          for oy in rows {
            let dst = row + (oy - rows.lowerBound) * ow
            let iy = oy * stride - pad + ki
            if iy < 0 || iy >= height {
              dst.update(repeating: 0, count: ow)
              continue
            }
            if lo > 0 { dst.update(repeating: 0, count: lo) }
            if hi < ow { (dst + hi).update(repeating: 0, count: ow - hi) }
            let s = src + iy * width - pad + kj
            if stride == 1 {
              (dst + lo).update(from: s + lo, count: hi - lo)
            } else {
              for ox in lo..<hi { dst[ox] = s[ox * stride] }
            }
          }
        }
      }
    }
  }

  /// `im2col` for stride 1 with output as wide as the input (3×3 pad 1 and the like): the
  /// valid output rows of one (channel, ki, kj) row of the column matrix are the image
  /// plane shifted by `(ki − pad)·width + kj − pad`, so they are one contiguous copy; the
  /// places whose window leaves the image on the left or right (that copy wrapped them
  /// onto the neighbouring row) are zeroed after it. For small images that replaces
  /// `oh` short copies per row of the column matrix by one.
  private func im2colSame(_ image: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, rows: Range<Int>) {
    let plane = height * width, L = rows.count * ow
    Parallel.forEach(channels, cost: kh * kw * L) { c in
      let src = image + c * plane
      for ki in 0..<kh {
        // Output rows whose input row oy − pad + ki lies inside the image.
        let a = min(rows.upperBound, max(rows.lowerBound, pad - ki))
        let b = max(a, min(rows.upperBound, height + pad - ki))
        for kj in 0..<kw {
          let row = col + ((c * kh + ki) * kw + kj) * L
          let before = (a - rows.lowerBound) * ow, count = (b - a) * ow
          zeroFloats(row, before)
          zeroFloats(row + before + count, L - before - count)
          if count == 0 { continue }
          // dst[j] = src[base + j + shift], restricted to places inside the plane.
          let base = (a - pad + ki) * width, shift = kj - pad
          let jlo = max(0, -(base + shift)), jhi = min(count, plane - base - shift)
          let dst = row + before
          if jlo < jhi { (dst + jlo).update(from: src + base + shift + jlo, count: jhi - jlo) }
          let lo = max(0, pad - kj), hi = min(ow, width + pad - kj)  // validColumns(kj) at stride 1
          if lo == 0 && hi == ow { continue }
          for r in 0..<(b - a) {
            let d = dst + r * ow
            zeroFloats(d, lo)
            zeroFloats(d + hi, ow - hi)
          }
        }
      }
    }
  }

  /// Windows that tile the image without overlap or padding (kernel = stride, e.g.
  /// conv_transpose2d's 2 × 2 stride-2 up-sampling): `col2im` then writes each place at most
  /// once, so it stores instead of adding, and only the uncovered margin needs zeros.
  var hasDisjointWindows: Bool { kh == stride && kw == stride && pad == 0 }

  /// Zeroes the places of `image` that no window covers (the last `height − oh·stride` rows
  /// and `width − ow·stride` columns), before `col2im` of disjoint windows.
  func zeroUncovered(_ image: UnsafeMutablePointer<Float>) {
    let coveredH = oh * stride, coveredW = ow * stride
    if coveredH == height && coveredW == width { return }
    for c in 0..<channels {
      let plane = image + c * height * width
      for y in 0..<coveredH where coveredW < width { zeroFloats(plane + y * width + coveredW, width - coveredW) }
      zeroFloats(plane + coveredH * width, (height - coveredH) * width)
    }
  }

  /// Adds the column block of output rows `rows` back onto `image`, summing overlapping
  /// windows (the adjoint of `im2col`). With `hasDisjointWindows` each place gets one entry,
  /// which is stored rather than added (only the `zeroUncovered` margin needs zeros first).
  /// Parallel over channels unless nested.
  func col2im(_ col: UnsafePointer<Float>, _ image: UnsafeMutablePointer<Float>, rows: Range<Int>) {
    let plane = height * width, L = rows.count * ow
    Parallel.forEach(channels, cost: kh * kw * L) { c in
      let dstPlane = image + c * plane
      for ki in 0..<kh {
        for kj in 0..<kw {
          let row = col + ((c * kh + ki) * kw + kj) * L
          let (lo, hi) = validColumns(kj)
          for oy in rows {
            let iy = oy * stride - pad + ki
            if iy < 0 || iy >= height { continue }
            let s = row + (oy - rows.lowerBound) * ow
            let d = dstPlane + iy * width - pad + kj
            if hasDisjointWindows {
              for ox in lo..<hi { d[ox * stride] = s[ox] }
            } else if stride == 1 {
              for ox in lo..<hi { d[ox] += s[ox] }
            } else {
              for ox in lo..<hi { d[ox * stride] += s[ox] }
            }
          }
        }
      }
    }
  }
}

/// Sets `count` floats to 0. Short runs (im2col zeroes many runs of a few to a few dozen
/// floats) are stored as SIMD words without a loop over elements: LLVM turns such a loop
/// into a call to `memset`, which costs more than the stores at these sizes.
@inline(__always) func zeroFloats(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
  if count <= 0 { return }
  if count > 256 { p.update(repeating: 0, count: count); return }
  let raw = UnsafeMutableRawPointer(p)
  if count >= 16 {
    var j = 0
    while j + 16 <= count { raw.storeBytes(of: SIMD16<Float>(), toByteOffset: j * 4, as: SIMD16<Float>.self); j += 16 }
    if j < count { raw.storeBytes(of: SIMD16<Float>(), toByteOffset: (count - 16) * 4, as: SIMD16<Float>.self) }
  } else if count >= 4 {
    var j = 0
    while j + 4 <= count { raw.storeBytes(of: SIMD4<Float>(), toByteOffset: j * 4, as: SIMD4<Float>.self); j += 4 }
    if j < count { raw.storeBytes(of: SIMD4<Float>(), toByteOffset: (count - 4) * 4, as: SIMD4<Float>.self) }
  } else {
    p[0] = 0
    if count > 1 { p[1] = 0 }
    if count > 2 { p[2] = 0 }
  }
}

@inline(__always) func ceilDiv(_ a: Int, _ b: Int) -> Int {
  a >= 0 ? (a + b - 1) / b : -((-a) / b)
}

/// How many parts to split `count` work items into: one per worker, at most one per item.
func workParts(_ count: Int) -> Int { max(1, min(Parallel.workers, count)) }

/// Runs `body(part, items)` for each of `parts` contiguous, near-equal slices of `0..<count`,
/// one slice per worker, in parallel (work items are whole GEMM blocks: always worth it).
/// What an item computes must not depend on the slice it falls in: the slices follow the
/// worker count (`forEachWorkPartSumming` cuts partial sums independently of it).
func forEachWorkPart(_ count: Int, parts: Int? = nil, _ body: (Int, Range<Int>) -> Void) {
  let parts = parts ?? workParts(count)
  if parts <= 1 { body(0, 0..<count); return }
  Parallel.forEach(parts, cost: 1 << 24) { p in
    let lo = count * p / parts, hi = count * (p + 1) / parts
    if lo < hi { body(p, lo..<hi) }
  }
}

/// The direct kernels' CPU check and OpenBLAS' small-matrix limit.
enum ConvTuning {
  /// Whether this CPU runs the direct AVX-512 kernels.
  static let directOnThisCPU = CPUFeatures.avx512
  /// OpenBLAS (≥ 0.3.17 on AVX-512 cores) multiplies without packing when M·N·K ≤ 100³; with
  /// the operands in cache that kernel runs ~1.5× faster than the packed one here.
  static let smallLimit = 1_000_000
}

extension ConvGeometry {
  /// Output rows per block for a GEMM with `m` rows and depth `depth` (default: `colRows`).
  /// Prefers blocks small enough for OpenBLAS' small-matrix kernel (whole output rows, at
  /// least 64 columns); else the L2-sized blocks of `rowsPerBlock`.
  func blockRows(m: Int, depth: Int? = nil) -> Int {
    let k = depth ?? colRows
    if strategies.smallKernel {
      let r = ConvTuning.smallLimit / max(1, m * k * ow)
      if r >= 1 && r * ow >= 64 { return min(oh, r) }
    }
    return rowsPerBlock
  }
}
