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
  let n = x.shape[ax]
  let y = Tensor(uninitialized: x.shape)
  let xp = x.buffer.pointer, yp = y.buffer.pointer
  forEachLine(x.shape, axis: ax, cost: 16) { base, s in
    let src = xp + base, dst = yp + base
    var m = -Float.infinity
    for k in 0..<n where src[k * s] > m { m = src[k * s] }
    if m == -.infinity { m = 0 }  // an all −∞ line gives NaN/−∞ like PyTorch, not a crash
    var sum: Float = 0
    for k in 0..<n { let e = Foundation.exp(src[k * s] - m); dst[k * s] = e; sum += e }
    if log {
      let lse = m + Foundation.log(sum)
      for k in 0..<n { dst[k * s] = src[k * s] - lse }
    } else {
      let inv = 1 / sum
      for k in 0..<n { dst[k * s] *= inv }
    }
  }
  return y
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

/// Applies `f(dy[i], v[i])` elementwise (same shapes), in parallel.
@inline(__always)
func zipGrad(_ op: String, _ dy: Tensor, _ v: Tensor, _ f: (Float, Float) -> Float) throws -> Tensor {
  try checkSame(op, dy, v, ("gradient", "operand"))
  let dx = Tensor(uninitialized: dy.shape)
  let gp = dy.buffer.pointer, vp = v.buffer.pointer, dp = dx.buffer.pointer
  Parallel.forEachChunk(dy.count, cost: 2) { r in
    for i in r { dp[i] = f(gp[i], vp[i]) }
  }
  return dx
}

/// Gradient of `relu`, given either its input or its output `v` (both are positive exactly
/// where the gradient passes): `dx = dy · [v > 0]`.
public func reluBackward(_ dy: Tensor, _ v: Tensor) throws -> Tensor {
  try zipGrad("relu_backward", dy, v) { g, v in v > 0 ? g : 0 }
}

/// Gradient of `sigmoid` given its output `y`: `dx = dy·y·(1 − y)`.
public func sigmoidBackward(_ dy: Tensor, y: Tensor) throws -> Tensor {
  try zipGrad("sigmoid_backward", dy, y) { g, y in g * y * (1 - y) }
}

/// Gradient of `tanh` given its output `y`: `dx = dy·(1 − y²)`.
public func tanhBackward(_ dy: Tensor, y: Tensor) throws -> Tensor {
  try zipGrad("tanh_backward", dy, y) { g, y in g * (1 - y * y) }
}
