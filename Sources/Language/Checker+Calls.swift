/// A parameter as argument matching sees it.
struct MatchParam {
  var name: String
  var hasDefault: Bool
}

extension Checker {
  /// Resolves labels: positional arguments first, then labelled ones by parameter name.
  /// Returns, per parameter, the index of its argument (nil when the default is used), or
  /// nil after reporting an error.
  func matchArguments(_ args: [CallArgument], to params: [MatchParam], callee: String, call: Expr) -> [Int?]? {
    var slots: [Int?] = Array(repeating: nil, count: params.count)
    var ok = true
    var next = 0
    for (i, a) in args.enumerated() {
      if let label = a.label {
        guard let p = params.firstIndex(where: { $0.name == label }) else {
          let unfilled = params.indices.filter { slots[$0] == nil && $0 >= next }.map { params[$0].name }
          var notes: [Note] = []
          var fixes: [FixIt] = []
          if let best = closest(label, in: unfilled) ?? (unfilled.count == 1 ? unfilled.first : nil), let ls = a.labelSpan {
            notes.append(Note("did you mean '\(best)'?"))
            fixes.append(FixIt(span: ls, replacement: best))
          }
          if params.isEmpty { notes.append(Note("'\(callee)' takes no arguments")) }
          else { notes.append(Note("'\(callee)' has parameters: " + params.map(\.name).joined(separator: ", "))) }
          diags.error("no parameter labelled '\(label)' in call to '\(callee)'", at: a.labelSpan ?? a.span, notes: notes, fixIts: fixes)
          ok = false
          continue
        }
        if slots[p] != nil {
          diags.error("argument '\(label)' is given more than once", at: a.labelSpan ?? a.span)
          ok = false
          continue
        }
        slots[p] = i
      } else {
        guard next < params.count else {
          diags.error("too many arguments in call to '\(callee)': it takes \(params.count)", at: a.span)
          ok = false
          break
        }
        slots[next] = i
        next += 1
      }
    }
    if ok {
      for (i, p) in params.enumerated() where slots[i] == nil && !p.hasDefault {
        let end = Span(file: call.span.file, start: max(call.span.start, call.span.end - 1), end: call.span.end)
        diags.error("missing argument '\(p.name)' in call to '\(callee)'", at: end)
        ok = false
      }
    }
    return ok ? slots : nil
  }

  func sources(_ slots: [Int?], defaults: [ConstValue?]) -> [ArgSource] {
    slots.enumerated().map { i, s in
      if let s { return .arg(s) }
      return .defaultValue(i < defaults.count ? defaults[i] ?? .none : .none)
    }
  }

