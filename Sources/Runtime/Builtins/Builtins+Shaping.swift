import Autodiff
import IR
import Tensor

extension BuiltinTable {
  static let shaping: [String: BuiltinImpl] = [
    "reshape": { i, a, op in
      let shape = try i.ints(a[1], op)
      if case .intTensor(let t, nil) = a[0] { return .intTensor(try t.reshaped(shape), nil) }
      return .tensor(try i.prim(.reshape(try i.tensor(a[0], op).value.reshaped(shape).shape), [try i.tensor(a[0], op)], op))
    },
    "transpose": { i, a, op in
      let (x, y) = (try i.int(a[1], op, "axis"), try i.int(a[2], op, "axis"))
      if case .intTensor(let t, nil) = a[0] { return .intTensor(try t.transposed(x, y), nil) }
      let v = try i.tensor(a[0], op)
      var perm = Array(0..<v.shape.count)
      let (p, q) = (x < 0 ? x + perm.count : x, y < 0 ? y + perm.count : y)
      guard perm.indices.contains(p), perm.indices.contains(q) else {
        throw RuntimeError("transpose: axes \(x), \(y) out of range for shape \(shapeString(v.shape))", at: op.span)
      }
      perm.swapAt(p, q)
      return .tensor(try i.prim(.permute(perm), [v], op))
    },
    "concat": { i, a, op in try i.join(a[0], axis: try i.int(a[1], op, "axis"), newAxis: false, op) },
    "stack": { i, a, op in try i.join(a[0], axis: try i.int(a[1], op, "axis"), newAxis: true, op) },
    "unsqueeze": { i, a, op in
      let v = try i.tensor(a[0], op)
      let ax = try i.int(a[1], op, "axis")
      let r = v.shape.count + 1
      let p = ax < 0 ? ax + r : ax
      guard p >= 0 && p < r else { throw RuntimeError("unsqueeze: axis \(ax) out of range", at: op.span) }
      var s = v.shape
      s.insert(1, at: p)
      if case .intTensor(let t, nil) = a[0] { return .intTensor(try t.reshaped(s), nil) }
      return .tensor(try i.prim(.reshape(s), [v], op))
    },
    "flatten": { i, a, op in
      let v = try i.tensor(a[0], op)
      guard let b = v.shape.first else { throw RuntimeError("flatten: needs a tensor with an axis 0", at: op.span) }
      return .tensor(try i.prim(.reshape([b, v.value.count / max(b, 1)]), [v], op))
    },
    "pad": { i, a, op in
      let v = try i.tensor(a[0], op)
      let p = try i.int(a[1], op, "padding")
      guard v.shape.count >= 2 else { throw RuntimeError("pad: needs at least two axes, got \(shapeString(v.shape))", at: op.span) }
      let pads = Array(repeating: (0, 0), count: v.shape.count - 2) + [(p, p), (p, p)]
      return .tensor(try i.prim(.pad(pads, value: Float(try i.double(a[2], op))), [v], op))
    },
    "upsample": { i, a, op in
      let v = try i.tensor(a[0], op)
      let s = try i.int(a[1], op, "scale")
      guard let mode = UpsampleMode(rawValue: try i.string(a[2], op)) else {
        throw RuntimeError("upsample: mode must be \"nearest\" or \"bilinear\"", at: op.span)
      }
      guard v.shape.count == 4, s >= 1 else { throw RuntimeError("upsample: needs [N, C, H, W] and scale ≥ 1", at: op.span) }
      let (h, w) = (try TensorSize.product(v.shape[2], s, op: "upsample", "height \(v.shape[2]) × \(s)"),
                    try TensorSize.product(v.shape[3], s, op: "upsample", "width \(v.shape[3]) × \(s)"))
      try TensorSize.check([v.shape[0], v.shape[1], h, w], op: "upsample")
      return .tensor(try i.prim(.upsample(height: h, width: w, mode: mode), [v], op))
    },
    "diff": { i, a, op in .tensor(try i.prim(.diff(axis: try i.int(a[1], op, "axis")), [try i.tensor(a[0], op)], op)) },
  ]
}

extension Interpreter {
  /// `concat` (existing axis) and `stack` (new axis) of a list of tensors.
  func join(_ list: Value, axis: Int, newAxis: Bool, _ op: IR.Op) throws -> Value {
    guard case .list(let xs) = list, !xs.isEmpty else { throw RuntimeError("expected a non-empty list of tensors", at: op.span) }
    if xs.allSatisfy({ if case .intTensor(_, nil) = $0 { return true }; return false }) {
      var parts = try xs.map { try intTensor($0, op) }
      if newAxis {
        let r = parts[0].rank + 1, p = axis < 0 ? axis + r : axis
        parts = try parts.map { t in var s = t.shape; s.insert(1, at: max(0, min(p, t.rank))); return try t.reshaped(s) }
        return .intTensor(try IntTensor.concat(parts, axis: p), nil)
      }
      return .intTensor(try IntTensor.concat(parts, axis: axis), nil)
    }
    var parts = try xs.map { try tensor($0, op) }
    var ax = axis
    if newAxis {
      let r = parts[0].shape.count + 1
      ax = axis < 0 ? axis + r : axis
      guard ax >= 0 && ax < r else { throw RuntimeError("stack: axis \(axis) out of range", at: op.span) }
      parts = try parts.map { v in var s = v.shape; s.insert(1, at: min(ax, s.count)); return try prim(.reshape(s), [v], op) }
    }
    return .tensor(try prim(.concat(axis: ax), parts, op))
  }
}
