import Language

extension Lowering {
  /// Lowers a block's statements; returns the value of its last expression when asked.
  mutating func block(_ b: Block, valueUsed: Bool) -> ValueID? {
    var last: ValueID?
    for (i, s) in b.stmts.enumerated() {
      let isLast = i == b.stmts.count - 1
      if isLast, valueUsed, case .expr(let e) = s.kind {
        let t = program.types[e.id] ?? .any
        let v = expr(e)
        last = t == .void ? nil : v
      } else {
        stmt(s)
      }
    }
    return last
  }

  func isGlobal(_ id: Int) -> Bool { globalNames[id] != nil }

  mutating func stmt(_ s: Stmt) {
    switch s.kind {
    case .expr(let e): _ = expr(e, valueUsed: false)
    case .binding(let b):
      let v = expr(b.value)
      bind(b.pattern, v, mutable: b.mutable, s.span)
    case .assign(let target, let op, let value):
      var v = expr(value)
      if let op {
        let cur = expr(target)
        v = emit(.binary(op), [cur, v], program.types[target.id] ?? .any, s.span)
      }
      assign(target, v, s.span)
    case .config(let fields):
      for f in fields {
        guard let id = program.bindings[f.span] else { continue }
        let sym = program.symbols[id]
        let v = emit(.config(name: f.name, defaultValue: sym.constant ?? .none), [], sym.type, f.span)
        values[id] = v
        if let g = globalNames[id] { emitVoid(.globalSet(g), [v], f.span) }
      }
    case .forLoop(let pattern, let seq, let body):
      let sv = expr(seq)
      let p = fresh()
      let r = region(params: [p]) { l in
        l.bind(pattern, p, mutable: false, s.span)
        _ = l.block(body, valueUsed: false)
      }
      emitVoid(.forEach, [sv], s.span, regions: [r])
    case .whileLoop(let cond, let body):
      let c = region { l in
        let v = l.expr(cond)
        l.emitVoid(.yield, [v], cond.span)
      }
      let b = region { l in _ = l.block(body, valueUsed: false) }
      emitVoid(.whileLoop, [], s.span, regions: [c, b])
    case .breakLoop: emitVoid(.breakLoop, [], s.span)
    case .continueLoop: emitVoid(.continueLoop, [], s.span)
    case .returnValue(let e):
      let v = e.map { expr($0) }
      emitVoid(.returnValue, v.map { [$0] } ?? [], s.span)
    case .function, .model, .importModule: break
    }
  }

  /// Binds a pattern to a value: SSA for `let`, a cell for `var`, a global cell when a
  /// function uses the binding.
  mutating func bind(_ p: Pattern, _ v: ValueID, mutable: Bool, _ span: Span) {
    switch p {
    case .name(let n, let s):
      guard let id = program.bindings[s] else { return }
      if let g = globalNames[id] {
        emitVoid(.globalSet(g), [v], s)
        if !mutable { values[id] = v }
      } else if mutable {
        cells[id] = emit(.varNew(n), [v], program.symbols[id].type, s)
      } else {
        values[id] = v
      }
    case .wildcard: break
    case .tuple(let ps, _):
      for (i, q) in ps.enumerated() {
        let t: ValueType
        if case .tuple(let ts)? = typeOfPatternValue(v), i < ts.count { t = ts[i] } else { t = .any }
        let e = emit(.member(String(i)), [v], t, q.span)
        bind(q, e, mutable: mutable, span)
      }
    }
  }

  func typeOfPatternValue(_ v: ValueID) -> ValueType? {
    for ops in stack.reversed() {
      if let op = ops.last(where: { $0.result == v }) { return op.type }
    }
    return nil
  }

  static let setParam = Builtins.id("set_param")

  /// Stores a new value into an assignable expression (`x`, `x[i]`, `x[i][j]`, `net.l1.weight`).
  mutating func assign(_ target: Expr, _ v: ValueID, _ span: Span) {
    switch target.kind {
    case .name:
      guard let id = program.references[target.id] else { return }
      if let g = globalNames[id] {
        emitVoid(.globalSet(g), [v], span)
      } else if let c = cells[id] {
        emitVoid(.varSet, [c, v], span)
      } else {
        values[id] = v
      }
    case .index(let base, let items):
      let b = expr(base)
      let (kinds, operands) = indexOperands(items)
      let updated = emit(.setIndex(kinds), [b] + operands + [v], program.types[base.id] ?? .any, span)
      assign(base, updated, span)
    case .member(let base, let name, _):
      // A parameter (`net.l1.weight = t`): set in place, as `set_param(net.l1, "weight", t)`.
      let b = expr(base)
      emitVoid(.builtin(Self.setParam), [b, constant(.string(name), span), v], span)
    default: break
    }
  }

  mutating func indexOperands(_ items: [IndexItem]) -> ([IndexKind], [ValueID]) {
    var kinds: [IndexKind] = []
    var ops: [ValueID] = []
    for item in items {
      switch item {
      case .expr(let x):
        kinds.append(.at)
        ops.append(expr(x))
      case .slice(let lo, let hi, _):
        kinds.append(.slice(lower: lo != nil, upper: hi != nil))
        if let lo { ops.append(expr(lo)) }
        if let hi { ops.append(expr(hi)) }
      }
    }
    return (kinds, ops)
  }
}
