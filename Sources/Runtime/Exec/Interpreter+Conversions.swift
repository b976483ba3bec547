import Autodiff
import IR
import Tensor

/// Reading Swift values out of dpl values, with errors at the op's span.
extension Interpreter {
  func int(_ v: Value, _ op: IR.Op, _ what: String = "value") throws -> Int {
    switch v {
    case .int(let i): return i
    case .intTensor(let t, _) where t.count == 1: return Int(t[flat: 0])
    default: throw RuntimeError("expected an Int \(what), got \(v.typeName)", at: op.span)
    }
  }

  func double(_ v: Value, _ op: IR.Op, _ what: String = "value") throws -> Double {
    switch v {
    case .int(let i): return Double(i)
    case .float(let f): return f
    case .tensor(let t, _) where t.value.count == 1: return Double(t.value[flat: 0])
    case .intTensor(let t, _) where t.count == 1: return Double(t[flat: 0])
    default: throw RuntimeError("expected a Float \(what), got \(v.typeName)", at: op.span)
    }
  }

  func bool(_ v: Value, _ op: IR.Op) throws -> Bool {
    switch v {
    case .bool(let b): return b
    case .tensor(let t, _) where t.value.count == 1: return t.value[flat: 0] != 0
    default: throw RuntimeError("expected a Bool, got \(v.typeName)", at: op.span)
    }
  }

  func string(_ v: Value, _ op: IR.Op) throws -> String {
    guard case .string(let s) = v else { throw RuntimeError("expected a String, got \(v.typeName)", at: op.span) }
    return s
  }

  /// A Float tensor view of a value: tensors as they are, index tensors as Floats (through
  /// their bypass shadow when they have one), numbers as 0-d tensors.
  func tensor(_ v: Value, _ op: IR.Op, _ what: String = "argument") throws -> Var {
    switch v {
    case .tensor(let t, _): return t
    case .parameter(let p): return Var(constant: p.value)
    case .intTensor(let t, let link): return link?.shadow ?? Var(constant: t.map { Float($0) })
    case .int(let i): return Var(constant: Tensor(scalar: Float(i)))
    case .float(let f): return Var(constant: Tensor(scalar: Float(f)))
    case .bool(let b): return Var(constant: Tensor(scalar: b ? 1 : 0))
    case .list: return Var(constant: try tensorLiteral(v, op))
    default: throw RuntimeError("expected a Tensor \(what), got \(v.typeName)", at: op.span)
    }
  }

  func intTensor(_ v: Value, _ op: IR.Op, _ what: String = "argument") throws -> IntTensor {
    switch v {
    case .intTensor(let t, _): return t
    case .tensor(let t, _): return try t.value.truncatedToInt32()
    case .int(let n): return IntTensor(scalar: try Self.int32(n, op))
    default: throw RuntimeError("expected an IntTensor \(what), got \(v.typeName)", at: op.span)
    }
  }

  /// A list of Ints (shapes, paddings).
  func ints(_ v: Value, _ op: IR.Op, _ what: String = "shape") throws -> [Int] {
    switch v {
    case .list(let xs), .tuple(let xs): return try xs.map { try int($0, op, what) }
    case .intTensor(let t, _): return t.scalars.map(Int.init)
    case .int(let i): return [i]
    default: throw RuntimeError("expected a list of Ints for the \(what), got \(v.typeName)", at: op.span)
    }
  }

  /// A nested list of numbers as a tensor.
  func tensorLiteral(_ v: Value, _ op: IR.Op) throws -> Tensor {
    var shape: [Int] = [], flat: [Float] = []
    func walk(_ v: Value, depth: Int) throws {
      switch v {
      case .list(let xs):
        if depth == shape.count { shape.append(xs.count) } else if shape[depth] != xs.count {
          throw RuntimeError("tensor: ragged nested list (rows of \(shape[depth]) and \(xs.count) elements)", at: op.span)
        }
        for x in xs { try walk(x, depth: depth + 1) }
      case .int, .float, .bool, .tensor, .intTensor:
        if depth != shape.count {
          throw RuntimeError("tensor: ragged nested list (a number beside a list)", at: op.span)
        }
        flat.append(Float(try double(v, op)))
      default: throw RuntimeError("tensor: expected numbers, got \(v.typeName)", at: op.span)
      }
    }
    try walk(v, depth: 0)
    return try Tensor(shape: shape, scalars: flat)
  }

  /// The Ints of a nested list of Ints, in order, each exactly (an IntTensor holds Int32).
  func flatInts(_ v: Value, _ op: IR.Op) throws -> [Int32] {
    switch v {
    case .int(let n):
      guard let w = Int32(exactly: n) else {
        throw RuntimeError("tensor: \(n) is outside the Int32 range \(int32Range) of an IntTensor", at: op.span,
                           notes: ["write it as a Float (\(n).0) for a Tensor"])
      }
      return [w]
    case .list(let xs): return try xs.flatMap { try flatInts($0, op) }
    default: return []
    }
  }

  /// Whether a nested list holds only Ints (so `tensor(…)` makes an IntTensor).
  static func isIntList(_ v: Value) -> Bool {
    switch v {
    case .int: return true
    case .list(let xs): return !xs.isEmpty && xs.allSatisfy(isIntList)
    default: return false
    }
  }
}
