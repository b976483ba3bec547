/// Transposed 2-D convolution (PyTorch's `conv_transpose2d`, the adjoint of conv2d in x).
///
/// Each input place scatters `weight[ci, :, :, :]·x` into a `kh × kw` window of the output.
/// It is computed as conv2d's input gradient: `col = Wᵀ·x[b]`, folded onto the output by
/// col2im, with the geometry of a conv2d reading the *output* image.

/// Checks operands and returns the geometry of the conv2d that reads the output image.
func convTranspose2dGeometry(_ op: String, x: [Int], weight: [Int], stride: Int, padding: Int) throws -> ConvGeometry {
  guard x.count == 4, weight.count == 4 else {
    throw TensorError(op, "expected input [N, Cin, H, W] and weight [Cin, Cout, kh, kw], got \(shapeString(x)) and \(shapeString(weight))")
  }
  guard weight[0] == x[1] else {
    throw TensorError(op, "input \(shapeString(x)) has \(x[1]) channels but weight \(shapeString(weight)) expects \(weight[0])")
  }
  guard stride >= 1, padding >= 0, weight[2] >= 1, weight[3] >= 1 else {
    throw TensorError(op, "stride must be ≥ 1, padding ≥ 0 and the kernel non-empty, got stride \(stride), padding \(padding), weight \(shapeString(weight))")
  }
  func side(_ n: Int, _ k: Int) throws -> Int {
    let what = "the output side (\(n) − 1)·\(stride) − 2·\(padding) + \(k)"
    let spread = try TensorSize.product(max(n - 1, 0), stride, op: op, what)
    return try TensorSize.sum(spread, k - min(padding, Int.max / 2) * 2, op: op, what)
  }
  let ho = try side(x[2], weight[2]), wo = try side(x[3], weight[3])
  guard x[2] >= 1, x[3] >= 1, ho >= 1, wo >= 1 else {
    throw TensorError(op, "input \(shapeString(x)) with weight \(shapeString(weight)), stride \(stride), padding \(padding) gives an empty output")
  }
  let g = ConvGeometry(channels: weight[1], height: ho, width: wo, kh: weight[2], kw: weight[3], stride: stride, pad: padding)
  assert(g.oh == x[2] && g.ow == x[3])
  try TensorSize.check([x[0], g.channels, ho, wo], op: op)
  try TensorSize.check([g.colRows, g.ow], op: op)  // the columns of one input row, the least a block holds
  return g
}

/// Transposed convolution. `x` is `[N, Cin, H, W]`, `weight` `[Cin, Cout, kh, kw]` (PyTorch's
/// layout), `bias` `[Cout]`; the result is `[N, Cout, Ho, Wo]` with
/// `Ho = (H − 1)·stride − 2·padding + kh` (same for W).
public func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) throws -> Tensor {
  let g = try convTranspose2dGeometry("conv_transpose2d", x: x.shape, weight: weight.shape, stride: stride, padding: padding)
  try checkBias("conv_transpose2d", bias, channels: g.channels)
  let n = x.shape[0], cin = x.shape[1]
  let y = Tensor(uninitialized: [n, g.channels, g.height, g.width])
  convInputGrad(g, n: n, cout: cin, weight: weight.buffer.pointer, dy: x.buffer.pointer, dx: y.buffer.pointer)
  if let bias {
    let yp = y.buffer.pointer, bp = bias.buffer.pointer, plane = g.height * g.width
    Parallel.forEach(n * g.channels, cost: plane) { i in
      let v = bp[i % g.channels], row = yp + i * plane
      for j in 0..<plane { row[j] += v }
    }
  }
  return y
}

/// Gradients of `convTranspose2d`. `dy` is `[N, Cout, Ho, Wo]`; `x` and `weight` are the
/// forward operands. Returns `dx` like `x` (nil unless `needInputGrad`), `dw` like `weight`,
/// and `db` `[Cout]` (nil unless `hasBias`).
public func convTranspose2dBackward(_ dy: Tensor, x: Tensor, weight: Tensor, hasBias: Bool, stride: Int = 1,
                                    padding: Int = 0, needInputGrad: Bool = true) throws -> (dx: Tensor?, dw: Tensor, db: Tensor?) {
  let g = try convTranspose2dGeometry("conv_transpose2d_backward", x: x.shape, weight: weight.shape,
                                      stride: stride, padding: padding)
  let n = x.shape[0], cin = x.shape[1]
  guard dy.shape == [n, g.channels, g.height, g.width] else {
    throw TensorError("conv_transpose2d_backward", "output gradient \(shapeString(dy.shape)) does not match output [\(n), \(g.channels), \(g.height), \(g.width)] of input \(shapeString(x.shape)) and weight \(shapeString(weight.shape))")
  }
  let dx = needInputGrad ? Tensor(uninitialized: x.shape) : nil
  let dw = Tensor(uninitialized: weight.shape)
  if let dx, !g.isPointwise && g.strategies.sharedBackward {
    // dx = conv2d(dy) and dw from the same columns of dy; the sum comes as dwᵀ.
    let acc = convForwardSharingColumns(g, n: n, m: cin, kernel: weight.buffer.pointer, x: dy.buffer.pointer,
                                        y: dx.buffer.pointer, other: x.buffer.pointer)
    withExtendedLifetime(acc) { transpose(acc.buffer.pointer, ld: cin, rows: g.colRows, columns: cin, into: dw.buffer.pointer) }
  } else {
    if let dx {
      convForward(g, n: n, cout: cin, x: dy.buffer.pointer, weight: weight.buffer.pointer, bias: nil, y: dx.buffer.pointer)
    }
    convWeightGrad(g, n: n, cout: cin, x: dy.buffer.pointer, dy: x.buffer.pointer, dw: dw.buffer.pointer)
  }
  return (dx, dw, hasBias ? channelSums(dy) : nil)
}
