import KernelsAVX512

/// 2-D convolution (cross-correlation, like PyTorch) over NCHW images, by im2col + GEMM.
///
/// Each batch item is unfolded into a column matrix `[Cin·kh·kw, Ho·Wo]` and multiplied by
/// the weight viewed as `[Cout, Cin·kh·kw]`. Batches are split across the workers (each with
/// its own column buffer; weight-gradient partials summed at the end); small or uneven
/// batches run serially and let GEMM and im2col split rows instead. 1×1 stride-1 unpadded
/// convolutions skip im2col: the image already is the column matrix.

/// Checks conv2d operands and returns the geometry of one image.
func conv2dGeometry(_ op: String, x: [Int], weight: [Int], stride: Int, padding: Int) throws -> ConvGeometry {
  guard x.count == 4, weight.count == 4 else {
    throw TensorError(op, "expected input [N, C, H, W] and weight [Cout, Cin, kh, kw], got \(shapeString(x)) and \(shapeString(weight))")
  }
  guard weight[1] == x[1] else {
    throw TensorError(op, "input \(shapeString(x)) has \(x[1]) channels but weight \(shapeString(weight)) expects \(weight[1])")
  }
  guard stride >= 1, padding >= 0 else {
    throw TensorError(op, "stride must be ≥ 1 and padding ≥ 0, got stride \(stride), padding \(padding)")
  }
  let both = try TensorSize.product(2, padding, op: op, "padding \(padding)")
  let ph = try TensorSize.sum(x[2], both, op: op, "the padded height"), pw = try TensorSize.sum(x[3], both, op: op, "the padded width")
  guard weight[2] >= 1, weight[3] >= 1, ph >= weight[2], pw >= weight[3] else {
    throw TensorError(op, "kernel \(weight[2])×\(weight[3]) does not fit input \(shapeString(x)) with padding \(padding)")
  }
  let g = ConvGeometry(channels: x[1], height: x[2], width: x[3], kh: weight[2], kw: weight[3],
                       stride: stride, pad: padding)
  try TensorSize.check([x[0], weight[0], g.oh, g.ow], op: op)
  try TensorSize.check([g.colRows, g.ow], op: op)  // the im2col columns of one output row, the least a block holds
  return g
}

func checkBias(_ op: String, _ bias: Tensor?, channels: Int) throws {
  if let bias, bias.shape != [channels] {
    throw TensorError(op, "bias \(shapeString(bias.shape)) does not match \(channels) output channels")
  }
}

/// 2-D convolution. `x` is `[N, Cin, H, W]`, `weight` `[Cout, Cin, kh, kw]`, `bias` `[Cout]`;
/// the result is `[N, Cout, Ho, Wo]` with `Ho = (H + 2·padding − kh) / stride + 1` (same for W).
/// With `relu`, the result is `max(0, conv + bias)`, applied while each block is in cache.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0,
                   relu: Bool = false) throws -> Tensor {
  let g = try conv2dGeometry("conv2d", x: x.shape, weight: weight.shape, stride: stride, padding: padding)
  let n = x.shape[0], cout = weight.shape[0]
  try checkBias("conv2d", bias, channels: cout)
  let y = Tensor(uninitialized: [n, cout, g.oh, g.ow])
  convForward(g, n: n, cout: cout, x: x.buffer.pointer, weight: weight.buffer.pointer,
              bias: bias?.buffer.pointer, y: y.buffer.pointer, relu: relu)
  return y
}

