import Autodiff
import IR
import Tensor

extension BuiltinTable {
  static let losses: [String: BuiltinImpl] = [
    // Broadcasts its operands like the arithmetic operators (the checker's rule, docs/language.md).
    "mse": { i, a, op in
      var (x, y) = (try i.tensor(a[0], op), try i.tensor(a[1], op))
      if x.shape != y.shape {
        guard let s = Broadcast.shape(x.shape, y.shape) else {
          throw RuntimeError("mse: shapes \(shapeString(x.shape)) and \(shapeString(y.shape)) do not broadcast", at: op.span)
        }
        if x.shape != s { x = try i.prim(.broadcast(s), [x], op) }
        if y.shape != s { y = try i.prim(.broadcast(s), [y], op) }
      }
      return .tensor(try i.prim(.mse, [x, y], op))
    },
    "nll": { i, a, op in
      .tensor(try i.prim(.nll(target: try i.intTensor(a[1], op, "target"), classAxis: nil), [try i.tensor(a[0], op)], op))
    },
    "cross_entropy": { i, a, op in
      .tensor(try i.prim(.crossEntropy(target: try i.intTensor(a[1], op, "target"), classAxis: nil), [try i.tensor(a[0], op)], op))
    },
    // Soft Dice 2Σab / (Σa + Σb), differentiable; two empty inputs score 1.
    "dice": { i, a, op in
      let x = try i.tensor(a[0], op), y = try i.tensor(a[1], op)
      let inter = try i.prim(.reduce(.sum, axis: nil, keepDims: false), [try i.prim(.binary(.mul), [x, y], op)], op)
      let total = try i.prim(.reduce(.sum, axis: nil, keepDims: false), [try i.prim(.binary(.add), [x, y], op)], op)
      let num = try i.prim(.shift(1e-6), [try i.prim(.scale(2), [inter], op)], op)
      return .tensor(try i.prim(.binary(.div), [num, try i.prim(.shift(1e-6), [total], op)], op))
    },
  ]
}
