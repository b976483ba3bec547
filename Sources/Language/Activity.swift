/// How a value depends on the inputs a gradient block asks about.
struct Activity: Equatable {
  /// There is a differentiable path from a requested input to this value.
  var diff = false
  /// The value depends on a requested input at all.
  var dep = false
  /// A real-valued call without gradient that a differentiable path ran into (error a).
  var taint: Taint?
  /// A call without gradient that every dependence passes through (error b).
  var blocker: Taint?

  static let inactive = Activity()
  static let source = Activity(diff: true, dep: true)

  func join(_ o: Activity) -> Activity {
    Activity(diff: diff || o.diff, dep: dep || o.dep, taint: taint ?? o.taint, blocker: blocker ?? o.blocker)
  }
}

/// A call or operator without gradient that a gradient path runs into.
struct Taint: Equatable {
  /// The operation itself: `round`, `>`.
  var name: String
  var span: Span
  /// The calls from the gradient block down to the operation, outermost first: the error
  /// is reported at the first, where `@bypass(…)` belongs.
  var chain: [CallSite] = []
  /// Inserts `@bypass(…)` before the outermost call (nil for an operator written in the block).
  var fix: FixIt?
}

/// A call of a user function or method on a gradient path.
struct CallSite: Equatable {
  var name: String
  /// The callee as written.
  var span: Span
}

/// Activity analysis (DESIGN.md "Gradients through non-differentiable calls"): for each
/// `grad`/`minimize` block, follows what depends on the requested inputs (for `minimize`,
/// every model and layer value: their parameters) through the block, user functions and
/// model `forward`s, and reports (a) a real-valued call without gradient on a path to the
/// loss and (b) a loss that no differentiable path reaches.
struct ActivityAnalysis {
  let checker: Checker
  var diags: DiagnosticEngine
  var env: [Int: Activity] = [:]
  /// True inside `minimize`: model and layer values carry parameters.
  var parametersActive = false
  var summaries: [String: Activity] = [:]
  var inProgress: Set<String> = []
  var returned: Activity?
  var depth = 0

  init(checker: Checker) {
    self.checker = checker
    self.diags = checker.diags
  }

  /// Finds every gradient block in the modules and analyses it.
  mutating func run(_ modules: [SourceModule]) {
    var blocks: [(Expr, CallTarget)] = []
    for m in modules {
      ASTWalker.forEachExpr(in: m.stmts) { e in
        if let t = checker.calls[e.id], t == .minimize || t == .grad(valueToo: false) || t == .grad(valueToo: true) || t == .checkGrad {
          blocks.append((e, t))
        }
      }
    }
    for (e, t) in blocks { analyseBlock(e, t) }
  }

  mutating func analyseBlock(_ e: Expr, _ t: CallTarget) {
    guard case .call(let callee, let args, let block?) = e.kind else { return }
    env = [:]
    summaries = [:]
    parametersActive = t == .minimize
    var names: [String] = []
    for a in args where a.label == nil {  // check_grad's options (`eps:`) are not inputs
      if let id = checker.references[a.value.id] {
        env[id] = .source
        names.append(checker.symbols[id].name)
        // check_grad(net): parameters are inputs, as for minimize.
        if t == .checkGrad, isParameterHolder(checker.symbols[id].type) { parametersActive = true }
      }
    }
    if t != .minimize, names.isEmpty { return }
    let loss = analyse(block)
    let what = t == .minimize ? "minimize" : t == .checkGrad ? "check_grad" : (t == .grad(valueToo: true) ? "value_and_grad" : "grad")
    let inputs = t == .minimize ? "the model parameters" : names.map { "'\($0)'" }.joined(separator: ", ")
    if let taint = loss.taint {
      diags.error(blockedMessage(taint, "lies on a path from \(inputs) to the loss of '\(what)'"), at: taint.chain.first?.span ?? taint.span,
                  notes: chainNotes(taint) + [Note("its gradient would silently be zero"), remedy(taint)],
                  fixIts: taint.fix.map { [$0] } ?? [])
    } else if !loss.diff, let b = loss.blocker {
      diags.error("no gradient reaches \(inputs): every path to the loss of '\(what)' passes through " + blockedMessage(b, "has no gradient"),
                  at: b.chain.first?.span ?? b.span, notes: chainNotes(b) + [remedy(b)], fixIts: b.fix.map { [$0] } ?? [])
    } else if !loss.dep {
      diags.error("the loss of '\(what)' does not depend on \(inputs), so its gradient would be zero",
                  at: block.stmts.last?.span ?? callee.span)
    }
  }

