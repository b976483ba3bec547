extension Checker {
  /// Checks an expression, records its type (and constant value) and returns the type.
  @discardableResult
  func checkExpr(_ e: Expr, valueUsed: Bool = true) -> ValueType {
    exprDepth += 1
    defer { exprDepth -= 1 }
    if exprDepth > 1000 { return .error }
    let t = infer(e, valueUsed: valueUsed)
    types[e.id] = t
    return t
  }

  func infer(_ e: Expr, valueUsed: Bool) -> ValueType {
    switch e.kind {
    case .int(let v):
      consts[e.id] = .int(Int(v))
      return .int
    case .float(let v):
      consts[e.id] = .float(v)
      return .float
    case .bool(let v):
      consts[e.id] = .bool(v)
      return .bool
    case .string(let segs):
      var allText = true
      var text = ""
      for s in segs {
        switch s {
        case .text(let t): text += t
        case .expr(let x):
          allText = false
          let t = checkExpr(x)
          if t == .void { diags.error("cannot interpolate an expression that has no value", at: x.span) }
        }
      }
      if allText { consts[e.id] = .string(text) }
      return .string
    case .name(let n):
      return checkName(n, e)
    case .list(let items):
      var elem: ValueType?
      var cs: [ConstValue] = []
      var allConst = true
      for x in items {
        let t = checkExpr(x)
        if let c = consts[x.id] { cs.append(c) } else { allConst = false }
        guard let prev = elem else { elem = t; continue }
        if let j = join(prev, t) {
          elem = j
        } else {
          diags.error("list elements must have one type: found \(prev) and \(t)", at: x.span)
          elem = .error
        }
      }
      // An Int among Floats is a Float: `[1, 2.5]` holds 1.0.
      if let elem { items.forEach { convert($0, to: elem) } }
      if allConst { consts[e.id] = .list(cs.map { $0.converted(to: elem ?? .any) }) }
      return .list(elem ?? .any, count: items.count)
    case .tuple(let items):
      return .tuple(items.map { checkExpr($0) })
    case .unary(let op, let x):
      let t = checkExpr(x)
      if op == .neg {
        if let c = consts[x.id] {
          if case .int(let v) = c, v != Int.min { consts[e.id] = .int(-v) }
          if case .float(let v) = c { consts[e.id] = .float(-v) }
        }
        switch t {
        case .int, .float, .tensor, .intTensor, .any, .error: return t
        default:
          diags.error("unary operator '-' cannot be applied to \(t)", at: e.span)
          return .error
        }
      }
      if t == .bool || t.isLenient { return t == .bool ? .bool : t }
      diags.error("unary operator '!' needs a Bool, not \(t)", at: e.span)
      return .error
    case .binary(let op, let l, let r, let opSpan):
      let lt = checkExpr(l), rt = checkExpr(r)
      let t = binaryType(op, lt, rt, opSpan: opSpan, operands: (l, r)) ?? .error
      if let a = consts[l.id], let b = consts[r.id], let c = foldConstant(op, a, b) { consts[e.id] = c }
      return t
    case .range(let a, let b):
      for x in [a, b] {
        let t = checkExpr(x)
        if t != .int, !t.isLenient { diags.error("range bounds must be Int, not \(t)", at: x.span) }
      }
      return .range
    case .call:
      return checkCall(e, valueUsed: valueUsed)
    case .index(let base, let items):
      return checkIndex(base, items, e)
    case .member(let base, let name, let nameSpan):
      return checkMember(base, name, nameSpan, e)
    case .ifExpr(let i):
      let toAny = joinsToAny
      joinsToAny = false
      expectBool(i.condition, "'if' condition")
      let a = checkBlock(i.then, valueUsed: valueUsed)
      guard let other = i.otherwise else {
        if valueUsed, a != .void {
          diags.error("'if' used as a value needs an 'else' branch", at: e.span)
          return .error
        }
        return .void
      }
      let b = checkBlock(other, valueUsed: valueUsed)
      if !valueUsed { return .void }
      if let j = join(a, b) {
        // `if c { 1 } else { 2.5 }`: the branch that yields an Int yields it as a Float.
        for branch in [i.then, other] {
          if let v = Self.valueExpr(of: branch) { convert(v, to: j) }
        }
        return j
      }
      if toAny { return .any }  // `let s: Any = if … { net } else { 3 }`
      diags.error("'if' branches have different types: \(a) and \(b)", at: e.span)
      return .error
    case .bypass(let strategy, let options, let call):
      return checkBypass(strategy, options, call, e)
    case .error:
      return .error
    }
  }

  func checkName(_ n: String, _ e: Expr) -> ValueType {
    if let id = lookup(n) {
      references[e.id] = id
      noteCapture(id)
      let sym = symbols[id]
      if let c = sym.constant, !sym.mutable, sym.kind != .config { consts[e.id] = c }
      return sym.type
    }
    if let b = Builtins.named(n) {
      requireQualified(b, at: e.span)
      return .builtin(b.id)
    }
    if BypassStrategy(rawValue: n) != nil {
      diags.error("'\(n)' is a bypass strategy and can only be used inside '@bypass(…)'", at: e.span)
      return .error
    }
    reportUndefined(n, at: e.span)
    return .error
  }

  /// The result type of a binary operator, or nil after reporting an error at the operator.
  func binaryType(_ op: BinaryOp, _ a: ValueType, _ b: ValueType, opSpan: Span, operands: (Expr, Expr)) -> ValueType? {
    if a == .error || b == .error { return .error }
    func bad() -> ValueType? {
      diags.error("binary operator '\(op.rawValue)' cannot be applied to \(a) and \(b)", at: opSpan)
      return nil
    }
    func tensorResult(_ s: [Dim]?, int: Bool) -> ValueType { int ? .intTensor(s) : .tensor(s) }
    if op.isLogical {
      if (a == .bool || a == .any) && (b == .bool || b == .any) { return .bool }
      return bad()
    }
    if op == .matmul {
      guard (a.isTensor || a == .any) && (b.isTensor || b == .any) else { return bad() }
      switch ShapeRules.matmul(a.shape ?? (a == .any ? nil : nil), b.shape) {
      case .success(let s): return .tensor(s)  // multiplied in Float32, IntTensors too
      case .failure(let err):
        diags.error(err.message, at: opSpan)
        return nil
      }
    }
    if a == .any || b == .any {
      if op.isComparison { return a.isTensor || b.isTensor ? .tensor(nil) : .bool }
      if a.isTensor || b.isTensor { return .tensor(nil) }
      return .any
    }
    if op == .eq || op == .ne {
      if a == b, [ValueType.bool, .string, .int, .float].contains(a) { return .bool }
    }
    if op == .add, a == .string, b == .string { return .string }
    if op == .add, case .list(let x, _) = a, case .list(let y, _) = b, let j = join(x, y) {
      // `[1] + [2.5]` appends Floats: each operand's Ints are converted.
      [operands.0, operands.1].forEach { convert($0, to: .list(j, count: nil)) }
      return .list(j, count: nil)
    }
    // Numbers.
    if a.isNumericScalar, b.isNumericScalar {
      if op.isComparison { return .bool }
      if op == .eq || op == .ne { return .bool }
      return a == .int && b == .int ? .int : .float
    }
    // Tensors with tensors or scalars: broadcasting.
    let scalarOrTensor: (ValueType) -> Bool = { $0.isNumericScalar || $0.isTensor }
    guard scalarOrTensor(a), scalarOrTensor(b), op != .and, op != .or else { return bad() }
    let sa: [Dim]? = a.isTensor ? a.shape : [], sb: [Dim]? = b.isTensor ? b.shape : []
    switch ShapeRules.broadcast(sa, sb) {
    case .success(let s):
      if op.isComparison { return .tensor(s) }
      let intA: Bool = { if case .intTensor = a { return true }; return a == .int }()
      let intB: Bool = { if case .intTensor = b { return true }; return b == .int }()
      return tensorResult(s, int: intA && intB)
    case .failure(let err):
      diags.error(err.message, at: opSpan)
      return nil
    }
  }

  /// The constant value of an arithmetic operator on constants (comparisons stay for the
  /// IR's folder, which also decides branches).
  func foldConstant(_ op: BinaryOp, _ a: ConstValue, _ b: ConstValue) -> ConstValue? {
    guard [.add, .sub, .mul, .div, .mod].contains(op) else { return nil }
    return try? ScalarArithmetic.apply(op, a, b).get()
  }

  func checkIndexItem(_ item: IndexItem) {
    switch item {
    case .expr(let x): checkExpr(x)
    case .slice(let lo, let hi, _):
      for x in [lo, hi].compactMap({ $0 }) {
        let t = checkExpr(x)
        if t != .int, !t.isLenient { diags.error("slice bounds must be Int, not \(t)", at: x.span) }
      }
    }
  }

  func checkIndex(_ base: Expr, _ items: [IndexItem], _ e: Expr) -> ValueType {
    let bt = checkExpr(base)
    for item in items { checkIndexItem(item) }
    return indexResult(bt, items, e)
  }

  /// The type of `base[items]` for a base of type `bt` (the items are checked already).
  func indexResult(_ bt: ValueType, _ items: [IndexItem], _ e: Expr) -> ValueType {
    if bt.isLenient { return bt }
    switch bt {
    case .list(let elem, let n):
      guard items.count == 1 else {
        diags.error("a list takes one index, not \(items.count)", at: items[1].span)
        return .error
      }
      if case .slice = items[0] { return .list(elem, count: nil) }
      if case .expr(let x) = items[0] {
        let it = types[x.id] ?? .error
        if it != .int, !it.isLenient { diags.error("list index must be Int, not \(it)", at: x.span); return .error }
        if let n, let c = consts[x.id]?.intValue, c >= n || c < -n {
          diags.error("index \(c) is out of range for a list of \(n) elements", at: x.span)
        }
      }
      return elem
    case .tuple(let ts):
      guard items.count == 1, case .expr(let x) = items[0], let c = consts[x.id]?.intValue else {
        diags.error("a tuple index must be a constant Int", at: items.first?.span ?? e.span)
        return .error
      }
      guard c >= 0, c < ts.count else {
        diags.error("index \(c) is out of range for a tuple of \(ts.count) elements", at: items[0].span)
        return .error
      }
      return ts[c]
    case .string:
      return .string
    case .tensor(let shape), .intTensor(let shape):
      let isInt: Bool = { if case .intTensor = bt { return true }; return false }()
      guard case .shape(let out) = tensorIndexShape(shape, items) else { return .error }
      return isInt ? .intTensor(out) : .tensor(out)
    default:
      diags.error("cannot index a value of type \(bt)", at: e.span)
      return .error
    }
  }

  func checkMember(_ base: Expr, _ name: String, _ nameSpan: Span, _ e: Expr) -> ValueType {
    let bt = checkExpr(base)
    if bt.isLenient { return bt }
    switch bt {
    case .module(let m) where NativeModule(rawValue: m) != nil:
      let native = NativeModule(rawValue: m)!
      if let b = Builtins.named(name), b.module == native { return .builtin(b.id) }
      var notes: [Note] = []
      if let best = closest(name, in: Builtins.entries(of: native).map(\.name)) { notes.append(Note("did you mean '\(best)'?")) }
      diags.error("native module '\(m)' has no member '\(name)'", at: nameSpan, notes: notes)
      return .error
    case .module(let m):
      guard let id = moduleExports[m]?[name] else {
        var notes: [Note] = []
        if let best = closest(name, in: Array((moduleExports[m] ?? [:]).keys)) { notes.append(Note("did you mean '\(best)'?")) }
        diags.error("module '\(m)' has no member '\(name)'", at: nameSpan, notes: notes)
        return .error
      }
      references[e.id] = id
      return symbols[id].type
    case .tensor(let s), .intTensor(let s):
      switch name {
      case "shape": return .list(.int, count: s?.count)
      case "rank": return .int
      default: break
      }
    case .model(let q):
      if models[q]?.fields.isEmpty == true { checkModelBody(q) }
      if let info = models[q] {
        if info.methods[name] != nil { return .function(q + "." + name) }
        if let f = info.fields.first(where: { $0.name == name }) { return symbols[f.symbol].type }
        if info.fields.isEmpty, !checkedFunctions.contains(q) { return .any }
        var notes: [Note] = []
        if let best = closest(name, in: info.fields.map(\.name) + info.methods.keys.sorted()) { notes.append(Note("did you mean '\(best)'?")) }
        diags.error("value of type \(bt) has no member '\(name)'", at: nameSpan, notes: notes)
        return .error
      }
    case .layer, .gradient:
      switch parameterMember(bt, name) {
      case .success(let t)?: return t
      case .failure(let p)?:
        diags.error(p.message, at: nameSpan, notes: p.notes)
        return .error
      case nil: break
      }
    case .optimizer:
      if name == "minimize" {
        diags.error("'minimize' is a method called with a block: opt.minimize { loss }", at: nameSpan)
        return .error
      }
      if name == "lr" { return .float }
    case .tuple(let ts):
      if let i = Int(name), i >= 0, i < ts.count { return ts[i] }
    case .list:
      if name == "count" { return .int }
      switch parameterMember(bt, name) {  // `blocks.0`, as checkpoints name list elements
      case .success(let t)?: return t
      case .failure(let p)?:
        diags.error(p.message, at: nameSpan, notes: p.notes)
        return .error
      case nil: break
      }
    default: break
    }
    diags.error("value of type \(bt) has no member '\(name)'", at: nameSpan)
    return .error
  }
}

extension ConstValue {
  var asDouble: Double? {
    switch self {
    case .int(let v): return Double(v)
    case .float(let v): return v
    default: return nil
    }
  }
}
