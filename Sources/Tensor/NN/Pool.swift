/// 2-D max pooling over NCHW images (floor or ceil mode, like PyTorch), with argmax indices.

/// Max pooling with a `kernel × kernel` window, `stride` (default `kernel`) and `padding`
/// (implicit −∞). `x` is `[N, C, H, W]`; returns `y` `[N, C, Ho, Wo]` with
/// `Ho = (H + 2·padding − kernel) / stride + 1`, and `indices` (same shape, Int32): the flat
/// position `h·W + w` in the input plane of each maximum, which `maxPool2dBackward` needs.
/// With `ceil` (PyTorch's `ceil_mode`), `Ho = ⌈(H + 2·padding − kernel) / stride⌉ + 1`, less
/// one if the last window would start past the input and its padding; windows that reach
/// past the input use the part inside it. NaNs propagate; ties go to the first element in
/// row-major order.
public func maxPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0,
                      ceil: Bool = false) throws -> (y: Tensor, indices: IntTensor) {
  let s = stride ?? kernel
  guard x.rank == 4 else { throw TensorError("max_pool2d", "expected input [N, C, H, W], got \(shapeString(x.shape))") }
  guard kernel >= 1, s >= 1, padding >= 0, padding * 2 <= kernel else {
    throw TensorError("max_pool2d", "invalid kernel \(kernel), stride \(s), padding \(padding) (padding must be at most half the kernel)")
  }
  let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  guard h + 2 * padding >= kernel, w + 2 * padding >= kernel else {
    throw TensorError("max_pool2d", "kernel \(kernel) does not fit input \(shapeString(x.shape)) with padding \(padding)")
  }
  func outSize(_ n: Int) -> Int {
    guard ceil else { return (n + 2 * padding - kernel) / s + 1 }
    let o = (n + 2 * padding - kernel + s - 1) / s + 1
    return (o - 1) * s >= n + padding ? o - 1 : o
  }
  let oh = outSize(h), ow = outSize(w)
  // Outputs whose window lies wholly inside the input (all of them in floor mode without padding).
  let fullH = padding == 0 ? (h - kernel) / s + 1 : 0, fullW = padding == 0 ? (w - kernel) / s + 1 : 0
  let y = Tensor(uninitialized: [n, c, oh, ow])
  let idx = IntTensor(uninitialized: [n, c, oh, ow])
  let xp = x.buffer.pointer, yp = y.buffer.pointer, ip = idx.buffer.pointer
  Parallel.forEach(n * c, cost: oh * ow * kernel * kernel) { p in
    let src = xp + p * h * w, dst = yp + p * oh * ow, di = ip + p * oh * ow
    /// The general window at (oy, ox), clipped to the input.
    func window(_ oy: Int, _ ox: Int) {
      let y0 = max(0, oy * s - padding), y1 = min(h, oy * s - padding + kernel)
      let x0 = max(0, ox * s - padding), x1 = min(w, ox * s - padding + kernel)
      var m = -Float.infinity, at = y0 * w + x0
      for iy in y0..<y1 {
        for ix in x0..<x1 {
          let v = src[iy * w + ix]
          if v > m || v.isNaN && !m.isNaN { m = v; at = iy * w + ix }
        }
      }
      dst[oy * ow + ox] = m
      di[oy * ow + ox] = Int32(at)
    }
    if kernel == 2 && s == 2 && padding == 0 {
      // Branch-free: `v` replaces the running maximum `m` when `!(v <= m) && m == m`, i.e.
      // when v > m, or v is NaN and m is not (the general loop's rule, as selects).
      for oy in 0..<fullH {
        let r0 = src + 2 * oy * w, r1 = r0 + w
        let top = Int32(2 * oy * w), bottom = Int32((2 * oy + 1) * w)
        for ox in 0..<fullW {
          let j = 2 * ox
          let a = r0[j], b = r0[j + 1], c = r1[j], d = r1[j + 1]
          var m = a, at = top + Int32(j)
          var take = !(b <= m) && m == m
          m = take ? b : m; at = take ? top + Int32(j + 1) : at
          take = !(c <= m) && m == m
          m = take ? c : m; at = take ? bottom + Int32(j) : at
          take = !(d <= m) && m == m
          m = take ? d : m; at = take ? bottom + Int32(j + 1) : at
          dst[oy * ow + ox] = m
          di[oy * ow + ox] = at
        }
        for ox in fullW..<ow { window(oy, ox) }  // ceil mode: the clipped last column
      }
      for oy in fullH..<oh { for ox in 0..<ow { window(oy, ox) } }  // and last row
      return
    }
    for oy in 0..<oh { for ox in 0..<ow { window(oy, ox) } }
  }
  return (y, idx)
}

/// Gradient of `maxPool2d`: routes each `dy` element to the input position its `indices`
/// entry names (summing where windows overlap). `dy` and `indices` are `[N, C, Ho, Wo]`;
/// `inputShape` is the forward input's `[N, C, H, W]`; returns a tensor of that shape.
public func maxPool2dBackward(_ dy: Tensor, indices: IntTensor, inputShape: [Int]) throws -> Tensor {
  guard inputShape.count == 4, dy.rank == 4, dy.shape == indices.shape,
        dy.shape[0] == inputShape[0], dy.shape[1] == inputShape[1] else {
    throw TensorError("max_pool2d_backward", "gradient \(shapeString(dy.shape)) and indices \(shapeString(indices.shape)) do not fit input \(shapeString(inputShape))")
  }
  let plane = inputShape[2] * inputShape[3], oplane = dy.shape[2] * dy.shape[3]
  let dx = Tensor(uninitialized: inputShape)
  let gp = dy.buffer.pointer, ip = indices.buffer.pointer, dp = dx.buffer.pointer
  var bad = false
  Parallel.forEach(inputShape[0] * inputShape[1], cost: plane + oplane) { p in
    let d = dp + p * plane, g = gp + p * oplane, ix = ip + p * oplane
    d.update(repeating: 0, count: plane)
    for i in 0..<oplane {
      let j = Int(ix[i])
      if j < 0 || j >= plane { bad = true; continue }
      d[j] += g[i]
    }
  }
  if bad { throw TensorError("max_pool2d_backward", "an index lies outside the input plane of \(shapeString(inputShape))") }
  return dx
}
