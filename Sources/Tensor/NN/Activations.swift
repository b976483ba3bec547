import Foundation

/// Softmax and log-softmax along an axis, and the backward rules of the elementwise
/// activations (their forwards are `UnaryOp.relu`, `.sigmoid`, `.tanh`).

/// Visits every line along `axis` as `(base pointer offset, stride)`, splitting lines
/// across the workers.
func forEachLine(_ shape: [Int], axis ax: Int, cost: Int, _ body: (Int, Int) -> Void) {
  let outer = shape[..<ax].reduce(1, *), n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
  Parallel.forEach(outer * inner, cost: cost * n) { l in
    let o = l / inner, i = l % inner
    body(o * n * inner + i, inner)
  }
}

func resolveAxis(_ op: String, _ axis: Int, _ shape: [Int]) throws -> Int {
  let ax = axis < 0 ? axis + shape.count : axis
  guard ax >= 0, ax < shape.count else {
    throw TensorError(op, "axis \(axis) out of range for shape \(shapeString(shape))")
  }
  return ax
}

/// Softmax along `axis` (negative counts from the end); `exp(x − max)` normalised to sum 1.
public func softmax(_ x: Tensor, axis: Int) throws -> Tensor {
  try softmaxKernel("softmax", x, axis: axis, log: false)
}

/// Log-softmax along `axis`: `x − max − log Σ exp(x − max)`.
public func logSoftmax(_ x: Tensor, axis: Int) throws -> Tensor {
  try softmaxKernel("log_softmax", x, axis: axis, log: true)
}

func softmaxKernel(_ op: String, _ x: Tensor, axis: Int, log: Bool) throws -> Tensor {
  let ax = try resolveAxis(op, axis, x.shape)
  let n = x.shape[ax], inner = x.shape[(ax + 1)...].reduce(1, *)
  let y = Tensor(uninitialized: x.shape)
  let xp = x.buffer.pointer, yp = y.buffer.pointer
  if inner == 1 {  // lines are contiguous rows
    Parallel.forEachChunk(x.count / max(1, n), cost: 16 * n) { rows in
      for row in rows {
        let src = xp + row * n, dst = yp + row * n
        var m = -Float.infinity
        for k in 0..<n { m = max(m, src[k]) }
        if m == -.infinity { m = 0 }
        var sum: Float = 0
        for k in 0..<n { let e = Foundation.exp(src[k] - m); dst[k] = e; sum += e }
        if log {
          let lse = m + Foundation.log(sum)
          for k in 0..<n { dst[k] = src[k] - lse }
        } else {
          let inv = 1 / sum
          for k in 0..<n { dst[k] *= inv }
        }
      }
    }
    return y
  }
  forEachLineBlock(x.shape, axis: ax, cost: 16) { base, width in
    // `width` neighbouring lines at once, so the loops over them are contiguous.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * width) { tmp in
      let m = tmp.baseAddress!, sum = m + width
      let src = xp + base, dst = yp + base
      for i in 0..<width { m[i] = -.infinity; sum[i] = 0 }
      for k in 0..<n { let r = src + k * inner; for i in 0..<width { m[i] = max(m[i], r[i]) } }
      for i in 0..<width where m[i] == -.infinity { m[i] = 0 }  // all −∞ line: NaN/−∞ like PyTorch
      for k in 0..<n {
        let r = src + k * inner, d = dst + k * inner
        for i in 0..<width { let e = Foundation.exp(r[i] - m[i]); d[i] = e; sum[i] += e }
      }
      if log {
        for i in 0..<width { m[i] += Foundation.log(sum[i]) }
        for k in 0..<n { let r = src + k * inner, d = dst + k * inner; for i in 0..<width { d[i] = r[i] - m[i] } }
      } else {
        for i in 0..<width { sum[i] = 1 / sum[i] }
        for k in 0..<n { let d = dst + k * inner; for i in 0..<width { d[i] *= sum[i] } }
      }
    }
  }
  return y
}

/// Visits blocks of up to 256 neighbouring lines along `axis` as (offset of the first
/// line's first element, number of lines); the lines of a block are contiguous in memory.
func forEachLineBlock(_ shape: [Int], axis ax: Int, cost: Int, _ body: (Int, Int) -> Void) {
  let outer = shape[..<ax].reduce(1, *), n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
  if inner == 1 {
    Parallel.forEachChunk(outer, cost: cost * n) { r in for o in r { body(o * n, 1) } }
    return
  }
  let blocks = (inner + 255) / 256
  Parallel.forEach(outer * blocks, cost: cost * n * min(inner, 256)) { t in
    let o = t / blocks, i0 = (t % blocks) * 256
    body(o * n * inner + i0, min(256, inner - i0))
  }
}

