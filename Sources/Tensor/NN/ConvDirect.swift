import KernelsAVX512

/// Stride-1 convolutions computed directly on AVX-512 cores: no column matrix, no GEMM.
///
/// Each work item is (image, block of output rows). Its input rows are copied once into a
/// zero-padded block of rows `Wp = W + 2p` wide; `wideGridConv` (module `KernelsAVX512`)
/// then computes every output channel at every place `q = oy·Wp + ox` of that block, tap
/// `(ki, kj)` reading place `q + ki·Wp + kj`, with eight output channels × 48 places held in
/// registers over the whole (channel, tap) sum. The `Wp − Wo` junk places at the end of each
/// wide row are dropped when the block is copied out, with bias and ReLU. Against im2col +
/// GEMM this skips writing and re-reading `Cin·k²` floats per output place.

extension ConvGeometry {
  /// Whether `convForwardDirect` applies: an AVX-512 CPU (unless `DPL_CONV_DIRECT=0`),
  /// stride 1, a window larger than 1×1 (those are plain GEMMs), and at least 8 output
  /// channels (the kernel computes them in eights). Any width: even at 4 × 5, where the
  /// wide grid's junk columns are 2/7 of the work, it beat GEMM (surrogate fit profile:
  /// 64 → 64 channels 61.6 vs 71.7 ms per 30 steps); at 8 × 8 with 256 channels, a tie.
  func directApplies(cout: Int) -> Bool {
    ConvTuning.direct && stride == 1 && !isPointwise && cout >= 8
  }

  /// Copies rows `first..<first + count` of `image` padded by `pad` zeros on every side
  /// (padded row `r` is image row `r − pad`) into `block`: per channel, `count` rows of
  /// `width + 2·pad` floats, channels `plane` floats apart.
  func padRows(_ image: UnsafePointer<Float>, into block: UnsafeMutablePointer<Float>, plane: Int,
               first: Int, count: Int) {
    let wp = width + 2 * pad
    for c in 0..<channels {
      let src = image + c * height * width
      for r in 0..<count {
        let d = block + c * plane + r * wp, iy = first + r - pad
        guard iy >= 0 && iy < height else { zeroFloats(d, wp); continue }
        zeroFloats(d, pad)
        (d + pad).update(from: src + iy * width, count: width)
        zeroFloats(d + pad + width, pad)
      }
    }
  }
}

/// `convForward` for `g.directApplies(cout:)` (see the file comment).
func convForwardDirect(_ g: ConvGeometry, n: Int, cout: Int, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                       bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, relu: Bool) {
  let cin = g.channels, k2 = g.kh * g.kw, wp = g.width + 2 * g.pad
  let blocks = (cout + 7) / 8
  // Weights as [blocks, cin, k², 8]; zero for the channels past cout.
  let packed = Tensor(shape: [blocks * cin * k2 * 8], repeating: 0)
  let pp = packed.buffer.pointer
  for co in 0..<cout {
    for ci in 0..<cin {
      for t in 0..<k2 { pp[(((co / 8) * cin + ci) * k2 + t) * 8 + co % 8] = weight[(co * cin + ci) * k2 + t] }
    }
  }
  let taps = (0..<k2).map { ($0 / g.kw) * wp + $0 % g.kw }
  // Output rows per item: its padded input rows and wide output block stay within ~200 KB (L2).
  let rows = max(1, min(g.oh, 49_152 / (max(cin, 8 * blocks) * wp)))
  let perImage = (g.oh + rows - 1) / rows
  let plane = (rows + g.kh - 1) * wp
  let tile = wideGridTile
  let stride = (rows * wp + tile - 1) / tile * tile
  // The last tile of the last channel reads up to `tile + kw` floats past its plane.
  let inputSize = cin * plane + tile + g.kw
  forEachWorkPart(n * perImage) { _, items in
    let scratch = Tensor(uninitialized: [inputSize + 8 * blocks * stride])
    let input = scratch.buffer.pointer, out = input + inputSize
    zeroFloats(input, inputSize)  // what the tiles read past the copied rows: junk places only, but no stray NaNs
    taps.withUnsafeBufferPointer { tp in
      for item in items {
        let b = item / perImage, r0 = (item % perImage) * rows, nr = min(rows, g.oh - r0)
        g.padRows(x + b * g.imageSize, into: input, plane: plane, first: r0, count: nr + g.kh - 1)
        wideGridConv(input: input, channels: cin, plane: plane, taps: tp.baseAddress!, tapCount: k2,
                     weights: pp, blocks: blocks, output: out, outputStride: stride, count: nr * wp)
        for co in 0..<cout {
          let v = bias?[co] ?? 0
          for r in 0..<nr {
            let s = out + co * stride + r * wp, d = y + ((b * cout + co) * g.oh + r0 + r) * g.ow
            if relu {
              for j in 0..<g.ow { let t = s[j] + v; d[j] = t > 0 ? t : 0 }
            } else {
              for j in 0..<g.ow { d[j] = s[j] + v }
            }
          }
        }
      }
    }
    withExtendedLifetime(scratch) {}
  }
  withExtendedLifetime(packed) {}
}