  func checkCall(_ e: Expr, valueUsed: Bool) -> ValueType {
    guard case .call(let callee, let args, let block) = e.kind else { return .error }
    // `opt.minimize { … }`
    if case .member(let base, "minimize", _) = callee.kind {
      let bt = checkExpr(base)
      if bt == .optimizer || bt.isLenient {
        for a in args { checkExpr(a.value) }
        if !args.isEmpty { diags.error("'minimize' takes only a block: opt.minimize { loss }", at: args[0].span) }
        calls[e.id] = .minimize
        guard let block else {
          diags.error("'minimize' needs a block: opt.minimize { loss }", at: e.span)
          return .error
        }
        checkGradientBlock(block, what: "minimize")
        return .float
      }
    }
    // Names of special forms and builtins, unless shadowed.
    if case .name(let n) = callee.kind, lookup(n) == nil, let b = Builtins.named(n) {
      types[callee.id] = .builtin(b.id)
      requireQualified(b, at: callee.span)
      if b.kind == .special { return checkSpecial(n, args, block, e) }
      if let block { diags.error("'\(n)' does not take a block", at: block.span) }
      return checkBuiltinCall(b, args, e)
    }
    let ct = checkExpr(callee)
    if let block, ct != .error {
      diags.error("this call does not take a block", at: block.span)
    }
    switch ct {
    case .error, .any:
      for a in args { checkExpr(a.value) }
      calls[e.id] = .dynamic
      return ct
    case .builtin(let id):
      return checkBuiltinCall(id.builtin, args, e)
    case .function(let q):
      guard let info = functions[q] else { return .error }
      let params = info.decl.params.map { MatchParam(name: $0.name, hasDefault: $0.defaultValue != nil) }
      let argTypes = args.map { checkExpr($0.value) }
      guard let slots = matchArguments(args, to: params, callee: info.decl.name, call: e) else { return resultOf(q) ?? .error }
      checkArgTypes(slots, argTypes, info.paramTypes, args, params)
      if let model = info.model, case .member(let base, let name, _) = callee.kind {
        _ = base
        calls[e.id] = .method(model: model, name: name, sources(slots, defaults: info.defaults))
      } else if info.model != nil {
        calls[e.id] = .dynamic
      } else {
        calls[e.id] = .function(q, sources(slots, defaults: info.defaults))
      }
      return substituteResult(resultOf(q) ?? .any, params: info.paramTypes, slots: slots, argTypes: argTypes)
    case .modelType(let q):
      guard let info = models[q] else { return .error }
      let params = info.decl.params.map { MatchParam(name: $0.name, hasDefault: $0.defaultValue != nil) }
      let argTypes = args.map { checkExpr($0.value) }
      guard let slots = matchArguments(args, to: params, callee: info.decl.name, call: e) else { return .model(q) }
      checkArgTypes(slots, argTypes, info.paramTypes, args, params)
      calls[e.id] = .construct(q, sources(slots, defaults: info.defaults))
      return .model(q)
    case .model(let q):
      guard let info = models[q], let fq = info.methods["forward"], let f = functions[fq] else {
        for a in args { checkExpr(a.value) }
        return .error
      }
      let params = f.decl.params.map { MatchParam(name: $0.name, hasDefault: $0.defaultValue != nil) }
      let argTypes = args.map { checkExpr($0.value) }
      guard let slots = matchArguments(args, to: params, callee: info.decl.name, call: e) else { return .error }
      checkArgTypes(slots, argTypes, f.paramTypes, args, params)
      calls[e.id] = .method(model: q, name: "forward", sources(slots, defaults: f.defaults))
      return substituteResult(resultOf(fq) ?? .any, params: f.paramTypes, slots: slots, argTypes: argTypes)
    case .layer(let info):
      let argTypes = args.map { checkExpr($0.value) }
      guard let slots = matchArguments(args, to: [MatchParam(name: "x", hasDefault: false)], callee: info.kind, call: e) else { return .error }
      calls[e.id] = .layer(sources(slots, defaults: []))
      return layerResult(info, argTypes[0], at: args[0].value.span)
    default:
      for a in args { checkExpr(a.value) }
      diags.error("cannot call a value of type \(ct)", at: callee.span)
      return .error
    }
  }

  func resultOf(_ q: String) -> ValueType? {
    if functions[q]?.result == nil { checkFunctionBody(q) }
    return functions[q]?.result
  }

  func checkArgTypes(_ slots: [Int?], _ argTypes: [ValueType], _ paramTypes: [ValueType], _ args: [CallArgument], _ params: [MatchParam]) {
    var symbolsBound: [String: Dim] = [:]
    for (i, s) in slots.enumerated() {
      guard let s, i < paramTypes.count else { continue }
      let at = argTypes[s], pt = paramTypes[i]
      if !fits(args[s].value, at, as: pt) {
        var notes: [Note] = []
        if case .intTensor = at, case .tensor = pt { notes.append(Note("convert with float(…)")) }
        diags.error("argument '\(params[i].name)' expects \(pt), got \(at)", at: args[s].value.span, notes: notes)
        continue
      }
      // Symbolic dims must agree across arguments (`x: Tensor[B, N], y: Tensor[B, M]`).
      if let ps = pt.shape, let ashape = at.shape, ps.count == ashape.count {
        for (d, a) in zip(ps, ashape) {
          guard case .symbol(let name) = d, case .known = a else { continue }
          if let prev = symbolsBound[name], prev != a {
            diags.error("dimension '\(name)' is \(a) here but \(prev) in an earlier argument", at: args[s].value.span)
          }
          symbolsBound[name] = a
        }
      }
    }
  }

