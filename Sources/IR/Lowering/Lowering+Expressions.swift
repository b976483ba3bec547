import Language

extension Lowering {
  /// Lowers an expression and returns the value holding its result, converted where the
  /// checker said it is used as another type (an Int as a Float: Lowering+Conversions.swift).
  mutating func expr(_ e: Expr, valueUsed: Bool = true) -> ValueID {
    if let o = overrides[e.id] { return o }
    if let to = program.conversions[e.id] { return converted(e, to: to) }
    return unconverted(e, valueUsed: valueUsed)
  }

  /// Lowers an expression as the checker typed it.
  mutating func unconverted(_ e: Expr, valueUsed: Bool = true) -> ValueID {
    depth += 1
    defer { depth -= 1 }
    let t = program.types[e.id] ?? .any
    if depth > 2000 { return constant(.none, e.span) }
    if let c = program.constants[e.id], !(t.isTensor) {
      switch e.kind {
      case .name, .int, .float, .bool, .string, .unary, .binary: return constant(c, e.span, type: t)
      default: break
      }
    }
    switch e.kind {
    case .int(let v): return constant(.int(Int(v)), e.span)
    case .float(let v): return constant(.float(v), e.span)
    case .bool(let v): return constant(.bool(v), e.span)
    case .string(let segs):
      var pieces: [String?] = []
      var ops: [ValueID] = []
      for s in segs {
        switch s {
        case .text(let x): pieces.append(x)
        case .expr(let x): pieces.append(nil); ops.append(expr(x))
        }
      }
      return emit(.format(pieces), ops, .string, e.span)
    case .name:
      return name(e, t)
    case .list(let xs):
      return emit(.list, xs.map { expr($0) }, t, e.span)
    case .tuple(let xs):
      return emit(.tuple, xs.map { expr($0) }, t, e.span)
    case .unary(let op, let x):
      return emit(.unary(op), [expr(x)], t, e.span)
    case .binary(let op, let l, let r, let opSpan):
      if op.isLogical {
        // Short-circuit: `a && b` is `if a { b } else { false }`.
        let a = expr(l)
        let rhs = region { lw in lw.emitVoid(.yield, [lw.expr(r)], r.span) }
        let other = region { lw in lw.emitVoid(.yield, [lw.constant(.bool(op == .or), opSpan)], opSpan) }
        return emit(.ifElse, [a], .bool, opSpan, regions: op == .and ? [rhs, other] : [other, rhs])
      }
      let a = expr(l), b = expr(r)
      return emit(.binary(op), [a, b], t, opSpan)
    case .range(let a, let b):
      return emit(.range, [expr(a), expr(b)], .range, e.span)
    case .call:
      return call(e, t, valueUsed: valueUsed)
    case .index(let base, let items):
      let b = expr(base)
      let (kinds, ops) = indexOperands(items)
      return emit(.index(kinds), [b] + ops, t, e.span)
    case .member(let base, let n, _):
      if program.references[e.id] != nil { return name(e, t) }
      return emit(.member(n), [expr(base)], t, e.span)
    case .ifExpr(let i):
      let c = expr(i.condition)
      let wantValue = valueUsed && t != .void
      let then = region { l in
        let v = l.block(i.then, valueUsed: wantValue)
        l.emitVoid(.yield, wantValue ? v.map { [$0] } ?? [] : [], i.then.span)
      }
      let other = region { l in
        let v = i.otherwise.flatMap { l.block($0, valueUsed: wantValue) }
        l.emitVoid(.yield, wantValue ? v.map { [$0] } ?? [] : [], i.otherwise?.span ?? i.then.span)
      }
      return emit(.ifElse, [c], wantValue ? t : .void, e.span, regions: [then, other])
    case .bypass(let strategy, let options, let call):
      return bypass(e, strategy, options, call, t)
    case .error:
      return constant(.none, e.span)
    }
  }

