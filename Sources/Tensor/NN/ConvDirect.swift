import KernelsAVX512

/// Stride-1 convolutions computed directly on AVX-512 cores: no column matrix, no GEMM.
///
/// Each work item is a block of output rows of one image, or — when whole images are small —
/// a group of images. Its input rows are copied once into a zero-padded *wide grid* of rows
/// `Wp` floats; `wideGridConv` (module `KernelsAVX512`) then computes every output channel at
/// every place `q = oy·Wp + ox` of the grid, tap `(ki, kj)` reading place `q + ki·Wp + kj`,
/// with eight output channels × 48 places held in registers over the whole (channel, tap)
/// sum. The junk places (past `Wo` in each row, and the rows between images) are dropped when
/// the block is copied out, with bias and ReLU. Against im2col + GEMM this skips writing and
/// re-reading `Cin·k²` floats per output place.
///
/// Padding is shared where the window allows it (`p ≤ k − 1`, every "same" convolution): a
/// row holds `p` zeros and the `W` values, `Wp = W + p`, and the taps that run off its right
/// end read the next row's leading zeros; stacked images are `H + p` rows apart, so one
/// image's bottom padding is the next one's top. On a 4 × 5 map that is 30 places per image
/// instead of 42 (or of a 48-place tile, unstacked).

extension ConvGeometry {
  /// Whether `convForwardDirect` applies: an AVX-512 CPU (with `strategies.direct`),
  /// stride 1, a window larger than 1×1 (those are plain GEMMs), and at least 8 output
  /// channels (the kernel computes them in eights). Any width: at 4 × 5 it beat GEMM even
  /// before small images were stacked, with 2/7 of each row junk (surrogate fit profile:
  /// 64 → 64 channels 61.6 vs 71.7 ms per 30 steps); at 8 × 8 with 256 channels, a tie.
  func directApplies(cout: Int) -> Bool {
    strategies.direct && ConvTuning.directOnThisCPU && stride == 1 && !isPointwise && cout >= 8
  }

  /// Zeros between two rows, and between two stacked images' rows, of the wide grid: `pad`
  /// when neighbours can share it (see the file comment), else `2·pad`.
  var gridGap: Int { pad <= min(kh, kw) - 1 ? pad : 2 * pad }

  /// Copies padded rows `first..<first + count` of `image` (padded row `r` is image row
  /// `r − pad`; rows outside the image are zeros) into `block`: per channel, `count` rows of
  /// `width + gridGap` floats — `pad` zeros, the row, the rest zeros — channels `plane`
  /// floats apart.
  func padRows(_ image: UnsafePointer<Float>, into block: UnsafeMutablePointer<Float>, plane: Int,
               first: Int, count: Int) {
    let wp = width + gridGap
    for c in 0..<channels {
      let src = image + c * height * width
      for r in 0..<count {
        let d = block + c * plane + r * wp, iy = first + r - pad
        guard iy >= 0 && iy < height else { zeroFloats(d, wp); continue }
        zeroFloats(d, pad)
        (d + pad).update(from: src + iy * width, count: width)
        zeroFloats(d + pad + width, wp - pad - width)
      }
    }
  }
}

/// `convForward` for `g.directApplies(cout:)` (see the file comment).
func convForwardDirect(_ g: ConvGeometry, n: Int, cout: Int, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                       bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, relu: Bool) {
  let cin = g.channels, k2 = g.kh * g.kw, gap = g.gridGap, wp = g.width + gap
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
  // Per item, its padded input rows and wide output block stay within ~200 KB (L2): a block
  // of output rows of one image, or, when a whole image fits, a group of images (`band`
  // grid rows apart; at least four groups — a number fixed by the shapes, never by the
  // worker count, so the grids, and the bits, are the same on any machine).
  let budget = 49_152 / max(cin, 8 * blocks)
  let rows = max(1, min(g.oh, budget / wp))
  let band = g.height + gap
  let group = rows < g.oh ? 1 : max(1, min(budget / (band * wp), n / 4))
  let perImage = (g.oh + rows - 1) / rows
  let items = group > 1 ? (n + group - 1) / group : n * perImage
  // Grid rows: a row block and its window, or the group's bands and the last one's padding;
  // output rows: the block, or the bands up to the last image's outputs.
  let plane = (group > 1 ? (group - 1) * band + g.height + 2 * g.pad : rows + g.kh - 1) * wp
  let outputRows = group > 1 ? (group - 1) * band + g.oh : rows
  let tile = wideGridTile
  let stride = (outputRows * wp + tile - 1) / tile * tile
  // The last tile of the last channel reads up to `tile + kw` floats past its plane.
  let inputSize = cin * plane + tile + g.kw
  forEachWorkPart(items) { _, part in
    let scratch = Tensor(uninitialized: [inputSize + 8 * blocks * stride])
    let input = scratch.buffer.pointer, out = input + inputSize
    zeroFloats(input, inputSize)  // what the tiles read past the copied rows: junk places only, but no stray NaNs
    taps.withUnsafeBufferPointer { tp in
      for item in part {
        // Images b0 ..< b0 + count, output rows r0 ..< r0 + nr of each.
        let (b0, count, r0): (Int, Int, Int) = group > 1
          ? (item * group, min(group, n - item * group), 0)
          : (item / perImage, 1, (item % perImage) * rows)
        let nr = min(rows, g.oh - r0)
        for j in 0..<count {
          let last = j == count - 1
          g.padRows(x + (b0 + j) * g.imageSize, into: input + j * band * wp, plane: plane,
                    first: r0, count: count == 1 ? nr + g.kh - 1 : (last ? g.height + 2 * g.pad : band))
        }
        wideGridConv(input: input, channels: cin, plane: plane, taps: tp.baseAddress!, tapCount: k2,
                     weights: pp, blocks: blocks, output: out, outputStride: stride,
                     count: ((count - 1) * band + nr) * wp)
        for j in 0..<count {
          for co in 0..<cout {
            let v = bias?[co] ?? 0
            for r in 0..<nr {
              let s = out + co * stride + (j * band + r) * wp
              let d = y + (((b0 + j) * cout + co) * g.oh + r0 + r) * g.ow
              if relu {
                for o in 0..<g.ow { let t = s[o] + v; d[o] = t > 0 ? t : 0 }
              } else {
                for o in 0..<g.ow { d[o] = s[o] + v }
              }
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
    strategies.direct && ConvTuning.directOnThisCPU && stride == 1 && kh == 3 && kw == 3 && (channels % 16 == 0 || channels == 8) && cout >= 8 && ow > 8
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
