/// Losses, each reduced by the mean to a 0-d tensor: mse, nll, cross_entropy.
///
/// **Where the classes are (nll, cross_entropy).** The input holds one score per class on
/// a *class axis*; the target (Int32 class indices) has the input's shape without that
/// axis. Unless `classAxis` is given, it is axis 1 (PyTorch's `[B, C, …]` with target
/// `[B, …]`) when the target's shape equals the input's without axis 1; otherwise the last
/// axis when the target's shape equals the input's without its last axis (e.g. logits
/// `[B, N, M]` over M classes with target `[B, N]`). When both fit (`[B, K, K]` with target
/// `[B, K]`), axis 1 wins: pass `classAxis: -1` to choose the last. A rank-1 input `[C]`
/// takes a 0-d target. The mean runs over all target elements.

/// The class axis of an `input` scored against `target` (see the file comment).
func classAxis(_ op: String, input: [Int], target: [Int], explicit: Int?) throws -> Int {
  func without(_ a: Int) -> [Int] { var s = input; s.remove(at: a); return s }
  if let explicit {
    let a = explicit < 0 ? explicit + input.count : explicit
    guard a >= 0, a < input.count, without(a) == target else {
      throw TensorError(op, "target \(shapeString(target)) does not match input \(shapeString(input)) with class axis \(explicit)")
    }
    return a
  }
  if input.count >= 2, without(1) == target { return 1 }
  if input.count >= 1, without(input.count - 1) == target { return input.count - 1 }
  throw TensorError(op, "target \(shapeString(target)) must be input \(shapeString(input)) without its class axis (axis 1, or the last axis)")
}

/// Calls `body(t, base, stride)` for every target element `t`, where the input's scores for
/// that element start at flat offset `base`, `stride` apart; throws on an out-of-range class.
func forEachTarget(_ op: String, input: [Int], axis: Int, target: IntTensor, _ body: (Int, Int, Int) -> Void) throws {
  let c = input[axis], inner = input[(axis + 1)...].reduce(1, *)
  let tp = target.buffer.pointer
  for t in 0..<target.count {
    let k = Int(tp[t])
    guard k >= 0 && k < c else {
      throw TensorError(op, "target class \(k) out of range 0..<\(c) for input \(shapeString(input))")
    }
    let o = t / inner, i = t % inner
    body(t, o * c * inner + k * inner + i, inner)
  }
}

func scalarGrad(_ op: String, _ dy: Tensor) throws -> Float {
  guard dy.count == 1 else { throw TensorError(op, "expected a one-element loss gradient, got \(shapeString(dy.shape))") }
  return dy.buffer.pointer[0]
}

/// Mean squared error `mean((a − b)²)` of two same-shaped tensors; a 0-d tensor.
public func mse(_ a: Tensor, _ b: Tensor) throws -> Tensor {
  try checkSame("mse", a, b, ("input", "target"))
  let ap = a.buffer.pointer, bp = b.buffer.pointer
  var acc: Double = 0
  var i = 0
  while i < a.count {  // float partial sums over blocks, flushed to Double
    let hi = min(a.count, i + 4096)
    var s: Float = 0
    for j in i..<hi { let d = ap[j] - bp[j]; s += d * d }
    acc += Double(s)
    i = hi
  }
  return Tensor(scalar: Float(acc / Double(max(1, a.count))))
}

/// Gradient of `mse`: `dy` is the loss gradient (one element); returns
/// `da = 2·dy·(a − b)/count` and `db = −da`.
public func mseBackward(_ dy: Tensor, _ a: Tensor, _ b: Tensor) throws -> (da: Tensor, db: Tensor) {
  try checkSame("mse_backward", a, b, ("input", "target"))
  let k = 2 * (try scalarGrad("mse_backward", dy)) / Float(max(1, a.count))
  let da = Tensor(uninitialized: a.shape), db = Tensor(uninitialized: a.shape)
  let ap = a.buffer.pointer, bp = b.buffer.pointer, dap = da.buffer.pointer, dbp = db.buffer.pointer
  Parallel.forEachChunk(a.count, cost: 2) { r in
    for i in r { let d = k * (ap[i] - bp[i]); dap[i] = d; dbp[i] = -d }
  }
  return (da, db)
}

/// Negative log-likelihood `−mean(logp[…, target, …])` of log-probabilities `logp` against
/// Int32 class indices `target` (class axis: see the file comment); a 0-d tensor.
public func nll(_ logp: Tensor, target: IntTensor, classAxis explicit: Int? = nil) throws -> Tensor {
  let ax = try classAxis("nll", input: logp.shape, target: target.shape, explicit: explicit)
  let lp = logp.buffer.pointer
  var acc: Double = 0
  try forEachTarget("nll", input: logp.shape, axis: ax, target: target) { _, j, _ in acc -= Double(lp[j]) }
  return Tensor(scalar: Float(acc / Double(max(1, target.count))))
}

/// Gradient of `nll`: `dy` is the loss gradient (one element); returns `dlogp` of
/// `inputShape`, `−dy/count` at each target's class and 0 elsewhere.
public func nllBackward(_ dy: Tensor, inputShape: [Int], target: IntTensor, classAxis explicit: Int? = nil) throws -> Tensor {
  let ax = try classAxis("nll_backward", input: inputShape, target: target.shape, explicit: explicit)
  let v = -(try scalarGrad("nll_backward", dy)) / Float(max(1, target.count))
  var dx = Tensor.zeros(inputShape)
  try dx.withUnsafeMutableBufferPointer { d in
    try forEachTarget("nll_backward", input: inputShape, axis: ax, target: target) { _, j, _ in d[j] = v }
  }
  return dx
}

/// Cross-entropy `nll(logSoftmax(logits, classAxis), target)`; a 0-d tensor.
public func crossEntropy(_ logits: Tensor, target: IntTensor, classAxis explicit: Int? = nil) throws -> Tensor {
  let ax = try classAxis("cross_entropy", input: logits.shape, target: target.shape, explicit: explicit)
  return try nll(try logSoftmax(logits, axis: ax), target: target, classAxis: ax)
}

/// Gradient of `crossEntropy` w.r.t. `logits`: `dy·(softmax(logits) − onehot(target))/count`.
public func crossEntropyBackward(_ dy: Tensor, logits: Tensor, target: IntTensor, classAxis explicit: Int? = nil) throws -> Tensor {
  let ax = try classAxis("cross_entropy_backward", input: logits.shape, target: target.shape, explicit: explicit)
  let k = (try scalarGrad("cross_entropy_backward", dy)) / Float(max(1, target.count))
  var p = try softmax(logits, axis: ax)
  try p.withUnsafeMutableBufferPointer { d in
    for i in 0..<d.count { d[i] *= k }
    try forEachTarget("cross_entropy_backward", input: logits.shape, axis: ax, target: target) { _, j, _ in d[j] -= k }
  }
  return p
}