  /// Replaces symbolic dims in a declared result type by the sizes the arguments bind.
  func substituteResult(_ r: ValueType, params: [ValueType], slots: [Int?], argTypes: [ValueType]) -> ValueType {
    var bound: [String: Dim] = [:]
    for (i, s) in slots.enumerated() {
      guard let s, i < params.count, let ps = params[i].shape, let a = argTypes[s].shape, ps.count == a.count else { continue }
      for (d, x) in zip(ps, a) { if case .symbol(let n) = d, case .known = x { bound[n] = x } }
    }
    func sub(_ s: [Dim]?) -> [Dim]? {
      s.map { $0.map { d in if case .symbol(let n) = d { return bound[n] ?? d }; return d } }
    }
    switch r {
    case .tensor(let s): return .tensor(sub(s))
    case .intTensor(let s): return .intTensor(sub(s))
    default: return r
    }
  }

  func layerResult(_ info: LayerInfo, _ x: ValueType, at span: Span) -> ValueType {
    if x.isLenient { return .tensor(nil) }
    guard case .tensor(let s) = x else {
      diags.error("a \(info.kind) layer needs a Tensor input, got \(x)", at: span)
      return .error
    }
    guard let s else { return .tensor(nil) }
    guard let rule = info.maker?.builtin.applyRule else { return .tensor(nil) }
    switch rule(info, s) {
    case .success(let out): return .tensor(out)
    case .failure(let e):
      diags.error(e.message, at: span)
      return .error
    }
  }

  /// Whether an argument type fits a builtin parameter kind.
  func accepts(_ kind: ParamKind, _ t: ValueType) -> Bool {
    if t.isLenient { return true }
    switch kind {
    case .tensor: return t.isTensor
    case .real: return t.isTensor || t.isNumericScalar
    case .int: return t == .int
    case .float: return t.isNumericScalar
    case .bool: return t == .bool
    case .string: return t == .string
    case .shape:
      if case .list(let e, _) = t { return e == .int || e.isLenient }
      if case .tuple(let es) = t { return es.allSatisfy { $0 == .int } }
      return false
    case .axes: return t == .int || accepts(.shape, t)
    case .list:
      if case .list = t { return true }
      return false
    case .module:
      switch t {
      case .model, .layer: return true
      default: return false
      }
    case .any: return t != .void
    }
  }