extension ConvGeometry {
  /// Whether `convBackwardDirect` applies: an AVX-512 CPU, a 3 × 3 stride-1 window, input
  /// channels in sixteens (one vector per tap in `wideGridWeightGrad3x3`) or exactly 8 (two
  /// taps per vector, `wideGridWeightGrad3x3Channels8`), ≥ 8 output channels, and outputs
  /// more than 8 wide: on 8 × 8 and 4 × 5 maps the weight gradient's
  /// sweeps are too short and the GEMM path won (U-Net 256 → 256 at 8²: 15.0 vs 13.9 ms;
  /// surrogate 64 → 64 at 4 × 5: 119 vs 107 ms per 30 fit steps); from 7 × 10 on GEMM loses.
  func directBackwardApplies(cout: Int) -> Bool {
    ConvTuning.direct && stride == 1 && kh == 3 && kw == 3 && (channels % 16 == 0 || channels == 8) && cout >= 8 && ow > 8
  }
}

/// Gradients of a convolution with `g.directBackwardApplies(cout:)`: the input gradient is the
/// direct convolution of `dy` with the flipped kernel (`convForwardDirect`), the weight
/// gradient `wideGridWeightGrad3x3` over (image, block of output rows) items, each with the
/// block's padded input rows and its `dy` transposed to channels-innermost.
func convBackwardDirect(_ g: ConvGeometry, n: Int, cout: Int, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>) {
  let cin = g.channels, wp = g.width + 2 * g.pad
  if let dx {
    let flipped = flippedKernel(g, cout: cout, weight: weight)
    convForwardDirect(g.flipped(cout: cout), n: n, cout: cin, x: dy, weight: flipped.buffer.pointer,
                      bias: nil, y: dx, relu: false)
    withExtendedLifetime(flipped) {}
  }
  let rows = max(1, min(g.oh, 49_152 / (max(cin, cout) * wp)))
  let perImage = (g.oh + rows - 1) / rows
  let xSize = (rows + 2) * wp * cin, dySize = rows * g.ow * cout + 8  // 8: the kernel reads channels in eights
  let plane = g.height * g.width, outPlane = g.oh * g.ow
  let sum = forEachWorkPartSumming(n * perImage, size: cout * 9 * cin) { items, acc in
    let scratch = Tensor(uninitialized: [xSize + dySize])
    let xT = scratch.buffer.pointer, dyT = xT + xSize
    zeroFloats(dyT + dySize - 8, 8)
    for item in items {
      let b = item / perImage, r0 = (item % perImage) * rows, nr = min(rows, g.oh - r0)
      // Padded rows r0 ..< r0 + nr + 2 of x, channels innermost.
      let xb = x + b * g.imageSize
      for r in 0..<(nr + 2) {
        let d = xT + r * wp * cin, iy = r0 + r - g.pad
        guard iy >= 0 && iy < g.height else { zeroFloats(d, wp * cin); continue }
        zeroFloats(d, g.pad * cin)
        transpose(xb + iy * g.width, ld: plane, rows: cin, columns: g.width, into: d + g.pad * cin)
        zeroFloats(d + (g.pad + g.width) * cin, g.pad * cin)
      }
      transpose(dy + b * cout * outPlane + r0 * g.ow, ld: outPlane, rows: cout, columns: nr * g.ow, into: dyT)
      if cin == 8 {  // its last loads reach 8 floats past xT, into dyT
        wideGridWeightGrad3x3Channels8(xT: xT, wp: wp, dyT: dyT, dyStride: cout, couts: cout, rows: nr,
                                       width: g.ow, acc: acc)
      } else {
        wideGridWeightGrad3x3(xT: xT, channels: cin, wp: wp, dyT: dyT, dyStride: cout, couts: cout, rows: nr,
                              width: g.ow, acc: acc)
      }
    }
    withExtendedLifetime(scratch) {}
  }
  let sp = sum.buffer.pointer  // [cout, 9, cin] → [cout, cin, 9]
  for co in 0..<cout {
    for t in 0..<9 {
      for ci in 0..<cin { dw[(co * cin + ci) * 9 + t] = sp[(co * 9 + t) * cin + ci] }
    }
  }
  withExtendedLifetime(sum) {}
}