/// `y[b] = W · im2col(x[b]) + bias` for every batch item (then `max(0, ·)` with `relu`);
/// `W` is `[cout, g.colRows]`. Also conv2d's input gradient (through the flipped kernel)
/// and conv_transpose2d's.
///
/// The work items are (image, block of output rows), split evenly over the workers, each
/// with its own column block; the block's rows are `g.blockRows`.
func convForward(_ g: ConvGeometry, n: Int, cout: Int, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, relu: Bool = false) {
  let K = g.colRows, L = g.colCols
  if g.isPointwise {
    forEachWorkPart(n) { _, images in
      for b in images {
        let yb = y + b * cout * L
        sgemm(m: cout, n: L, k: K, a: weight, lda: K, b: x + b * g.imageSize, ldb: L, c: yb, ldc: L)
        finishBlock(bias, relu: relu, yb, cout: cout, columns: 0..<L, ld: L)
      }
    }
    return
  }
  if g.directApplies(cout: cout) {
    convForwardDirect(g, n: n, cout: cout, x: x, weight: weight, bias: bias, y: y, relu: relu)
    return
  }
  if g.strategies.shifted && n >= 4 && g.shiftedApplies(cout: cout) {  // not the worker count: the result's bits would follow it
    convForwardShifted(g, n: n, cout: cout, x: x, weight: weight, bias: bias, y: y, relu: relu)
    return
  }
  let rb = g.blockRows(m: cout)
  let blocks = (g.oh + rb - 1) / rb
  forEachWorkPart(n * blocks) { _, items in
    let scratch = Tensor(uninitialized: [K * rb * g.ow])
    let col = scratch.buffer.pointer
    for item in items {
      let b = item / blocks, r0 = (item % blocks) * rb
      let yb = y + b * cout * L
      let rows = r0..<min(g.oh, r0 + rb), lb = rows.count * g.ow
      g.im2col(x + b * g.imageSize, col, rows: rows)
      sgemm(m: cout, n: lb, k: K, a: weight, lda: K, b: col, ldb: lb, c: yb + r0 * g.ow, ldc: L)
      finishBlock(bias, relu: relu, yb, cout: cout, columns: r0 * g.ow..<(r0 * g.ow + lb), ld: L)  // while in cache
    }
    withExtendedLifetime(scratch) {}
  }
}

/// Adds `bias[co]` to columns `columns` of every row `co` of `y` (`cout` rows, `ld` apart),
/// then clamps them at 0 when `relu`.
@inline(__always)
func finishBlock(_ bias: UnsafePointer<Float>?, relu: Bool, _ y: UnsafeMutablePointer<Float>, cout: Int,
                 columns: Range<Int>, ld: Int) {
  if bias == nil && !relu { return }
  for co in 0..<cout {
    let row = y + co * ld + columns.lowerBound, v = bias?[co] ?? 0, n = columns.count
    if relu {
      for j in 0..<n { let t = row[j] + v; row[j] = t > 0 ? t : 0 }
    } else {
      for j in 0..<n { row[j] += v }
    }
  }
}

/// `dx[b] = col2im(Wᵀ · dy[b])` for every batch item (overwrites `dx`); `W` is
/// `[cout, g.colRows]`. Also conv_transpose2d's forward.
///
/// For stride 1 with a square kernel and padding `p < k`, this is the convolution of `dy`
/// with the kernel flipped in space and transposed in channels, padded by `k − 1 − p`; that
/// runs through `convForward` (an im2col copy instead of col2im's scattered adds, and a
/// GEMM with depth `cout·k²` instead of `cout`). Not for fewer than 8 input channels: that
/// GEMM would have too few rows.
func convInputGrad(_ g: ConvGeometry, n: Int, cout: Int, weight: UnsafePointer<Float>,
                   dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
  let K = g.colRows, L = g.colCols
  if g.hasFlippedInputGrad {
    let flipped = flippedKernel(g, cout: cout, weight: weight)
    convForward(g.flipped(cout: cout), n: n, cout: g.channels, x: dy, weight: flipped.buffer.pointer, bias: nil, y: dx)
    withExtendedLifetime(flipped) {}
    return
  }
  if g.isPointwise {
    forEachWorkPart(n) { _, images in
      for b in images {
        sgemm(transA: true, m: K, n: L, k: cout, a: weight, lda: K, b: dy + b * cout * L, ldb: L,
              c: dx + b * g.imageSize, ldc: L)
      }
    }
    return
  }
  let rb = g.blockRows(m: K, depth: cout)
  forEachWorkPart(n) { _, images in
    let scratch = Tensor(uninitialized: [K * rb * g.ow])
    let col = scratch.buffer.pointer
    for b in images {
      let dyb = dy + b * cout * L, dxb = dx + b * g.imageSize
      if g.hasDisjointWindows { g.zeroUncovered(dxb) } else { dxb.update(repeating: 0, count: g.imageSize) }
      for r0 in Swift.stride(from: 0, to: g.oh, by: rb) {
        let rows = r0..<min(g.oh, r0 + rb), lb = rows.count * g.ow
        sgemm(transA: true, m: K, n: lb, k: cout, a: weight, lda: K, b: dyb + r0 * g.ow, ldb: L, c: col, ldc: lb)
        g.col2im(col, dxb, rows: rows)
      }
    }
    withExtendedLifetime(scratch) {}
  }
}