  func checkBuiltinCall(_ named: Builtin, _ args: [CallArgument], _ e: Expr) -> ValueType {
    let argTypes = args.map { checkExpr($0.value) }
    // `min(a, b)` on numbers is the scalar form; `min(t, axis:)` the reduction.
    var b = named, scalarForm = false
    if let scalar = scalarForms[named.name], let first = args.first, first.label == nil, argTypes[0].isNumericScalar {
      b = scalar
      b.id = named.id  // one implementation serves both forms
      scalarForm = true
    }
    if b.name == "param", !parameterFieldCalls.contains(e.id) {
      diags.error("'param' makes a model's trainable tensor, so it must be the value of a model's 'let' field", at: e.span,
                  notes: [Note("declare it in a model body: 'let w = param([k, 2])'; the model's optimizer then trains it")])
    }
    if b.variadic {
      for a in args where a.label != nil {
        diags.error("'\(b.name)' takes no labelled arguments", at: a.labelSpan ?? a.span)
      }
      for (a, t) in zip(args, argTypes) where t == .void {
        diags.error("cannot pass an expression that has no value", at: a.value.span)
      }
      calls[e.id] = .builtin(b.id, args.indices.map { .arg($0) })
      var info = CallInfo(types: argTypes, consts: args.map { consts[$0.value.id] }, callee: b.id)
      return b.resultType(&info)
    }
    let params = b.params.map { MatchParam(name: $0.name, hasDefault: $0.defaultValue != nil) }
    guard let slots = matchArguments(args, to: params, callee: b.name, call: e) else { return .error }
    var types: [ValueType] = [], cs: [ConstValue?] = []
    var bad = false
    for (i, s) in slots.enumerated() {
      let p = b.params[i]
      if let s {
        let t = argTypes[s]
        if !accepts(p.kind, t) {
          var notes: [Note] = []
          if p.kind == .tensor, t.isNumericScalar { notes.append(Note("make a tensor with tensor(…) or full(…)")) }
          if scalarForm, t.isTensor { notes.append(Note("for the elementwise \(b.name)imum of tensors use \(b.name)imum(a, b)")) }
          diags.error("argument '\(p.name)' of '\(b.name)' expects \(describe(p.kind)), got \(t)", at: args[s].value.span, notes: notes)
          bad = true
        }
        types.append(t)
        cs.append(consts[args[s].value.id])
      } else {
        types.append(p.defaultValue?.type ?? .any)
        cs.append(p.defaultValue)
      }
    }
    calls[e.id] = .builtin(b.id, sources(slots, defaults: b.params.map(\.defaultValue)))
    if bad { return .error }
    var info = CallInfo(types: types, consts: cs, callee: b.id)
    let r = b.resultType(&info)
    for err in info.errors {
      let span = err.param.flatMap { $0 < slots.count ? slots[$0] : nil }.map { args[$0].value.span } ?? e.span
      diags.error(err.message, at: span)
    }
    return info.errors.isEmpty ? r : .error
  }

  func describe(_ k: ParamKind) -> String {
    switch k {
    case .tensor: return "a tensor"
    case .real: return "a number or a tensor"
    case .int: return "Int"
    case .float: return "Float"
    case .bool: return "Bool"
    case .string: return "String"
    case .shape: return "a shape (a list of Ints)"
    case .axes: return "an axis (an Int) or a list of axes"
    case .list: return "a list"
    case .module: return "a model or a layer"
    case .any: return "a value"
    }
  }

  func checkSpecial(_ n: String, _ args: [CallArgument], _ block: Block?, _ e: Expr) -> ValueType {
    switch n {
    case "grad", "value_and_grad":
      var ts: [ValueType] = []
      var seen: Set<String> = []
      for a in args {
        let t = checkExpr(a.value)
        if let l = a.label { diags.error("'\(n)' takes no labelled arguments, found '\(l)'", at: a.labelSpan ?? a.span) }
        guard case .name(let name) = a.value.kind else {
          diags.error("'\(n)' differentiates with respect to variables; pass a name", at: a.value.span)
          continue
        }
        // The block reads a name as one input: which of two would it be?
        if !seen.insert(name).inserted {
          diags.error("'\(name)' is passed to '\(n)' twice", at: a.value.span,
                      notes: [Note("bind a second name to differentiate twice: 'let y = \(name)', then '\(n)(\(name), y)'")])
        }
        switch t {
        case .tensor, .any, .error: ts.append(t)
        case .model, .layer: ts.append(.gradient(t))  // the model's structure, a tensor at each parameter
        default:
          diags.error("cannot differentiate with respect to a value of type \(t): it must be a Tensor, a model or a layer", at: a.value.span)
          ts.append(.error)
        }
      }
      if args.isEmpty { diags.error("'\(n)' needs the tensors or models to differentiate with respect to: \(n)(x) { loss }", at: e.span) }
      calls[e.id] = .grad(valueToo: n == "value_and_grad")
      guard let block else {
        diags.error("'\(n)' needs a block: \(n)(x) { loss }", at: e.span)
        return .error
      }
      checkGradientBlock(block, what: n)
      let g: ValueType = ts.count == 1 ? ts[0] : .tuple(ts)
      return n == "grad" ? g : .tuple([.float, g])
    case "check_grad": return checkCheckGrad(args, block, e)
    case "eval":
      for a in args { checkExpr(a.value) }
      if !args.isEmpty { diags.error("'eval' takes only a block: eval { … }", at: args[0].span) }
      calls[e.id] = .eval
      guard let block else {
        diags.error("'eval' needs a block: eval { … }", at: e.span)
        return .error
      }
      blockDepth += 1
      let savedLoop = loopDepth
      loopDepth = 0
      defer { blockDepth -= 1; loopDepth = savedLoop }
      return checkBlock(block, valueUsed: true)
    default:
      if let block { diags.error("'\(n)' does not take a block", at: block.span) }
      let argTypes = args.map { checkExpr($0.value) }
      guard let slots = matchArguments(args, to: [MatchParam(name: n == "surrogate" ? "y" : "x", hasDefault: false)], callee: n, call: e)
      else { return .error }
      calls[e.id] = n == "surrogate" ? .surrogate : .stopGradient
      guard let s = slots[0] else { return .error }
      if n == "surrogate" {
        if !argTypes[s].isTensor, !argTypes[s].isLenient {
          diags.error("'surrogate' needs a value made by '@bypass(net) f(x)', got \(argTypes[s])", at: args[s].value.span)
        }
        return .tensor(nil)
      }
      return argTypes[s]
    }
  }