  mutating func name(_ e: Expr, _ t: ValueType) -> ValueID {
    guard let id = program.references[e.id] else {
      // A builtin used as a value.
      if case .name(let n) = e.kind { return constant(.string(n), e.span, type: t) }
      return constant(.none, e.span)
    }
    if let v = gradientInputs[id] { return v }
    let sym = program.symbols[id]
    switch sym.kind {
    case .function(let q), .model(let q), .module(let q):
      return constant(.string(q), e.span, type: t)
    case .receiver:
      return selfValue ?? constant(.none, e.span)
    case .field:
      if inInit, let v = values[id] { return v }
      if let s = selfValue { return emit(.fieldGet(sym.name), [s], sym.type, e.span) }
      return constant(.none, e.span)
    case .local, .config:
      if let c = cells[id] { return emit(.varGet, [c], sym.type, e.span) }
      if let v = values[id], !(sym.mutable && globalNames[id] != nil) { return v }
      if let g = globalNames[id] { return emit(.globalGet(g), [], sym.type, e.span) }
      return constant(.none, e.span)
    }
  }

  /// Lowers arguments in source order, then arranges them in parameter order.
  mutating func arguments(_ args: [CallArgument], _ sources: [ArgSource], _ span: Span) -> [ValueID] {
    let vs = args.map { expr($0.value) }
    return sources.map { s in
      switch s {
      case .arg(let i): return i < vs.count ? vs[i] : constant(.none, span)
      case .defaultValue(let c): return constant(c, span)
      }
    }
  }

  mutating func call(_ e: Expr, _ t: ValueType, valueUsed: Bool) -> ValueID {
    guard case .call(let callee, let args, let block) = e.kind else { return constant(.none, e.span) }
    let target = program.calls[e.id] ?? .dynamic
    // The written argument behind each operand, for diagnostics on the lowered IR.
    func spans(_ sources: [ArgSource]) -> [Span?] {
      sources.map { if case .arg(let i) = $0, i < args.count { return args[i].value.span }; return nil }
    }
    switch target {
    case .builtin(let n, let sources):
      return noted(emit(.builtin(n), arguments(args, sources, e.span), t, e.span), spans(sources))
    case .function(let q, let sources):
      return noted(emit(.call(q), arguments(args, sources, e.span), t, e.span), spans(sources))
    case .construct(let q, let sources):
      return emit(.construct(q), arguments(args, sources, e.span), t, e.span)
    case .method(let model, let n, let sources):
      let receiver: ValueID
      if case .member(let base, _, _) = callee.kind, (program.types[callee.id].map { if case .function = $0 { return true }; return false } ?? false) {
        receiver = expr(base)
      } else {
        receiver = expr(callee)
      }
      return noted(emit(.method(model: model, name: n), [receiver] + arguments(args, sources, e.span), t, e.span), [nil] + spans(sources))
    case .layer(let sources):
      let l = expr(callee)
      return noted(emit(.apply, [l] + arguments(args, sources, e.span), t, e.span), [nil] + spans(sources))
    case .grad(let valueToo):
      // As check_grad: the block reads each input as its own region parameter, so two names
      // of one value (`let y = x; grad(x, y)`) are two inputs, and no pass can take an
      // input for the same name's value outside.
      let wrt = args.map { expr($0.value) }
      let params = args.map { _ in fresh() }
      for (a, p) in zip(args, params) { notes.names[p] = program.files.text(of: a.value.span) }
      let r = gradientRegion(block, inputs: Array(zip(args, params)), params: params)
      return emit(.grad(valueToo: valueToo), wrt, t, e.span, regions: [r])
    case .checkGrad:
      // Operands: the inputs, then the options given (the executor knows their defaults).
      let inputs = args.filter { $0.label == nil }, options = args.filter { $0.label != nil }
      // A field (`net.codebook`, `net.enc`) is its model and the field's name: the executor
      // reads the parameters the field holds, which the block reaches through the model.
      var fields: [String?] = []
      let wrt = inputs.map { a -> ValueID in
        if case .member(let base, let name, _) = a.value.kind {
          fields.append(name)
          return expr(base)
        }
        fields.append(nil)
        return expr(a.value)
      }
      let values = options.map { expr($0.value) }
      // The block reads its inputs as region parameters, which the executor binds to the
      // watched values: no pass can take them for the same names' values outside.
      let params = inputs.map { _ in fresh() }
      for (a, p) in zip(inputs, params) { notes.names[p] = program.files.text(of: a.value.span) }
      return emit(.checkGrad(options: options.compactMap(\.label), fields: fields), wrt + values, t, e.span,
                  regions: [gradientRegion(block, inputs: Array(zip(inputs, params)), params: params)])
    case .minimize:
      guard case .member(let base, _, _) = callee.kind else { return constant(.none, e.span) }
      let opt = expr(base)
      let r = lossRegion(block)
      return emit(.minimize, [opt], t, e.span, regions: [r])
    case .eval:
      let wantValue = valueUsed && t != .void
      let r = region { l in
        let v = block.flatMap { l.block($0, valueUsed: wantValue) }
        l.emitVoid(.yield, v.map { [$0] } ?? [], block?.span ?? e.span)
      }
      return emit(.eval, [], wantValue ? t : .void, e.span, regions: [r])
    case .stopGradient:
      return emit(.stopGradient, args.map { expr($0.value) }, t, e.span)
    case .surrogate:
      return emit(.surrogate, args.map { expr($0.value) }, t, e.span)
    case .dynamic:
      let c = expr(callee)
      return emit(.callDynamic, [c] + args.map { expr($0.value) }, t, e.span)
    }
  }