extension ConvGeometry {
  /// Whether the input gradient runs as a convolution with the flipped kernel (see
  /// `convInputGrad`): stride 1, a square kernel, padding `p < k`, at least 8 input channels.
  var hasFlippedInputGrad: Bool {
    stride == 1 && kh == kw && pad < kh && !isPointwise && channels >= 8 && strategies.flippedInputGrad
  }

  /// The geometry of that convolution: `dy` (`cout` channels, `oh × ow`) padded by `k − 1 − p`,
  /// whose output places are the input's `height × width`.
  func flipped(cout: Int) -> ConvGeometry {
    ConvGeometry(channels: cout, height: oh, width: ow, kh: kh, kw: kw, stride: 1, pad: kh - 1 - pad, strategies: strategies)
  }
}

/// The kernel of the input-gradient convolution: `[cin, cout·k²]`, transposed in channels and
/// flipped in space.
func flippedKernel(_ g: ConvGeometry, cout: Int, weight: UnsafePointer<Float>) -> Tensor {
  let k2 = g.kh * g.kw, cin = g.channels
  let flipped = Tensor(uninitialized: [cin, cout * k2])
  let fp = flipped.buffer.pointer
  for ci in 0..<cin {
    for co in 0..<cout {
      for t in 0..<k2 { fp[(ci * cout + co) * k2 + t] = weight[(co * cin + ci) * k2 + (k2 - 1 - t)] }
    }
  }
  return flipped
}

/// Both gradients of a convolution with `g.hasFlippedInputGrad`, from one unfolding of `dy`.
///
/// With `col = im2col` of `dy` for the flipped convolution (`[cout·k², H·W]`, zero where the
/// window leaves `dy`), `dx = flipped · col` and
/// `dw[co, ci, ky, kx] = Σ_q x[ci, q] · col[(co, k²−1−(ky·k+kx)), q]`: every term of the
/// forward sum `Σ_p dy[co, p] · x[ci, p + shift]` whose `x` place lies inside the image,
/// re-indexed by that place (the others are zero padding). So the weight gradient needs no
/// unfolding of `x` of its own (`convForwardSharingColumns`).
func convBackwardFlipped(_ g: ConvGeometry, n: Int, cout: Int, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, dw: UnsafeMutablePointer<Float>) {
  let cin = g.channels, k2 = g.kh * g.kw
  let flipped = flippedKernel(g, cout: cout, weight: weight)
  let acc = convForwardSharingColumns(g.flipped(cout: cout), n: n, m: cin, kernel: flipped.buffer.pointer,
                                      x: dy, y: dx, other: x)
  let ap = acc.buffer.pointer
  for co in 0..<cout {  // acc row (co, t) holds dw[co, ·, k²−1−t]
    for t in 0..<k2 {
      let row = ap + (co * k2 + t) * cin
      for ci in 0..<cin { dw[(co * cin + ci) * k2 + (k2 - 1 - t)] = row[ci] }
    }
  }
  withExtendedLifetime(acc) {}
  withExtendedLifetime(flipped) {}
}