  /// Checks the block of `grad`/`minimize`: it must produce a scalar loss.
  func checkGradientBlock(_ block: Block, what: String) {
    blockDepth += 1
    let savedLoop = loopDepth
    loopDepth = 0
    defer { blockDepth -= 1; loopDepth = savedLoop }
    let t = checkBlock(block, valueUsed: true)
    let at = block.stmts.last?.span ?? block.span
    switch t {
    case .tensor(let s):
      if let s, let n = ShapeRules.count(s), n != 1 {
        diags.error("the block passed to '\(what)' must produce a scalar loss, got \(t)", at: at,
                    notes: [Note("reduce it with sum(…) or mean(…)")])
      }
    case .float, .any, .error: break
    default:
      diags.error("the block passed to '\(what)' must produce a scalar loss, got \(t)", at: at)
    }
  }

  static let bypassOptions = BypassStrategy.options.map(\.name)

  func checkBypass(_ strategy: Expr, _ options: [CallArgument], _ call: Expr, _ e: Expr) -> ValueType {
    // Strategy: a builtin estimator name, or a model value (DiffBypass).
    var name: String?
    if case .name(let n) = strategy.kind, lookup(n) == nil {
      if BypassStrategy(rawValue: n) != nil {
        name = n
      } else {
        var notes = [Note("a strategy is " + BypassStrategy.choices)]
        if let best = closest(n, in: BypassStrategy.names) { notes.insert(Note("did you mean '\(best)'?"), at: 0) }
        diags.error("unknown bypass strategy '\(n)'", at: strategy.span, notes: notes)
      }
      types[strategy.id] = .any
    } else {
      let st = checkExpr(strategy)
      switch st {
      case .model, .any, .error: name = "model"
      // A String (a config field, a variable) names the strategy at run time.
      case .string: name = BypassInfo.dynamic
      default:
        diags.error("a bypass strategy must be \(BypassStrategy.names.joined(separator: ", ")), a String naming one, or a model value, not \(st)", at: strategy.span)
      }
    }
    var seen: Set<String> = []
    var wrt: CallArgument?
    for o in options {
      let t: ValueType = o.label == "wrt" ? .any : checkExpr(o.value)
      guard let label = o.label else {
        diags.error("'@bypass' options must be labelled, e.g. 'sigma: 1.0'", at: o.span)
        continue
      }
      if seen.contains(label) { diags.error("option '\(label)' is given more than once", at: o.labelSpan ?? o.span) }
      seen.insert(label)
      if !Checker.bypassOptions.contains(label) {
        var notes = [Note("options are: " + Checker.bypassOptions.joined(separator: ", "))]
        if let best = closest(label, in: Checker.bypassOptions) { notes.insert(Note("did you mean '\(best)'?"), at: 0) }
        diags.error("unknown '@bypass' option '\(label)'", at: o.labelSpan ?? o.span, notes: notes)
      } else if label == "wrt" {
        wrt = o
      } else if label == "batched" {
        if t != .bool, !t.isLenient { diags.error("'@bypass' option 'batched' must be a Bool, not \(t)", at: o.value.span) }
      } else if !t.isNumericScalar, !t.isLenient {
        diags.error("'@bypass' option '\(label)' must be a number, not \(t)", at: o.value.span)
      } else if label == "sense", let v = consts[o.value.id]?.asDouble, let why = BypassStrategy.senseError(v) {
        diags.error(why, at: o.value.span)
      }
    }
    let t = checkExpr(call)
    guard case .call(_, let args, _) = call.kind else { return t }
    var wrtFailed = false
    let inputs = wrt.map { w in bypassInputs(named: w, call, failed: &wrtFailed) } ?? firstTensorArgument(args).map { [$0] } ?? []
    if wrt == nil, inputs.isEmpty, !args.contains(where: { (types[$0.value.id] ?? .any).isLenient }) {
      diags.error("'@bypass' needs a call with a tensor argument to route the gradient to", at: call.span)
    }
    if let name {
      bypasses[e.id] = BypassInfo(strategy: name, inputs: inputs)
      if wrtFailed { return t }  // one error for a wrong 'wrt:', not more about the inputs it would name
      if let why = BypassStrategy(rawValue: name)?.singleInputReason, inputs.count > 1 {
        diags.error("'\(name)' cannot route a gradient to \(inputs.count) inputs: \(why)", at: wrt?.value.span ?? e.span,
                    notes: [Note("use es, perturbed or a model surrogate for several inputs, or one '@bypass' per input")])
      }
      if BypassStrategy(rawValue: name)?.passesGradientOn == true, inputs.count == 1, let xs = types[args[inputs[0]].value.id]?.shape,
         let ys = Self.isKnown(t.shape) ? t.shape : specializedResult(of: call)?.shape ?? t.shape, !shapesCompatible(xs, ys) {
        diags.error("'\(name)' bypass needs the output shape to match the input: \(shapeText(ys)) vs \(shapeText(xs))", at: e.span,
                    notes: [Note("use es, perturbed or a model surrogate when the shapes differ")])
      }
    }
    return t
  }