  /// `'round' has no gradient, but it …`, or for an operation inside a call
  /// `the call of 'solve' has no gradient: '>' in its body …`.
  func blockedMessage(_ t: Taint, _ rest: String) -> String {
    guard let site = t.chain.first else {
      return rest == "has no gradient" ? "'\(t.name)', which has no gradient" : "'\(t.name)' has no gradient, but it \(rest)"
    }
    if rest == "has no gradient" { return "the call of '\(site.name)' ('\(t.name)' in its body has no gradient)" }
    return "the call of '\(site.name)' has no gradient: '\(t.name)' in its body \(rest)"
  }

  /// Notes at the operation and at each call between the block and it.
  func chainNotes(_ t: Taint) -> [Note] {
    guard !t.chain.isEmpty else { return [] }
    var notes = [Note("'\(t.name)' has no gradient", at: t.span)]
    for site in t.chain.dropFirst() { notes.append(Note("reached through this call of '\(site.name)'", at: site.span)) }
    return notes
  }

  func remedy(_ t: Taint) -> Note {
    if let site = t.chain.first {
      return Note("add '@bypass(…)' before the call of '\(site.name)' to route the gradient around it (ste, es, perturbed, blackbox or a surrogate model), or wrap its argument in 'stop_gradient(…)' to cut it on purpose")
    }
    if t.fix == nil {
      return Note("move '\(t.name)' into a function and call that with '@bypass(…)' to route the gradient around it, or wrap it in 'stop_gradient(…)' to cut it on purpose")
    }
    return Note("add '@bypass(…)' (ste, es, perturbed, blackbox or a surrogate model) to route the gradient around '\(t.name)', or wrap it in 'stop_gradient(…)' to cut it on purpose")
  }

  // MARK: Walking

  mutating func analyse(_ b: Block) -> Activity {
    var last = Activity.inactive
    for (i, s) in b.stmts.enumerated() {
      let a = stmt(s)
      last = i == b.stmts.count - 1 ? a : .inactive
    }
    return last
  }

  mutating func bind(_ p: Pattern, _ a: Activity) {
    switch p {
    case .name(_, let span), .wildcard(let span):
      if let id = checker.bindings[span] { env[id] = a }
    case .tuple(let ps, _):
      for q in ps {
        // The index half of a builtin's tuple (`topk`) carries no gradient.
        if case .name(let name, let span) = q, let id = checker.bindings[span], case .intTensor = checker.symbols[id].type {
          env[id] = nondifferentiable(a, name: name, span: span, fix: nil, real: false)
        } else {
          bind(q, a)
        }
      }
    }
  }

  mutating func stmt(_ s: Stmt) -> Activity {
    switch s.kind {
    case .expr(let e): return expr(e)
    case .binding(let b): bind(b.pattern, expr(b.value))
    case .assign(let target, _, let value):
      let v = expr(value)
      var root = target
      while case .index(let base, _) = root.kind { root = base }
      if let id = checker.references[root.id] { env[id] = (env[id] ?? .inactive).join(v) }
    case .forLoop(let p, let seq, let body):
      bind(p, expr(seq))
      _ = analyse(body)
      _ = analyse(body)
    case .whileLoop(let c, let body):
      _ = expr(c)
      _ = analyse(body)
      _ = analyse(body)
    case .returnValue(let e):
      let a = e.map { expr($0) } ?? .inactive
      returned = (returned ?? .inactive).join(a)
    default: break
    }
    return .inactive
  }

  func isParameterHolder(_ t: ValueType?) -> Bool {
    switch t {
    case .model?, .layer?: return true
    default: return false
    }
  }

  func nondifferentiable(_ input: Activity, name: String, span: Span, fix: FixIt?, real: Bool) -> Activity {
    guard input.dep else { return .inactive }
    let t = Taint(name: name, span: span, fix: fix)
    return Activity(diff: false, dep: true, taint: real && input.diff ? (input.taint ?? t) : (real ? input.taint : nil),
                    blocker: input.blocker ?? t)
  }