  /// The loss region of `grad`/`check_grad`, where each input name reads as the given value
  /// (the op's operand, or a parameter of the region).
  mutating func gradientRegion(_ block: Block?, inputs: [(CallArgument, ValueID)], params: [ValueID] = []) -> Region {
    let saved = gradientInputs
    defer { gradientInputs = saved }
    for (a, v) in inputs {
      if case .name = a.value.kind, let id = program.references[a.value.id] { gradientInputs[id] = v }
    }
    return region(params: params) { l in
      let v = block.flatMap { l.block($0, valueUsed: true) }
      l.emitVoid(.yield, v.map { [$0] } ?? [], block?.span ?? .none)
    }
  }

  mutating func lossRegion(_ block: Block?) -> Region {
    region { l in
      let v = block.flatMap { l.block($0, valueUsed: true) }
      l.emitVoid(.yield, v.map { [$0] } ?? [], block?.span ?? .none)
    }
  }

  mutating func bypass(_ e: Expr, _ strategy: Expr, _ options: [CallArgument], _ call: Expr, _ t: ValueType) -> ValueID {
    guard case .call(_, let args, _) = call.kind, let info = program.bypasses[e.id], !info.inputs.isEmpty else { return expr(call) }
    // The bypassed inputs (checker: `wrt:`, else the first tensor argument) become the
    // region's parameters; the other arguments are computed once, in order, before it and
    // captured (an estimator that runs the call again must not run them again).
    let values = args.map { expr($0.value) }
    let inputs = info.inputs.map { args[$0].value }
    var operands = info.inputs.map { values[$0] }
    if info.strategyIsValue { operands.append(expr(strategy)) }
    var labels: [String] = []
    for o in options where o.label != "wrt" {
      labels.append(o.label ?? "")
      operands.append(expr(o.value))
    }
    let params = inputs.map { _ in fresh() }
    for (a, v) in zip(args, values) { overrides[a.value.id] = v }
    for (x, p) in zip(inputs, params) { overrides[x.id] = p }
    let r = region(params: params) { l in
      let v = l.expr(call)
      l.emitVoid(.yield, [v], call.span)
    }
    for a in args { overrides[a.value.id] = nil }
    let v = emit(.bypass(strategy: info.strategy, options: labels, inputs: inputs.count), operands, t, e.span, regions: [r])
    notes.bypasses[v] = SourceNotes.BypassSpans(strategy: strategy.span, wrt: options.first { $0.label == "wrt" }?.value.span)
    return v
  }

  /// Records the written arguments of call `v`.
  mutating func noted(_ v: ValueID, _ spans: [Span?]) -> ValueID {
    notes.arguments[v] = spans
    return v
  }
}
