/// An Int is accepted where a Float is expected (`assignable`), and two branches or list
/// elements of Int and Float join to Float (`join`). The value is then converted, never
/// reinterpreted: the checker records the type each such expression converts to in
/// `conversions`, and the lowering converts it there (a constant becomes a Float constant,
/// any other value goes through `builtin.float`; lists and tuples element by element). So an
/// IR value typed Float always holds a Float, and constant folding computes in Float.
extension ValueType {
  /// This type with each Int that meets a Float of `expected` made a Float (a list keeps its
  /// length); nil when no Int meets a Float, so nothing needs converting.
  public func converted(to expected: ValueType) -> ValueType? {
    switch (self, expected) {
    case (.int, .float): return .float
    case (.list(let a, let n), .list(let b, _)): return a.converted(to: b).map { .list($0, count: n) }
    case (.tuple(let xs), .tuple(let ys)) where xs.count == ys.count:
      let parts = zip(xs, ys).map { $0.converted(to: $1) }
      guard parts.contains(where: { $0 != nil }) else { return nil }
      return .tuple(zip(parts, xs).map { $0 ?? $1 })
    default: return nil
    }
  }
}

extension ConstValue {
  /// This constant as a value of type `t`: an Int where `t` has a Float becomes that Float.
  public func converted(to t: ValueType) -> ConstValue {
    switch (self, t) {
    case (.int(let v), .float): return .float(Double(v))
    case (.list(let xs), .list(let elem, _)): return .list(xs.map { $0.converted(to: elem) })
    default: return self
    }
  }
}

extension Checker {
  /// Whether `e` (of type `t`, already checked) may be used where `expected` is expected;
  /// when it may, records the conversion of an Int (or a list or tuple holding one) to Float.
  func fits(_ e: Expr, _ t: ValueType, as expected: ValueType) -> Bool {
    guard assignable(t, to: expected) else { return false }
    convert(e, to: expected)
    return true
  }

  /// Records that `e`'s value converts to `expected` where an Int meets a Float (nothing
  /// otherwise). A second conversion of one expression widens the first.
  func convert(_ e: Expr, to expected: ValueType) {
    guard let t = conversions[e.id] ?? types[e.id], let target = t.converted(to: expected) else { return }
    conversions[e.id] = target
  }

  /// `fits` for the value of block `b` (of type `t`): a function body's final value.
  func fitsValue(of b: Block, _ t: ValueType, as expected: ValueType) -> Bool {
    guard let e = Self.valueExpr(of: b) else { return assignable(t, to: expected) }
    return fits(e, t, as: expected)
  }

  /// The expression whose value a block has (its last statement), if any.
  static func valueExpr(of b: Block) -> Expr? {
    if case .expr(let e)? = b.stmts.last?.kind { return e }
    return nil
  }
}
