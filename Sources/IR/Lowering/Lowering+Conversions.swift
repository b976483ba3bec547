import Language

/// Where the checker accepts an Int for a Float (`CheckedProgram.conversions`), the lowering
/// converts the value, so every IR value typed Float holds a Float: a constant is written as
/// a Float constant, a list or tuple literal converts its elements, and any other value is
/// converted after it is computed (`builtin.float`; a list element by element in a loop).
extension Lowering {
  static let float = Builtins.id("float")

  /// Lowers `e` as a value of type `to` (the checker's conversion of it).
  mutating func converted(_ e: Expr, to: ValueType) -> ValueID {
    let from = program.types[e.id] ?? .any
    switch e.kind {
    case .name, .int, .unary, .binary:  // the kinds `unconverted` writes as the checker's constant
      if let c = program.constants[e.id], !from.isTensor { return constant(c.converted(to: to), e.span, type: to) }
    case .list(let xs):
      if case .list(let elem, _) = to { return emit(.list, xs.map { element($0, as: elem) }, to, e.span) }
    case .tuple(let xs):
      if case .tuple(let ts) = to, ts.count == xs.count { return emit(.tuple, zip(xs, ts).map { element($0, as: $1) }, to, e.span) }
    default: break
    }
    return convert(unconverted(e), from: from, to: to, e.span)
  }

  /// An element of a converted list or tuple literal, lowered as a value of type `t`.
  mutating func element(_ x: Expr, as t: ValueType) -> ValueID {
    guard overrides[x.id] == nil, let to = (program.types[x.id] ?? .any).converted(to: t) else { return expr(x) }
    return converted(x, to: to)
  }

  /// Value `v` of type `from` converted to type `to`, which differs from it only where an
  /// Int becomes a Float.
  mutating func convert(_ v: ValueID, from: ValueType, to: ValueType, _ span: Span) -> ValueID {
    switch (from, to) {
    case (.int, .float):
      return emit(.builtin(Self.float), [v], .float, span)
    case (.tuple(let xs), .tuple(let ys)) where xs.count == ys.count && xs != ys:
      let parts = zip(xs, ys).enumerated().map { i, t in convert(emit(.member(String(i)), [v], t.0, span), from: t.0, to: t.1, span) }
      return emit(.tuple, parts, to, span)
    case (.list(let a, _), .list(let b, _)) where a != b:
      return convertList(v, from: a, to: b, span)
    default:
      return v
    }
  }

  /// A list value's elements converted one by one:
  /// `var out = []; for x in v { out = out + [convert(x)] }; out`.
  mutating func convertList(_ v: ValueID, from a: ValueType, to b: ValueType, _ span: Span) -> ValueID {
    let type = ValueType.list(b, count: nil)
    let cell = emit(.varNew("converted"), [constant(.list([]), span, type: type)], type, span)
    let x = fresh()
    let body = region(params: [x]) { l in
      let y = l.convert(x, from: a, to: b, span)
      let old = l.emit(.varGet, [cell], type, span)
      let appended = l.emit(.binary(.add), [old, l.emit(.list, [y], .list(b, count: 1), span)], type, span)
      l.emitVoid(.varSet, [cell, appended], span)
    }
    emitVoid(.forEach, [v], span, regions: [body])
    return emit(.varGet, [cell], type, span)
  }
}