  mutating func expr(_ e: Expr) -> Activity {
    depth += 1
    defer { depth -= 1 }
    if depth > 2000 { return .inactive }
    switch e.kind {
    case .int, .float, .bool, .string, .range, .error: return .inactive
    case .name:
      guard let id = checker.references[e.id] else { return .inactive }
      if parametersActive, isParameterHolder(checker.symbols[id].type) || checker.parameterFields.contains(id) { return .source }
      return env[id] ?? .inactive
    case .list(let xs), .tuple(let xs):
      return xs.reduce(Activity.inactive) { $0.join(expr($1)) }
    case .unary(let op, let x):
      let a = expr(x)
      return op == .neg ? a : .inactive
    case .binary(let op, let l, let r, let opSpan):
      let a = expr(l).join(expr(r))
      if op.isLogical { return .inactive }
      if op.isComparison {
        let real = checker.types[e.id]?.isTensor ?? false
        return nondifferentiable(a, name: op.rawValue, span: opSpan, fix: nil, real: real)
      }
      return a
    case .index(let base, let items):
      for case .expr(let x) in items { _ = expr(x) }
      // The index half of a builtin's tuple (`topk(x, k)[1]`) carries no gradient.
      if case .intTensor? = checker.types[e.id], case .tuple? = checker.types[base.id] {
        let k = items.first.flatMap { item -> String? in
          if case .expr(let x) = item, let c = checker.consts[x.id]?.intValue { return String(c) }
          return nil
        } ?? "…"
        return nondifferentiable(expr(base), name: Self.text(base) + "[\(k)]", span: e.span, fix: nil, real: false)
      }
      return expr(base)
    case .member(let base, let name, let nameSpan):
      let t = checker.types[e.id]
      if t == .int || t == .list(.int, count: nil) { return .inactive }
      if case .list(.int, _)? = t { return .inactive }
      if parametersActive, isParameterHolder(t) { return .source }
      // The index half of a builtin's tuple (`topk`) carries no gradient.
      if case .intTensor? = t, case .tuple? = checker.types[base.id] {
        return nondifferentiable(expr(base), name: Self.text(base) + ".\(name)", span: nameSpan, fix: nil, real: false)
      }
      return expr(base)
    case .ifExpr(let i):
      _ = expr(i.condition)
      let a = analyse(i.then)
      return i.otherwise.map { a.join(analyse($0)) } ?? a
    case .bypass(let strategy, let options, let call):
      return bypass(e, strategy, options, call)
    case .call(let callee, let args, let block):
      return call(e, callee, args, block)
    }
  }

  /// A short name for a tuple in messages: its variable, or the builtin that made it.
  static func text(_ e: Expr) -> String {
    switch e.kind {
    case .name(let n): return n
    case .call(let callee, _, _):
      if case .name(let n) = callee.kind { return n + "(…)" }
      return "(…)"
    default: return "(…)"
    }
  }

  mutating func argActs(_ args: [CallArgument]) -> [Activity] { args.map { expr($0.value) } }

