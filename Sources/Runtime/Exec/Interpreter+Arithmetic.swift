import Autodiff
import IR
import Language
import Tensor

/// Operators on values: numbers, strings, lists and tensors.
extension Interpreter {
  /// Applies a primitive; records it on the tape when the IR marked the op and a
  /// gradient block is running.
  func prim(_ p: Primitive, _ inputs: [Var], _ op: IR.Op) throws -> Var {
    if op.record && tape.isRecording { return try tape.apply(p, inputs) }
    return Var(constant: try p.forward(inputs.map(\.value)).0)
  }

  func binary(_ b: Language.BinaryOp, _ l: Value, _ r: Value, _ op: IR.Op) throws -> Value {
    if let x = Self.scalar(l), let y = Self.scalar(r) { return try scalarBinary(b, x, y, l, r, op) }
    switch (l, r) {
    case (.list(let a), .list(let c)) where b == .add: return .list(a + c)
    // IntTensors (without a bypass link, whose gradient path is a Float shadow) and Ints:
    // exact Int32 arithmetic; an Int beyond Int32 is an error, as is a result beyond it.
    case (.intTensor(_, nil), .intTensor(_, nil)), (.intTensor(_, nil), .int), (.int, .intTensor(_, nil)):
      if let x = try Self.integerValue(l, op), let y = try Self.integerValue(r, op) { return try intTensorBinary(b, x, y, op) }
    default: break
    }
    if Self.isTensorLike(l) || Self.isTensorLike(r) { return try tensorBinary(b, try tensor(l, op), try tensor(r, op), op) }
    throw RuntimeError("operator '\(b.rawValue)' cannot combine \(l.typeName) and \(r.typeName)", at: op.span)
  }

  static func isTensorLike(_ v: Value) -> Bool {
    switch v {
    case .tensor, .intTensor: return true
    default: return false
    }
  }

  /// An Int, Float, Bool or String value as the constant `ScalarArithmetic` computes on.
  static func scalar(_ v: Value) -> ConstValue? {
    switch v {
    case .int(let n): return .int(n)
    case .float(let f): return .float(f)
    case .bool(let b): return .bool(b)
    case .string(let s): return .string(s)
    default: return nil
    }
  }

  func scalarBinary(_ b: Language.BinaryOp, _ x: ConstValue, _ y: ConstValue, _ l: Value, _ r: Value, _ op: IR.Op) throws -> Value {
    switch ScalarArithmetic.apply(b, x, y) {
    case .success(let c): return Self.value(of: c, type: c.type)
    case .failure(.overflow):
      throw RuntimeError("integer overflow: \(x) \(b.rawValue) \(y) is outside the 64-bit Int range", at: op.span,
                         notes: ["convert to Float with float(…) for values this large"])
    case .failure(.divisionByZero): throw RuntimeError("integer division by zero", at: op.span)
    case .failure(.unsupported):
      throw RuntimeError("operator '\(b.rawValue)' cannot combine \(l.typeName) and \(r.typeName)", at: op.span)
    }
  }

  func tensorBinary(_ b: Language.BinaryOp, _ x: Var, _ y: Var, _ op: IR.Op) throws -> Value {
    if b == .matmul {
      if op.record && tape.isRecording { return .tensor(try tape.matmul(x, y)) }
      return .tensor(try x.value.matmul(y.value))
    }
    let k = try Self.zipOp(b, op)
    switch k {
    case .add, .sub, .mul, .div: return .tensor(try prim(.binary(k), [x, y], op))
    default: return .tensor(try x.value.zip(y.value, k))  // comparisons (0/1) and `%` carry no gradient
    }
  }

  /// IntTensor arithmetic, exact in Int32 (`/` truncates, `%` takes the divisor's sign; a
  /// result outside Int32 or a division by zero is an error at the operator). Comparisons
  /// give a 0/1 Tensor, as for Float tensors; `@` multiplies in Float.
  func intTensorBinary(_ b: Language.BinaryOp, _ x: IntTensor, _ y: IntTensor, _ op: IR.Op) throws -> Value {
    if b == .matmul { return try tensorBinary(b, Var(constant: x.map { Float($0) }), Var(constant: y.map { Float($0) }), op) }
    let z = try x.zip(y, try Self.zipOp(b, op))
    return b.isComparison ? .tensor(z.map { Float($0) }) : .intTensor(z, nil)
  }

  /// The elementwise kernel of an arithmetic or comparison operator.
  static func zipOp(_ b: Language.BinaryOp, _ op: IR.Op) throws -> ZipOp {
    switch b {
    case .add: return .add
    case .sub: return .sub
    case .mul: return .mul
    case .div: return .div
    case .mod: return .mod
    case .lt: return .less
    case .le: return .lessEqual
    case .gt: return .greater
    case .ge: return .greaterEqual
    case .eq: return .equal
    case .ne: return .notEqual
    case .and, .or: throw RuntimeError("operator '\(b.rawValue)' needs Bool operands", at: op.span)
    case .matmul: throw RuntimeError("operator '@' is not elementwise", at: op.span)
    }
  }

  func unary(_ u: Language.UnaryOp, _ x: Value, _ op: IR.Op) throws -> Value {
    switch (u, x) {
    case (.neg, .int(let i)):
      guard i != .min else { throw RuntimeError("integer overflow: -(\(i)) is outside the 64-bit Int range", at: op.span) }
      return .int(-i)
    case (.neg, .float(let f)): return .float(-f)
    case (.neg, .intTensor(let t, nil)): return .intTensor(try t.negated(), nil)
    case (.neg, .tensor), (.neg, .intTensor): return .tensor(try prim(.unary(.neg), [try tensor(x, op)], op))
    case (.not, .bool(let b)): return .bool(!b)
    default: throw RuntimeError("operator '\(u.rawValue)' cannot apply to \(x.typeName)", at: op.span)
    }
  }
}
