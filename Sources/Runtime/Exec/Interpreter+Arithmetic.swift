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
    case (.intTensor(let a, let la), .intTensor(let c, let lc)) where la == nil && lc == nil:
      return try intTensorBinary(b, a, c, op)
    case (.intTensor(let a, nil), .int(let c)): return try intTensorBinary(b, a, IntTensor(scalar: Int32(c)), op)
    case (.int(let a), .intTensor(let c, nil)): return try intTensorBinary(b, IntTensor(scalar: Int32(a)), c, op)
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
    let zipOp: ZipOp
    switch b {
    case .add: zipOp = .add
    case .sub: zipOp = .sub
    case .mul: zipOp = .mul
    case .div: zipOp = .div
    case .matmul:
      if op.record && tape.isRecording { return .tensor(try tape.matmul(x, y)) }
      return .tensor(try x.value.matmul(y.value))
    // Comparisons give 0/1 Float tensors and carry no gradient.
    case .lt: return .tensor(try x.value.zip(y.value, .less))
    case .le: return .tensor(try x.value.zip(y.value, .lessEqual))
    case .gt: return .tensor(try x.value.zip(y.value, .greater))
    case .ge: return .tensor(try x.value.zip(y.value, .greaterEqual))
    case .eq: return .tensor(try x.value.zip(y.value, .equal))
    case .ne: return .tensor(try x.value.zip(y.value, .notEqual))
    case .mod:
      let q = try x.value.zip(y.value, .div).map(.floor)
      return .tensor(try x.value - q * y.value)
    case .and, .or: throw RuntimeError("operator '\(b.rawValue)' needs Bool operands", at: op.span)
    }
    return .tensor(try prim(.binary(zipOp), [x, y], op))
  }

  func intTensorBinary(_ b: Language.BinaryOp, _ x: IntTensor, _ y: IntTensor, _ op: IR.Op) throws -> Value {
    // Integer arithmetic on indices stays integral; division truncates like Int.
    let fx = x.map { Float($0) }, fy = y.map { Float($0) }
    func back(_ t: Tensor) -> Value { .intTensor(t.map { Int32($0.rounded(.towardZero)) }, nil) }
    switch b {
    case .add: return back(try fx.zip(fy, .add))
    case .sub: return back(try fx.zip(fy, .sub))
    case .mul: return back(try fx.zip(fy, .mul))
    case .div: return back(try fx.zip(fy, .div))
    case .mod:
      let q = try fx.zip(fy, .div).map(.floor)
      return back(try fx - q * fy)
    default: return try tensorBinary(b, Var(constant: fx), Var(constant: fy), op)
    }
  }

  func unary(_ u: Language.UnaryOp, _ x: Value, _ op: IR.Op) throws -> Value {
    switch (u, x) {
    case (.neg, .int(let i)):
      guard i != .min else { throw RuntimeError("integer overflow: -(\(i)) is outside the 64-bit Int range", at: op.span) }
      return .int(-i)
    case (.neg, .float(let f)): return .float(-f)
    case (.neg, .intTensor(let t, nil)): return .intTensor(t.map { -$0 }, nil)
    case (.neg, .tensor), (.neg, .intTensor): return .tensor(try prim(.unary(.neg), [try tensor(x, op)], op))
    case (.not, .bool(let b)): return .bool(!b)
    default: throw RuntimeError("operator '\(u.rawValue)' cannot apply to \(x.typeName)", at: op.span)
    }
  }
}
