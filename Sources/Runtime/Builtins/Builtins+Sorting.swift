import Autodiff
import IR
import Language
import Tensor

/// `sort`, `argsort`, `topk`: a stable permutation along an axis (`Tensor.argsort`); the
/// values are a per-row gather through it, so their gradient goes back through the
/// permutation (`Primitive.takeAlong`).
extension BuiltinTable {
  static let sorting: [String: BuiltinImpl] = [
    "sort": { i, a, op in
      let axis = try i.int(a[1], op, "axis")
      let order = try i.sortOrder(a[0], axis: axis, descending: try i.bool(a[2], op), op)
      return try i.takeAlong(a[0], order, axis: axis, op)
    },
    "argsort": { i, a, op in
      .intTensor(try i.sortOrder(a[0], axis: try i.int(a[1], op, "axis"), descending: try i.bool(a[2], op), op), nil)
    },
    "topk": { i, a, op in
      let (k, axis) = (try i.int(a[1], op, "k"), try i.int(a[2], op, "axis"))
      let order = try i.sortOrder(a[0], axis: axis, descending: try i.bool(a[3], op), op)
      let ax = axis < 0 ? axis + order.rank : axis
      guard k >= 0, k <= order.shape[ax] else {
        throw RuntimeError("topk: k = \(k) must be in 0...\(order.shape[ax]), the size of axis \(axis)", at: op.span)
      }
      let best = try order.sliced(Array(repeating: .all, count: ax) + [SliceRange(0, k)])
      return .tuple([try i.takeAlong(a[0], best, axis: axis, op), .intTensor(best, nil)])
    },
  ]
}

extension Interpreter {
  /// The stable sorting permutation of a tensor argument along `axis`.
  func sortOrder(_ v: Value, axis: Int, descending: Bool, _ op: IR.Op) throws -> IntTensor {
    if case .intTensor(let t, nil) = v {  // compared exactly, not as Floats
      guard ShapeRules.axis(axis, rank: t.rank) != nil else {
        throw RuntimeError("axis \(axis) is out of range for a tensor of shape \(shapeString(t.shape))", at: op.span)
      }
      return try t.argsort(axis: axis, descending: descending)
    }
    let x = try tensor(v, op).value
    guard ShapeRules.axis(axis, rank: x.rank) != nil else {
      throw RuntimeError("axis \(axis) is out of range for a tensor of shape \(shapeString(x.shape))", at: op.span)
    }
    return try x.argsort(axis: axis, descending: descending)
  }

  /// `x` gathered along `axis` by `index`: an IntTensor stays one; a tensor is recorded.
  func takeAlong(_ v: Value, _ index: IntTensor, axis: Int, _ op: IR.Op) throws -> Value {
    if case .intTensor(let t, nil) = v { return .intTensor(try t.takingAlong(index, axis: axis), nil) }
    return .tensor(try prim(.takeAlong(index, axis: axis), [try tensor(v, op)], op))
  }
}