/// `y[b] = kernel · col[b]` (like `convForward`, without bias) and, from the same blocks of
/// `col[b] = im2col(x[b])` while they are in cache, `Σ_b col[b] · other[b]ᵀ`, returned in
/// the first `g.colRows · m` floats (row-major `[g.colRows, m]`) of the tensor. `kernel` is `[m, g.colRows]`; `other`, like `y`, has `m` channels over
/// the `g.oh × g.ow` output places. A convolution's backward is one of these whenever its
/// input gradient is a convolution of `dy`: that pass's columns also give the weight gradient.
func convForwardSharingColumns(_ g: ConvGeometry, n: Int, m: Int, kernel: UnsafePointer<Float>,
                               x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                               other: UnsafePointer<Float>) -> Tensor {
  let K = g.colRows, L = g.colCols
  let rb = g.blockRows(m: m)
  let blocks = (g.oh + rb - 1) / rb
  return forEachWorkPartSumming(n * blocks, size: K * m) { items, acc in
    let scratch = Tensor(uninitialized: [(K + m) * rb * g.ow])
    let col = scratch.buffer.pointer, otherT = col + K * rb * g.ow
    for item in items {
      let b = item / blocks, r0 = (item % blocks) * rb
      let rows = r0..<min(g.oh, r0 + rb), lb = rows.count * g.ow
      let offset = b * m * L + r0 * g.ow
      g.im2col(x + b * g.imageSize, col, rows: rows)
      sgemm(m: m, n: lb, k: K, a: kernel, lda: K, b: col, ldb: lb, c: y + offset, ldc: L)
      transpose(other + offset, ld: L, rows: m, columns: lb, into: otherT)
      sgemm(m: K, n: m, k: lb, a: col, lda: lb, b: otherT, ldb: m, beta: 1, c: acc, ldc: m)
    }
    withExtendedLifetime(scratch) {}
  }
}

/// Runs `body(items, acc)` over `count` work items cut into `summingParts(count)`
/// contiguous slices, each slice with its own zeroed accumulator of `size` floats, the
/// slices shared among the workers; returns a tensor whose first `size` floats hold the sum
/// of the slices, added in slice order. The slices follow from `count` alone, so the sum's
/// bits do not depend on the worker count.
func forEachWorkPartSumming(_ count: Int, size: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
  let parts = summingParts(count)
  let partials = Tensor(shape: [parts, size], repeating: 0)
  let pp = partials.buffer.pointer
  forEachWorkPart(parts, parts: min(parts, Parallel.workers)) { _, slices in
    for p in slices { body(count * p / parts..<count * (p + 1) / parts, pp + p * size) }
  }
  for p in 1..<parts {
    let src = pp + p * size
    for i in 0..<size { pp[i] += src[i] }
  }
  return partials
}

/// The slices of `forEachWorkPartSumming`: 8 (enough for 8 workers), at most one per item.
func summingParts(_ count: Int) -> Int { max(1, min(8, count)) }

/// `dw = Σ_b dy[b] · im2col(x[b])ᵀ` (overwrites `dw`, `[cout, g.colRows]`).
/// Also conv_transpose2d's weight gradient (with the roles of `x` and `dy` swapped).
///
/// Each worker accumulates the transpose `im2col(x)·dyᵀ` (`[colRows, cout]`) in its own
/// buffer, one block of output rows at a time: the block of `dy` is first transposed to
/// `[columns, cout]` so the product is a plain (NN) GEMM, which OpenBLAS runs ~2× faster
/// than the NT form for few output channels. The parts are summed and transposed at the end.
func convWeightGrad(_ g: ConvGeometry, n: Int, cout: Int, x: UnsafePointer<Float>,
                    dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>) {
  let K = g.colRows, L = g.colCols
  let rb = g.isPointwise ? g.oh : g.blockRows(m: cout)
  let blocks = (g.oh + rb - 1) / rb
  let sum = forEachWorkPartSumming(n * blocks, size: K * cout) { items, acc in
    if g.isPointwise {
      for b in items {
        sgemm(transB: true, m: K, n: cout, k: L, a: x + b * g.imageSize, lda: L, b: dy + b * cout * L, ldb: L,
              beta: 1, c: acc, ldc: cout)
      }
      return
    }
    let scratch = Tensor(uninitialized: [(K + cout) * rb * g.ow])
    let col = scratch.buffer.pointer, dyT = col + K * rb * g.ow
    for item in items {
      let b = item / blocks, r0 = (item % blocks) * rb
      let rows = r0..<min(g.oh, r0 + rb), lb = rows.count * g.ow
      g.im2col(x + b * g.imageSize, col, rows: rows)
      transpose(dy + b * cout * L + r0 * g.ow, ld: L, rows: cout, columns: lb, into: dyT)
      sgemm(m: K, n: cout, k: lb, a: col, lda: lb, b: dyT, ldb: cout, beta: 1, c: acc, ldc: cout)
    }
    withExtendedLifetime(scratch) {}
  }
  withExtendedLifetime(sum) { transpose(sum.buffer.pointer, ld: cout, rows: K, columns: cout, into: dw) }
}

