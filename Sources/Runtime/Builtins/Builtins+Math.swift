import Autodiff
import Foundation
import IR
import Tensor

extension BuiltinTable {
  /// An elementwise registry entry (`exp`, `round`) from its `MapOp` kernel: numbers map in
  /// Double; tensors through the tape when the op has a gradient, on the values otherwise.
  static func elementwise(_ m: MapOp) -> BuiltinImpl {
    { i, a, op in
      if let s = try i.scalarArg(a[0], op) { return .float(m.apply(s)) }
      if m.isDifferentiable { return .tensor(try i.prim(.unary(m), [try i.tensor(a[0], op)], op)) }
      return .tensor(try i.tensor(a[0], op).value.map(m))
    }
  }

  static let math: [String: BuiltinImpl] = {
    var t: [String: BuiltinImpl] = [:]
    t["pow"] = { i, a, op in
      let e = try i.double(a[1], op, "exponent")
      if let s = try i.scalarArg(a[0], op) { return .float(Foundation.pow(s, e)) }
      return .tensor(try i.prim(.binary(.pow), [try i.tensor(a[0], op), Var(constant: Tensor(scalar: Float(e)))], op))
    }
    t["clip"] = { i, a, op in
      let (lo, hi) = (try i.double(a[1], op, "lo"), try i.double(a[2], op, "hi"))
      if let s = try i.scalarArg(a[0], op) { return .float(min(max(s, lo), hi)) }
      let up = try i.prim(.binary(.maximum), [try i.tensor(a[0], op), Var(constant: Tensor(scalar: Float(lo)))], op)
      return .tensor(try i.prim(.binary(.minimum), [up, Var(constant: Tensor(scalar: Float(hi)))], op))
    }
    t["leaky_relu"] = { i, a, op in
      let slope = Float(try i.double(a[1], op, "slope"))
      let x = try i.tensor(a[0], op)
      return .tensor(try i.prim(.binary(.maximum), [x, try i.prim(.scale(slope), [x], op)], op))
    }
    t["softmax"] = { i, a, op in .tensor(try i.prim(.softmax(axis: try i.int(a[1], op, "axis")), [try i.tensor(a[0], op)], op)) }
    t["log_softmax"] = { i, a, op in .tensor(try i.prim(.logSoftmax(axis: try i.int(a[1], op, "axis")), [try i.tensor(a[0], op)], op)) }
    return t
  }()

  static let reductions: [String: BuiltinImpl] = {
    var t: [String: BuiltinImpl] = [:]
    for (name, r) in [("sum", ReduceOp.sum), ("mean", .mean), ("max", .max), ("min", .min)] {
      t[name] = { i, a, op in
        // The scalar form `min(a, b)` / `max(a, b)` (the checker picked it for numbers).
        if a.count == 2, r == .max || r == .min, let x = try i.scalarArg(a[0], op), let y = try i.scalarArg(a[1], op) {
          if case .int(let p) = a[0], case .int(let q) = a[1] { return .int(r == .max ? Swift.max(p, q) : Swift.min(p, q)) }
          return .float(x.isNaN || y.isNaN ? .nan : (r == .max ? Swift.max(x, y) : Swift.min(x, y)))
        }
        let keep = try i.bool(a[2], op)
        if case .intTensor(let t, nil) = a[0], r != .mean {  // exact, in Int64
          let axes = try i.reductionAxes(a[1], rank: t.rank, op)
          let y = try t.reducedExactly(r, axes: axes)
          guard keep, case .none = a[1] else {
            return .intTensor(keep ? try y.reshaped(t.shape.indices.map { axes.contains($0) ? 1 : t.shape[$0] }) : y, nil)
          }
          return .intTensor(try y.reshaped(t.shape.map { _ in 1 }), nil)
        }
        let x = try i.tensor(a[0], op)
        if case .list = a[1] {  // several axes
          return .tensor(try i.reduce(x, axes: a[1], keepDims: keep, op) { v, axis in try i.prim(.reduce(r, axis: axis, keepDims: false), [v], op) })
        }
        return .tensor(try i.prim(.reduce(r, axis: try i.optionalInt(a[1], op, "axis"), keepDims: keep), [x], op))
      }
    }
    for (name, isMax) in [("argmax", true), ("argmin", false)] {
      t[name] = { i, a, op in
        let axis = try i.optionalInt(a[1], op, "axis")
        let x = try i.tensor(a[0], op).value
        var y = try x.argReduce(max: isMax, axis: axis)
        if try i.bool(a[2], op) {
          var s = x.shape
          if let axis { s[axis < 0 ? axis + s.count : axis] = 1 } else { s = s.map { _ in 1 } }
          y = try y.reshaped(s)
        }
        return .intTensor(y, nil)
      }
    }
    return t
  }()
}

extension Interpreter {
  /// The number in a scalar argument (Int or Float), or nil for a tensor.
  func scalarArg(_ v: Value, _ op: IR.Op) throws -> Double? {
    switch v {
    case .int(let n): return Double(n)
    case .float(let f): return f
    default: return nil
    }
  }
}
