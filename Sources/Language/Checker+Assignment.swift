extension Checker {
  /// `t[items] = value` on a tensor variable `t` of type `bt`: the items address a region
  /// (Ints drop an axis, slices keep it) that the value must fill by broadcasting. Index
  /// tensors cannot be assigned through: `scatter_add` and `where` say what to do with
  /// repeated or masked positions.
  func checkElementAssignment(_ bt: ValueType, _ items: [IndexItem], _ target: Expr, _ value: Expr, _ vt: ValueType) {
    guard bt.isTensor else { return }
    for case .expr(let x) in items {
      if case .intTensor? = types[x.id] {
        diags.error("cannot assign through an IntTensor index", at: x.span,
                    notes: [Note("add values at indices with scatter_add(t, idx, src, axis:), or replace them with where(mask, value, t)")])
        return
      }
    }
    let region = indexResult(bt, items, target)
    if vt.isLenient || region.isLenient { return }
    if case .intTensor = bt, vt == .float || { if case .tensor = vt { return true }; return false }() {
      diags.error("cannot assign \(vt) into an IntTensor", at: value.span, notes: [Note("convert with int(…)")])
      return
    }
    guard vt.isTensor || vt.isNumericScalar else {
      diags.error("cannot assign a value of type \(vt) into a tensor", at: value.span)
      return
    }
    guard let rs = region.shape else { return }
    let vs: [Dim]? = vt.isNumericScalar ? [] : vt.shape
    let fits: Bool
    switch ShapeRules.broadcast(vs, rs) {
    case .success(let s?): fits = shapesMatch(s, rs)
    case .success(nil): fits = true
    case .failure: fits = false
    }
    if !fits, let vs {
      diags.error("a value of shape \(shapeText(vs)) does not fit the region of shape \(shapeText(rs)) it is assigned to", at: value.span)
    }
  }
}

extension Checker {
  /// The element type `xs[i]` or `m[i][j]` addresses in a list variable of type `root` (one
  /// Int index per list level, as the run sets list elements), or nil when it is not that.
  func listElement(of target: Expr, root: ValueType) -> ValueType? {
    guard case .index(let base, let items) = target.kind else { return root }
    guard case .list(let elem, _)? = listElement(of: base, root: root), items.count == 1, case .expr = items[0] else { return nil }
    return elem
  }

  /// `xs[i] = value` (or `xs[i] op= value`) into a list element of type `elem`: the value
  /// must fit the element, and an Int stored into a list of Floats is converted.
  func checkListElementAssignment(_ elem: ValueType?, _ target: Expr, op: BinaryOp?, value: Expr, _ vt: ValueType, stmt: Stmt) {
    guard let elem, !elem.isLenient, !vt.isLenient else { return }
    let newType = op.map { binaryType($0, elem, vt, opSpan: stmt.span, operands: (target, value)) ?? .error } ?? vt
    if newType == .error { return }
    if !(op == nil ? fits(value, vt, as: elem) : assignable(newType, to: elem)) {
      diags.error("cannot assign a value of type \(newType) to an element of type \(elem)", at: value.span)
    }
  }
}