/// Writes the transpose of a `rows × columns` block (rows `ld` apart) to `out`
/// (`columns × rows`, contiguous). On AVX-512 CPUs in 16 × 16 register tiles
/// (`KernelsAVX512.transposeBlock`), else in tiles that stay in L1.
func transpose(_ src: UnsafePointer<Float>, ld: Int, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
  if CPUFeatures.avx512 {
    transposeBlock(src, ld: ld, rows: rows, columns: columns, into: out, ldOut: rows)
    return
  }
  let t = 32
  for c0 in Swift.stride(from: 0, to: columns, by: t) {
    let c1 = min(columns, c0 + t)
    for r in 0..<rows {
      let s = src + r * ld
      for c in c0..<c1 { out[c * rows + r] = s[c] }
    }
  }
}

/// Gradients of `conv2d`. `dy` is `[N, Cout, Ho, Wo]`; `x` and `weight` are the forward
/// operands. Returns `dx` `[N, Cin, H, W]` (nil unless `needInputGrad`), `dw` like `weight`,
/// and `db` `[Cout]` (nil unless `hasBias`).
public func conv2dBackward(_ dy: Tensor, x: Tensor, weight: Tensor, hasBias: Bool, stride: Int = 1, padding: Int = 0,
                           needInputGrad: Bool = true) throws -> (dx: Tensor?, dw: Tensor, db: Tensor?) {
  let g = try conv2dGeometry("conv2d_backward", x: x.shape, weight: weight.shape, stride: stride, padding: padding)
  let n = x.shape[0], cout = weight.shape[0]
  guard dy.shape == [n, cout, g.oh, g.ow] else {
    throw TensorError("conv2d_backward", "output gradient \(shapeString(dy.shape)) does not match output [\(n), \(cout), \(g.oh), \(g.ow)] of input \(shapeString(x.shape)) and weight \(shapeString(weight.shape))")
  }
  let dx = needInputGrad ? Tensor(uninitialized: x.shape) : nil
  let dw = Tensor(uninitialized: weight.shape)
  if g.directBackwardApplies(cout: cout) {
    convBackwardDirect(g, n: n, cout: cout, x: x.buffer.pointer, weight: weight.buffer.pointer,
                       dy: dy.buffer.pointer, dx: dx?.buffer.pointer, dw: dw.buffer.pointer)
  } else if let dx, g.hasFlippedInputGrad && g.strategies.sharedBackward {
    convBackwardFlipped(g, n: n, cout: cout, x: x.buffer.pointer, weight: weight.buffer.pointer,
                        dy: dy.buffer.pointer, dx: dx.buffer.pointer, dw: dw.buffer.pointer)
  } else {
    if let dx {
      convInputGrad(g, n: n, cout: cout, weight: weight.buffer.pointer, dy: dy.buffer.pointer, dx: dx.buffer.pointer)
    }
    convWeightGrad(g, n: n, cout: cout, x: x.buffer.pointer, dy: dy.buffer.pointer, dw: dw.buffer.pointer)
  }
  return (dx, dw, hasBias ? channelSums(dy) : nil)
}