func checkSame(_ op: String, _ a: Tensor, _ b: Tensor, _ names: (String, String)) throws {
  guard a.shape == b.shape else {
    throw TensorError(op, "\(names.0) \(shapeString(a.shape)) and \(names.1) \(shapeString(b.shape)) differ in shape")
  }
}

/// Gradient of `softmax` given its output `y`: `dx = y·(dy − Σ dy·y)` along `axis`.
public func softmaxBackward(_ dy: Tensor, y: Tensor, axis: Int) throws -> Tensor {
  try checkSame("softmax_backward", dy, y, ("gradient", "output"))
  let ax = try resolveAxis("softmax_backward", axis, y.shape)
  let n = y.shape[ax]
  let dx = Tensor(uninitialized: y.shape)
  let gp = dy.buffer.pointer, yp = y.buffer.pointer, dp = dx.buffer.pointer
  forEachLine(y.shape, axis: ax, cost: 4) { base, s in
    var dot: Float = 0
    for k in 0..<n { dot += gp[base + k * s] * yp[base + k * s] }
    for k in 0..<n { let j = base + k * s; dp[j] = yp[j] * (gp[j] - dot) }
  }
  return dx
}

/// Gradient of `logSoftmax` given its output `y`: `dx = dy − exp(y)·Σ dy` along `axis`.
public func logSoftmaxBackward(_ dy: Tensor, y: Tensor, axis: Int) throws -> Tensor {
  try checkSame("log_softmax_backward", dy, y, ("gradient", "output"))
  let ax = try resolveAxis("log_softmax_backward", axis, y.shape)
  let n = y.shape[ax]
  let dx = Tensor(uninitialized: y.shape)
  let gp = dy.buffer.pointer, yp = y.buffer.pointer, dp = dx.buffer.pointer
  forEachLine(y.shape, axis: ax, cost: 16) { base, s in
    var sum: Float = 0
    for k in 0..<n { sum += gp[base + k * s] }
    for k in 0..<n { let j = base + k * s; dp[j] = gp[j] - Foundation.exp(yp[j]) * sum }
  }
  return dx
}

/// The elementwise activations whose backward needs only `dy` and one saved tensor.
enum ActivationGrad { case relu, sigmoid, tanh }

/// `dx[i] = dy[i]·f'(v[i])` for the activation `kind`, in parallel; one loop per kind so
/// each vectorises.
func activationGrad(_ op: String, _ kind: ActivationGrad, _ dy: Tensor, _ v: Tensor) throws -> Tensor {
  try checkSame(op, dy, v, ("gradient", "operand"))
  let dx = Tensor(uninitialized: dy.shape)
  let gp = dy.buffer.pointer, vp = v.buffer.pointer, dp = dx.buffer.pointer
  Parallel.forEachChunk(dy.count, cost: 2) { r in
    let g = gp + r.lowerBound, u = vp + r.lowerBound, d = dp + r.lowerBound
    switch kind {
    case .relu: for i in 0..<r.count { let gv = g[i], uv = u[i]; d[i] = uv > 0 ? gv : 0 }  // both loads first: a select vectorises, a branch does not
    case .sigmoid: for i in 0..<r.count { d[i] = g[i] * u[i] * (1 - u[i]) }
    case .tanh: for i in 0..<r.count { d[i] = g[i] * (1 - u[i] * u[i]) }
    }
  }
  return dx
}

/// Gradient of `relu`, given either its input or its output `v` (both are positive exactly
/// where the gradient passes): `dx = dy · [v > 0]`.
public func reluBackward(_ dy: Tensor, _ v: Tensor) throws -> Tensor {
  try activationGrad("relu_backward", .relu, dy, v)
}

/// Gradient of `sigmoid` given its output `y`: `dx = dy·y·(1 − y)`.
public func sigmoidBackward(_ dy: Tensor, y: Tensor) throws -> Tensor {
  try activationGrad("sigmoid_backward", .sigmoid, dy, y)
}

/// Gradient of `tanh` given its output `y`: `dx = dy·(1 − y²)`.
public func tanhBackward(_ dy: Tensor, y: Tensor) throws -> Tensor {
  try activationGrad("tanh_backward", .tanh, dy, y)
}
