/// Spatial upsampling of NCHW images: nearest and bilinear (`align_corners=false`), like
/// PyTorch's `interpolate`.

/// Interpolation used by `upsample`.
public enum UpsampleMode: String, Sendable {
  case nearest, bilinear
}

/// Source taps along one axis: output position `o` reads `w0·in[i0] + w1·in[i1]`.
struct UpsampleTaps {
  var i0: [Int], i1: [Int], w0: [Float], w1: [Float]

  init(input: Int, output: Int, mode: UpsampleMode) {
    let scale = Float(input) / Float(output)
    i0 = []; i1 = []; w0 = []; w1 = []
    for o in 0..<output {
      switch mode {
      case .nearest:
        let i = min(Int((Float(o) * scale).rounded(.down)), input - 1)
        i0.append(i); i1.append(i); w0.append(1); w1.append(0)
      case .bilinear:
        let src = max(0, (Float(o) + 0.5) * scale - 0.5)
        let a = min(Int(src), input - 1), b = min(a + 1, input - 1)
        let l = src - Float(a)
        i0.append(a); i1.append(b); w0.append(1 - l); w1.append(l)
      }
    }
  }
}

func checkUpsample(_ op: String, _ shape: [Int], _ size: (Int, Int)) throws {
  guard shape.count == 4 else { throw TensorError(op, "expected [N, C, H, W], got \(shapeString(shape))") }
  guard size.0 >= 1, size.1 >= 1, shape[2] >= 1, shape[3] >= 1 else {
    throw TensorError(op, "cannot resize \(shapeString(shape)) to \(size.0)×\(size.1)")
  }
}

/// Resizes `x` `[N, C, H, W]` to `[N, C, size.0, size.1]`.
public func upsample(_ x: Tensor, size: (Int, Int), mode: UpsampleMode) throws -> Tensor {
  try checkUpsample("upsample", x.shape, size)
  let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (oh, ow) = size
  try TensorSize.check([n, c, oh, ow], op: "upsample")
  let ty = UpsampleTaps(input: h, output: oh, mode: mode), tx = UpsampleTaps(input: w, output: ow, mode: mode)
  let y = Tensor(uninitialized: [n, c, oh, ow])
  let xp = x.buffer.pointer, yp = y.buffer.pointer
  Parallel.forEach(n * c, cost: 4 * oh * ow) { p in
    let src = xp + p * h * w, dst = yp + p * oh * ow
    for oy in 0..<oh {
      let r0 = src + ty.i0[oy] * w, r1 = src + ty.i1[oy] * w, a = ty.w0[oy], b = ty.w1[oy]
      let d = dst + oy * ow
      if mode == .nearest {
        for ox in 0..<ow { d[ox] = r0[tx.i0[ox]] }
      } else {
        for ox in 0..<ow {
          let j0 = tx.i0[ox], j1 = tx.i1[ox]
          d[ox] = a * (tx.w0[ox] * r0[j0] + tx.w1[ox] * r0[j1]) + b * (tx.w0[ox] * r1[j0] + tx.w1[ox] * r1[j1])
        }
      }
    }
  }
  return y
}

/// Resizes `x` `[N, C, H, W]` by an integer `scale` to `[N, C, H·scale, W·scale]`.
public func upsample(_ x: Tensor, scale: Int, mode: UpsampleMode) throws -> Tensor {
  guard scale >= 1, x.rank == 4 else {
    throw TensorError("upsample", "cannot scale \(shapeString(x.shape)) by \(scale)")
  }
  let size = (try TensorSize.product(x.shape[2], scale, op: "upsample", "height \(x.shape[2]) × \(scale)"),
              try TensorSize.product(x.shape[3], scale, op: "upsample", "width \(x.shape[3]) × \(scale)"))
  return try upsample(x, size: size, mode: mode)
}

/// Gradient of `upsample`: `dy` is `[N, C, Ho, Wo]`, `inputShape` the forward input's
/// `[N, C, H, W]`; returns the gradient of that shape (each output's gradient spread back
/// onto the input pixels it read, with the same weights).
public func upsampleBackward(_ dy: Tensor, inputShape: [Int], mode: UpsampleMode) throws -> Tensor {
  guard dy.rank == 4, inputShape.count == 4, dy.shape[0] == inputShape[0], dy.shape[1] == inputShape[1] else {
    throw TensorError("upsample_backward", "gradient \(shapeString(dy.shape)) does not fit input \(shapeString(inputShape))")
  }
  try checkUpsample("upsample_backward", inputShape, (dy.shape[2], dy.shape[3]))
  let (n, c, h, w) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
  let (oh, ow) = (dy.shape[2], dy.shape[3])
  let ty = UpsampleTaps(input: h, output: oh, mode: mode), tx = UpsampleTaps(input: w, output: ow, mode: mode)
  let dx = Tensor(uninitialized: inputShape)
  let gp = dy.buffer.pointer, dp = dx.buffer.pointer
  Parallel.forEach(n * c, cost: 4 * oh * ow) { p in
    let g = gp + p * oh * ow, d = dp + p * h * w
    d.update(repeating: 0, count: h * w)
    for oy in 0..<oh {
      let r0 = d + ty.i0[oy] * w, r1 = d + ty.i1[oy] * w, a = ty.w0[oy], b = ty.w1[oy]
      let gr = g + oy * ow
      if mode == .nearest {
        for ox in 0..<ow { r0[tx.i0[ox]] += gr[ox] }
      } else {
        for ox in 0..<ow {
          let v = gr[ox], j0 = tx.i0[ox], j1 = tx.i1[ox], u0 = tx.w0[ox] * v, u1 = tx.w1[ox] * v
          r0[j0] += a * u0; r0[j1] += a * u1
          r1[j0] += b * u0; r1[j1] += b * u1
        }
      }
    }
  }
  return dx
}