  /// A call's activity; `given` replaces the arguments' own activities (the bypass
  /// analysis asks what one argument alone reaches).
  mutating func call(_ e: Expr, _ callee: Expr, _ args: [CallArgument], _ block: Block?, given: [Activity]? = nil) -> Activity {
    let target = checker.calls[e.id] ?? .dynamic
    switch target {
    case .builtin(let id, let sources):
      var acts = given ?? argActs(args)
      let b = id.builtin, name = b.name
      // A condition steers the result but takes no gradient: it is not a path.
      for (i, source) in sources.enumerated() where i < b.params.count && b.params[i].noGradient {
        if case .arg(let k) = source, k < acts.count { acts[k] = .inactive }
      }
      let all = acts.reduce(Activity.inactive) { $0.join($1) }
      let fix = all.dep ? bypassFix(e, args, acts) : nil
      switch b.gradient {
      case .differentiable: return all
      case .nonDifferentiable:
        return nondifferentiable(all, name: name, span: callee.span, fix: fix, real: true)
      case .integer:
        return nondifferentiable(all, name: name, span: callee.span, fix: fix, real: false)
      case .none:
        return .inactive
      }
    case .function(let q, let sources):
      let acts = given ?? argActs(args)
      let name = checker.functions[q]?.decl.name ?? q
      return through(e, CallSite(name: name, span: callee.span), args, acts,
                     summary(q, sources.map { if case .arg(let i) = $0 { return acts[i] }; return .inactive }))
    case .method(let model, let name, let sources):
      let acts = given ?? argActs(args)
      let holder: Activity
      if case .member(let base, _, _) = callee.kind { holder = expr(base) } else { holder = expr(callee) }
      let q = checker.models[model]?.methods[name] ?? (model + "." + name)
      let site = CallSite(name: name == "forward" ? model : name, span: callee.span)
      let r = through(e, site, args, acts, summary(q, sources.map { if case .arg(let i) = $0 { return acts[i] }; return .inactive }))
      return parametersActive && given == nil ? r.join(Activity(diff: holder.diff, dep: holder.dep)) : r
    case .layer:
      return (given ?? argActs(args)).reduce(expr(callee)) { $0.join($1) }
    case .construct:
      _ = argActs(args)
      return .inactive
    case .stopGradient:
      _ = argActs(args)
      return .inactive
    case .surrogate:
      let a = argActs(args).reduce(Activity.inactive) { $0.join($1) }
      return Activity(diff: a.dep, dep: a.dep, taint: a.taint)
    case .eval:
      return block.map { analyse($0) } ?? .inactive
    case .grad, .minimize:
      // A nested gradient is analysed on its own; its value depends on what it captures.
      return argActs(args).reduce(Activity.inactive) { $0.join($1) }
    case .checkGrad:
      // Analysed on its own too; its value (an error measure) has no gradient.
      let all = argActs(args).reduce(Activity.inactive) { $0.join($1) }
      return nondifferentiable(all, name: "check_grad", span: callee.span, fix: nil, real: true)
    case .dynamic:
      // A value of unknown type (`net: Any`) called inside `minimize` may be a model whose
      // parameters reach the loss; the run checks that the optimizer's do.
      let holder = parametersActive && checker.types[callee.id] == .any ? Activity.source : expr(callee)
      return (given ?? argActs(args)).reduce(holder) { $0.join($1) }
    }
  }

  /// A user function's result at a call: a taint found in its body is reported at this
  /// call (its chain grows by this site) when `@bypass` can go here — the call has an
  /// active tensor argument and a tensor result; a model's parameters alone cannot be
  /// bypassed from outside, so then the taint stays where it is. Taints of the arguments
  /// flow through unchanged.
  func through(_ e: Expr, _ site: CallSite, _ args: [CallArgument], _ acts: [Activity], _ body: Activity) -> Activity {
    var r = body
    let fix = body.taint != nil || body.blocker != nil ? bypassFix(e, args, acts) : nil
    let wrap = { (t: Taint) in fix.map { Taint(name: t.name, span: t.span, chain: [site] + t.chain, fix: $0) } ?? t }
    let argTaint = acts.first { $0.taint != nil }?.taint
    let argBlock = acts.first { $0.blocker != nil }?.blocker
    r.taint = r.taint.map(wrap) ?? (r.dep ? argTaint : nil)
    r.blocker = r.blocker.map(wrap) ?? (r.dep ? argBlock : nil)
    return r
  }

  /// The activity of a user function's result given its arguments' activities, found by
  /// analysing its body (memoised; recursion is cut conservatively). Taints are those of
  /// the body only; `through` adds the arguments'.
  mutating func summary(_ q: String, _ acts: [Activity]) -> Activity {
    guard let info = checker.functions[q] else {
      let a = acts.reduce(Activity.inactive) { $0.join($1) }
      return Activity(diff: a.diff, dep: a.dep)
    }
    let key = q + "|" + acts.map { "\($0.diff ? 1 : 0)\($0.dep ? 1 : 0)" }.joined() + (parametersActive ? "p" : "")
    if let s = summaries[key] { return s }
    if inProgress.contains(key) || inProgress.count > 64 {
      let a = acts.reduce(Activity.inactive) { $0.join($1) }
      return Activity(diff: a.diff, dep: a.dep)
    }
    inProgress.insert(key)
    let savedEnv = env, savedReturn = returned
    env = [:]
    returned = nil
    // Strip taints from arguments: only calls inside the body are new findings here.
    for (i, id) in info.paramSymbols.enumerated() where i < acts.count {
      env[id] = Activity(diff: acts[i].diff, dep: acts[i].dep)
    }
    var r = analyse(info.decl.body)
    if let ret = returned { r = r.join(ret) }
    env = savedEnv
    returned = savedReturn
    inProgress.remove(key)
    summaries[key] = r
    return r
  }
}