/// Gradients of `conv2d(…, relu: true)`, given its output `y`: the ReLU mask and the bias
/// gradient (the masked gradient's channel sums) in one pass over `dy`, then
/// `conv2dBackward`'s input and weight gradients of the masked gradient.
public func conv2dReLUBackward(_ dy: Tensor, y: Tensor, x: Tensor, weight: Tensor, hasBias: Bool, stride: Int = 1,
                               padding: Int = 0, needInputGrad: Bool = true) throws -> (dx: Tensor?, dw: Tensor, db: Tensor?) {
  try checkSame("conv2d_relu_backward", dy, y, ("gradient", "output"))
  guard dy.rank == 4 else {
    throw TensorError("conv2d_relu_backward", "expected an output gradient [N, C, H, W], got \(shapeString(dy.shape))")
  }
  let n = dy.shape[0], c = dy.shape[1], plane = dy.count / max(1, n * c)
  let masked = Tensor(uninitialized: dy.shape)
  let planeSums = Tensor(uninitialized: [n * c])
  let gp = dy.buffer.pointer, yp = y.buffer.pointer, mp = masked.buffer.pointer, sp = planeSums.buffer.pointer
  Parallel.forEach(n * c, cost: 2 * plane) { i in
    sp[i] = reluMaskRow(gp + i * plane, yp + i * plane, mp + i * plane, plane)
  }
  let r = try conv2dBackward(masked, x: x, weight: weight, hasBias: false, stride: stride, padding: padding,
                             needInputGrad: needInputGrad)
  guard hasBias else { return (r.dx, r.dw, nil) }
  let db = Tensor(uninitialized: [c])
  for ch in 0..<c {
    var acc: Double = 0
    for b in 0..<n { acc += Double(sp[b * c + ch]) }
    db.buffer.pointer[ch] = Float(acc)
  }
  return (r.dx, r.dw, db)
}

/// `d[j] = v[j] > 0 ? g[j] : 0` over a row of `n` floats, returning `Σ d` (SIMD lanes: a
/// scalar select-and-sum loop does not vectorise; partial sums per 1024, added in Double).
@inline(__always)
func reluMaskRow(_ g: UnsafePointer<Float>, _ v: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
  let gr = UnsafeRawPointer(g), vr = UnsafeRawPointer(v), dr = UnsafeMutableRawPointer(d)
  var total: Double = 0, j = 0
  while j + 16 <= n {
    var s = SIMD16<Float>()
    let end = min(n, j + 1024)
    while j + 16 <= end {
      let gv = gr.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
      let vv = vr.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
      let a = gv.replacing(with: 0, where: .!(vv .> 0))
      dr.storeBytes(of: a, toByteOffset: j * 4, as: SIMD16<Float>.self)
      s += a
      j += 16
    }
    total += Double(s.sum())
  }
  while j < n { let a = v[j] > 0 ? g[j] : 0; d[j] = a; total += Double(a); j += 1 }
  return Float(total)
}

/// Sums an `[N, C, …]` tensor over every axis but 1, giving `[C]` (bias gradients).
func channelSums(_ t: Tensor) -> Tensor {
  let n = t.shape[0], c = t.shape[1], inner = t.count / max(1, n * c)
  let r = Tensor(uninitialized: [c])
  let src = t.buffer.pointer, dst = r.buffer.pointer
  Parallel.forEach(c, cost: n * inner) { ch in
    var acc: Double = 0
    for b in 0..<n { acc += sumRow(src + (b * c + ch) * inner, inner) }
    dst[ch] = Float(acc)
  }
  return r
}

/// `Σ p[0..<n]`: SIMD lanes of Float partial sums, added in Double every 1024 elements
/// (`reduceRow`'s scalar partial sums ran at about one element per cycle).
@inline(__always)
func sumRow(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
  let raw = UnsafeRawPointer(p)
  var total: Double = 0, j = 0
  while j + 16 <= n {
    var s = SIMD16<Float>()
    let end = min(n, j + 1024)
    while j + 16 <= end {
      s += raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
      j += 16
    }
    total += Double(s.sum())
  }
  while j < n { total += Double(p[j]); j += 1 }
  return total
}
