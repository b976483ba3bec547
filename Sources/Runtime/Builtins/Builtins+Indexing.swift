import Autodiff
import IR
import Tensor

/// `one_hot`, `where`, `gather`, `scatter_add`.
extension BuiltinTable {
  static let indexing: [String: BuiltinImpl] = [
    "one_hot": { i, a, op in
      guard case .intTensor(let idx, _) = a[0] else {
        throw RuntimeError("one_hot: needs an IntTensor of class indices, got \(a[0].typeName)", at: op.span)
      }
      return .tensor(try idx.oneHot(classes: try i.int(a[1], op, "class count")))
    },
    "where": { i, a, op in
      let mask = try i.tensor(a[0], op, "condition").value.map { $0 != 0 ? Float(1) : 0 }
      if let x = try Interpreter.integerValue(a[1], op), let y = try Interpreter.integerValue(a[2], op) {
        return .intTensor(try IntTensor.select(mask, x, y), nil)
      }
      return .tensor(try i.prim(.select(weight: mask), [try i.tensor(a[1], op), try i.tensor(a[2], op)], op))
    },
    "gather": { i, a, op in
      try i.takeAlong(a[0], try i.indexTensor(a[1], op), axis: try i.int(a[2], op, "axis"), op)
    },
    "scatter_add": { i, a, op in
      let (idx, axis) = (try i.indexTensor(a[1], op), try i.int(a[3], op, "axis"))
      if let x = try Interpreter.integerValue(a[0], op), let src = try Interpreter.integerValue(a[2], op) {
        return .intTensor(try x.scatteringAdd(idx, src, axis: axis), nil)
      }
      return .tensor(try i.prim(.scatterAdd(idx, axis: axis), [try i.tensor(a[0], op), try i.tensor(a[2], op)], op))
    },
  ]
}

extension Interpreter {
  /// An IntTensor or Int argument as an IntTensor (nil for anything real-valued); an Int
  /// beyond Int32 is an error, as an IntTensor cannot hold it.
  static func integerValue(_ v: Value, _ op: IR.Op) throws -> IntTensor? {
    switch v {
    case .intTensor(let t, nil): return t
    case .int(let n): return IntTensor(scalar: try int32(n, op))
    default: return nil
    }
  }

  /// An Int as an IntTensor element: one outside Int32 is an error at the op.
  static func int32(_ n: Int, _ op: IR.Op) throws -> Int32 {
    guard let w = Int32(exactly: n) else {
      throw RuntimeError("\(n) is outside the Int32 range \(int32Range) of an IntTensor", at: op.span,
                         notes: ["write it as a Float (\(n).0)"])
    }
    return w
  }

  /// An index argument, which must be an IntTensor.
  func indexTensor(_ v: Value, _ op: IR.Op) throws -> IntTensor {
    guard case .intTensor(let t, _) = v else {
      throw RuntimeError("expected an IntTensor of indices, got \(v.typeName)", at: op.span, notes: ["convert with int(…)"])
    }
    return t
  }
}