  /// The argument `@bypass` routes the gradient to when `wrt:` names none: the first tensor.
  func firstTensorArgument(_ args: [CallArgument]) -> Int? {
    // Else the first whose type is only known at run time: an `Any` may hold a tensor.
    args.firstIndex { (types[$0.value.id] ?? .any).isTensor } ?? args.firstIndex { (types[$0.value.id] ?? .any) == .any }
  }

  /// The arguments `wrt: p` or `wrt: [p, q]` names, by parameter name or label, however
  /// they were passed. Names that are no parameter of the call are one error (with one
  /// fix-it when each has a replacement: the parameter an argument written with that name
  /// is passed as, or the nearest parameter name); `failed` is set after any error.
  func bypassInputs(named wrt: CallArgument, _ call: Expr, failed: inout Bool) -> [Int] {
    guard case .call(let callee, let args, _) = call.kind else { return [] }
    let items: [Expr]
    switch wrt.value.kind {
    case .list(let xs): items = xs
    default: items = [wrt.value]
    }
    let (params, sources) = parameters(of: call)
    var out: [Int] = []
    var unknown: [(item: Expr, name: String, argument: String?)] = []
    for item in items {
      guard case .name(let pname) = item.kind else {
        diags.error("'wrt' names the parameters to bypass, e.g. 'wrt: x' or 'wrt: [x, c]'", at: item.span)
        failed = true
        continue
      }
      var index = args.firstIndex { $0.label == pname }
      if index == nil, let pi = params?.firstIndex(of: pname), pi < sources.count, case .arg(let ai) = sources[pi] { index = ai }
      guard let ai = index else {
        // An argument written as this name: the parameter it is passed as.
        let passedAs = args.firstIndex { if case .name(pname) = $0.value.kind { return true }; return false }.flatMap { ai in
          args[ai].label ?? params.flatMap { ps in sources.firstIndex(of: .arg(ai)).flatMap { $0 < ps.count ? ps[$0] : nil } }
        }
        unknown.append((item, pname, passedAs))
        continue
      }
      let ty = conversions[args[ai].value.id] ?? types[args[ai].value.id] ?? .any  // an Int passed as a Float is a Float
      if !ty.isTensor, !ty.isLenient, ty != .float {
        diags.error("'wrt' names '\(pname)', which is \(ty), not a tensor", at: item.span)
        failed = true
        continue
      }
      if out.contains(ai) { diags.error("'\(pname)' is named twice in 'wrt'", at: item.span); failed = true; continue }
      out.append(ai)
    }
    if !unknown.isEmpty {
      failed = true
      reportUnknownWrt(unknown, items: items, wrt: wrt, callee: Self.inputPath(callee), params: params)
    }
    return out
  }

