import Autodiff
import IR
import Tensor

/// Several index tensors in one subscript: `t[rows, cols]` pairs them element by element
/// (NumPy's and PyTorch's advanced indexing), so `x[arange(n), labels]` picks one element
/// per row. The picks are one `gather` of the merged axes (a permute and a reshape around
/// it), so the gradient adds back into the picked positions as for a single index tensor.
extension Interpreter {
  /// `v` indexed on `picks` (axis, index), the axes in increasing order: the indices are
  /// broadcast to a common shape, which takes the place of the first picked axis when the
  /// axes are adjacent, else comes first.
  func pairedGather<T: Subscriptable>(_ v: T, _ picks: [(axis: Int, index: IntTensor)], _ op: IR.Op) throws -> T {
    let shape = v.shape
    var common: [Int] = []
    for (_, idx) in picks {
      guard let s = Broadcast.shape(common, idx.shape) else {
        throw RuntimeError("index tensors are paired element by element, but shapes \(shapeString(common)) and \(shapeString(idx.shape)) cannot be broadcast together",
                           at: op.span, notes: ["for every row with every column, index one axis at a time: t[rows][:, cols]"])
      }
      common = s
    }
    let axes = picks.map(\.axis)
    let extents = axes.map { shape[$0] }
    let merged = extents.reduce(1, *)
    guard merged <= Int(Int32.max) else {
      throw RuntimeError("index tensors address \(merged) positions, more than an IntTensor holds", at: op.span)
    }
    // The position of each pick in the merged axes, row-major over `extents`.
    var flat = [Int32](repeating: 0, count: common.reduce(1, *))
    var stride = 1
    for (k, pick) in picks.enumerated().reversed() {
      let values = try pick.index.stretched(to: common).scalars
      let n = extents[k]
      for (i, j) in values.enumerated() {
        guard j >= 0 && Int(j) < n else {
          throw RuntimeError("index \(j) is out of range 0..<\(n) on axis \(pick.axis) of \(shapeString(shape))", at: op.span)
        }
        flat[i] += Int32(Int(j) * stride)
      }
      stride *= n
    }
    let rest = (0..<shape.count).filter { !axes.contains($0) }
    var x = v
    if axes + rest != Array(0..<shape.count) { x = try x.applying(.permute(axes + rest), self, op) }
    x = try x.applying(.reshape([merged] + rest.map { shape[$0] }), self, op)
    x = try x.applying(.gather(try IntTensor(shape: common, scalars: flat), axis: 0), self, op)
    // Adjacent index tensors put the common shape where the first one was.
    let at = axes[0], b = common.count
    guard at > 0, axes == Array(at..<(at + axes.count)) else { return x }
    return try x.applying(.permute(Array(b..<(b + at)) + Array(0..<b) + Array((b + at)..<(b + rest.count))), self, op)
  }
}

/// The base of a tensor subscript: a Tensor's layout steps are recorded on the tape (so the
/// gradient flows back through them); an IntTensor's are applied directly, exactly (no
/// round trip through Float, which would round values beyond 2^24).
protocol Subscriptable {
  var shape: [Int] { get }
  /// `self` after one layout step: `.slice`, `.reshape`, `.permute` or `.gather`.
  func applying(_ step: Primitive, _ interpreter: Interpreter, _ op: IR.Op) throws -> Self
}

extension Var: Subscriptable {
  func applying(_ step: Primitive, _ interpreter: Interpreter, _ op: IR.Op) throws -> Var {
    try interpreter.prim(step, [self], op)
  }
}

extension IntTensor: Subscriptable {
  func applying(_ step: Primitive, _ interpreter: Interpreter, _ op: IR.Op) throws -> IntTensor {
    switch step {
    case .slice(let r): return try sliced(r)
    case .reshape(let s): return try reshaped(s)
    case .permute(let p): return try permuted(p)
    case .gather(let idx, let axis): return try gathered(idx, axis: axis)
    default: throw RuntimeError("\(step) is not a step of a subscript", at: op.span)
    }
  }
}
