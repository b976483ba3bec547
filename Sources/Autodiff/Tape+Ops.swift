import Tensor

/// Convenience spellings of `Tape.apply` for the Swift API.
extension Tape {
  public func add(_ a: Var, _ b: Var) throws -> Var { try apply(.binary(.add), [a, b]) }
  public func sub(_ a: Var, _ b: Var) throws -> Var { try apply(.binary(.sub), [a, b]) }
  public func mul(_ a: Var, _ b: Var) throws -> Var { try apply(.binary(.mul), [a, b]) }
  public func div(_ a: Var, _ b: Var) throws -> Var { try apply(.binary(.div), [a, b]) }
  public func unary(_ op: MapOp, _ a: Var) throws -> Var { try apply(.unary(op), [a]) }
  public func relu(_ a: Var) throws -> Var { try apply(.unary(.relu), [a]) }
  public func scale(_ a: Var, _ s: Float) throws -> Var { try apply(.scale(s), [a]) }
  public func sum(_ a: Var, axis: Int? = nil, keepDims: Bool = false) throws -> Var {
    try apply(.reduce(.sum, axis: axis, keepDims: keepDims), [a])
  }
  public func mean(_ a: Var, axis: Int? = nil, keepDims: Bool = false) throws -> Var {
    try apply(.reduce(.mean, axis: axis, keepDims: keepDims), [a])
  }
  public func reshape(_ a: Var, _ shape: [Int]) throws -> Var { try apply(.reshape(shape), [a]) }

  /// Matrix product; rank-1 operands are treated as a row (left) or a column (right) vector.
  public func matmul(_ a: Var, _ b: Var) throws -> Var {
    let a2 = a.value.rank == 1 ? try reshape(a, [1, a.value.count]) : a
    let b2 = b.value.rank == 1 ? try reshape(b, [b.value.count, 1]) : b
    let y = try apply(.matmul, [a2, b2])
    if a.value.rank == 1 || b.value.rank == 1 { return try reshape(y, try a.value.matmul(b.value).shape) }
    return y
  }
}