  /// The one error for `wrt:` names that are no parameter of the call.
  func reportUnknownWrt(_ unknown: [(item: Expr, name: String, argument: String?)], items: [Expr], wrt: CallArgument,
                        callee: String?, params: [String]?) {
    let ps = params ?? []
    let of = callee.map { " of '\($0)'" } ?? " of the bypassed call"
    func quoted(_ xs: [String]) -> String { xs.map { "'\($0)'" }.joined(separator: ", ") }
    var notes: [Note] = []
    let message: String
    if unknown.allSatisfy({ $0.argument != nil }) {
      let passed = unknown.map { "'\($0.name)' is passed as '\($0.argument ?? "")'" }.joined(separator: ", ")
      message = "'wrt' names the parameters\(of), not the arguments: \(passed)"
    } else {
      message = unknown.count == 1 ? "'wrt' must name a parameter\(of)" : "'wrt' must name parameters\(of): \(quoted(unknown.map(\.name))) are not"
      if unknown.count == 1, ps.contains(unknown[0].name) {
        notes.append(Note("'\(unknown[0].name)' takes its default value here; pass it to bypass it"))
      }
    }
    // A replacement for each name, or no fix-it: the argument's parameter, else the nearest.
    let replacements = unknown.map { u in u.argument ?? (ps.contains(u.name) ? nil : closest(u.name, in: ps)) }
    var fixIts: [FixIt] = []
    let span = unknown.count == 1 ? unknown[0].item.span : wrt.value.span
    if replacements.allSatisfy({ $0 != nil }) {
      if unknown.count == 1, let r = replacements[0] {
        if unknown[0].argument == nil { notes.insert(Note("did you mean '\(r)'?"), at: 0) }
        fixIts = [FixIt(span: span, replacement: r)]
      } else {
        let names = items.map { item -> String in
          if let k = unknown.firstIndex(where: { $0.item.span == item.span }), let r = replacements[k] { return r }
          return files.text(of: item.span)
        }
        fixIts = [FixIt(span: span, replacement: "[" + names.joined(separator: ", ") + "]")]
      }
    }
    if !ps.isEmpty { notes.append(Note("the parameters are: " + ps.joined(separator: ", "))) }
    diags.error(message, at: span, notes: notes, fixIts: fixIts)
  }

  /// A call's parameter names (nil when unknown) and where each parameter's value comes from.
  func parameters(of call: Expr) -> ([String]?, [ArgSource]) {
    switch calls[call.id] {
    case .builtin(let id, let sources)?: return (id.builtin.params.map(\.name), sources)
    case .function(let q, let sources)?: return (functions[q]?.decl.params.map(\.name), sources)
    case .method(let m, let n, let sources)?:
      let q = models[m]?.methods[n] ?? (m + "." + n)
      return (functions[q]?.decl.params.map(\.name), sources)
    case .layer(let sources)?: return (["x"], sources)
    default: return (nil, [])
    }
  }
}
