/// "Same" stride-1 convolutions without im2col: k² accumulating GEMMs over shifted views of
/// a zero-padded copy of the image.
///
/// With the image padded by `p` on every side into rows of `Wp = W + 2p`, output place
/// `q = oy·Wp + ox` of a wide output grid reads tap `(ki, kj)` at `q + ki·Wp + kj` of every
/// padded plane. So for each tap the input is the padded image itself, offset — a matrix
/// `[Cin, rows·Wp]` with rows one plane apart — and `y = Σ_taps W_tap · view_tap` is k² GEMMs
/// of depth `Cin`, accumulating into one block of the wide grid; its last `2p` columns per
/// row are discarded when the block is copied out (with bias and ReLU). The copies are one
/// padding pass and one output pass instead of k² column-matrix rows per input row.

extension ConvGeometry {
  /// Whether `convForwardShifted` applies: stride 1, an odd square kernel with "same" padding,
  /// and GEMMs that are not too thin (≥ 32 input channels: with 16, `conv2d/16x16_128/fwd` ran
  /// 4.3–8.7 ms against im2col's 4.1–6.3; ≥ 64 wide-grid columns per block).
  func shiftedApplies(cout: Int) -> Bool {
    stride == 1 && kh == kw && kh > 1 && 2 * pad == kh - 1 && channels >= 32
      && shiftedRows(self, cout: cout) * (width + 2 * pad) >= 64
  }
}

/// Output rows per GEMM block: each tap's GEMM within OpenBLAS' unpacked small-matrix size.
func shiftedRows(_ g: ConvGeometry, cout: Int) -> Int {
  max(1, min(g.height, ConvTuning.smallLimit / max(1, cout * g.channels * (g.width + 2 * g.pad))))
}

/// `convForward` for `g.isSameStrideOne` (see the file comment). Work items are whole
/// images (each worker pads its image once), so it wants a batch of at least two images
/// per worker.
func convForwardShifted(_ g: ConvGeometry, n: Int, cout: Int, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, relu: Bool) {
  let cin = g.channels, k = g.kh, k2 = k * k, p = g.pad
  let (h, w) = (g.height, g.width), wp = w + 2 * p
  // The last tap of the last row reads k − 1 floats past the padded plane: a zero tail.
  let plane = (h + 2 * p) * wp + k - 1
  // Taps as [k², cout, cin] so each is a row-major A.
  let taps = Tensor(uninitialized: [k2, cout, cin])
  let tp = taps.buffer.pointer
  for t in 0..<k2 {
    for co in 0..<cout {
      for ci in 0..<cin { tp[(t * cout + co) * cin + ci] = weight[(co * cin + ci) * k2 + t] }
    }
  }
  let rows = shiftedRows(g, cout: cout)
  forEachWorkPart(n) { _, images in
    let scratch = Tensor(uninitialized: [cin * plane + cout * rows * wp])
    let padded = scratch.buffer.pointer, block = padded + cin * plane
    zeroFloats(padded, cin * plane)  // borders stay zero; the interior is overwritten per image
    for b in images {
      let src = x + b * cin * h * w
      for ci in 0..<cin {
        let s = src + ci * h * w, d = padded + ci * plane + p * wp + p
        for iy in 0..<h { (d + iy * wp).update(from: s + iy * w, count: w) }
      }
      for r0 in Swift.stride(from: 0, to: h, by: rows) {
        let nr = min(rows, h - r0), cols = nr * wp
        for t in 0..<k2 {
          let ki = t / k, kj = t % k
          sgemm(m: cout, n: cols, k: cin, a: tp + t * cout * cin, lda: cin,
                b: padded + (r0 + ki) * wp + kj, ldb: plane, beta: t == 0 ? 0 : 1, c: block, ldc: cols)
        }
        let yb = y + b * cout * h * w + r0 * w
        for co in 0..<cout {
          let v = bias?[co] ?? 0
          for r in 0..<nr {
            let s = block + co * cols + r * wp, d = yb + co * h * w + r * w
            if relu {
              for j in 0..<w { let t = s[j] + v; d[j] = t > 0 ? t : 0 }
            } else {
              for j in 0..<w { d[j] = s[j] + v }
            }
          }
        }
      }
    }
    withExtendedLifetime(scratch) {}
  }
  withExtendedLifetime(taps) {}
}
