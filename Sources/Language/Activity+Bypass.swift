/// `@bypass` in the activity analysis, and the fix-its that add one.
///
/// A bypassed call's value is active when a bypassed input is: the strategy supplies that
/// gradient. Every other active argument gets the call's ordinary gradient, so the call
/// must be differentiable with respect to it; where it is not, the gradient would silently
/// be zero, and that argument is an error with a fix-it that bypasses it too.
extension ActivityAnalysis {
  mutating func bypass(_ e: Expr, _ strategy: Expr, _ options: [CallArgument], _ call: Expr) -> Activity {
    for o in options where o.label != "wrt" { _ = expr(o.value) }
    guard case .call(let callee, let args, let block) = call.kind else { return expr(call) }
    let acts = argActs(args)
    guard let inputs = checker.bypasses[e.id]?.inputs else {  // an unknown strategy, reported already
      let a = acts.reduce(Activity.inactive) { $0.join($1) }
      return Activity(diff: a.dep, dep: a.dep, taint: a.taint)
    }
    var a = isParameterHolder(checker.types[callee.id]) && parametersActive ? Activity.source : .inactive
    for i in inputs where i < acts.count { a = a.join(acts[i]) }
    var result = Activity(diff: a.dep, dep: a.dep, taint: a.taint, blocker: nil)
    for (i, act) in acts.enumerated() where !inputs.contains(i) && act.dep {
      // What argument i alone reaches through the call, the bypassed inputs held constant.
      var alone = [Activity](repeating: .inactive, count: acts.count)
      alone[i] = Activity(diff: act.diff, dep: act.dep)
      let r = self.call(call, callee, args, block, given: alone)
      if r.dep, !r.diff || r.taint != nil {
        reportUnbypassed(args[i], index: i, call, strategy, options, inputs, cause: r.taint ?? r.blocker)
      }
      result = result.join(Activity(diff: r.diff, dep: r.dep, taint: act.taint, blocker: nil))
    }
    // In `minimize`, models and layers the call's body reads (not its arguments) carry
    // parameters too: they get the ordinary gradient, which must exist.
    if parametersActive {
      let r = self.call(call, callee, args, block, given: [Activity](repeating: .inactive, count: acts.count))
      if r.dep, !r.diff || r.taint != nil {
        var notes: [Note] = []
        if let cause = r.taint ?? r.blocker { notes.append(Note("'\(cause.name)' has no gradient", at: cause.span)) }
        notes.append(Note("its gradient would silently be zero"))
        notes.append(Note("pass the model's output to the call as an argument and bypass it with 'wrt:', or wrap the model's use in 'stop_gradient(…)' to cut it on purpose"))
        diags.error("model parameters used inside the bypassed call get no gradient: the call is not differentiable with respect to them",
                    at: call.span, notes: notes)
      }
      result = result.join(Activity(diff: r.diff, dep: r.dep))
    }
    return result
  }

  /// An active argument of a bypassed call that the call has no gradient for.
  mutating func reportUnbypassed(_ arg: CallArgument, index: Int, _ call: Expr, _ strategy: Expr, _ options: [CallArgument],
                                 _ inputs: [Int], cause: Taint?) {
    let (params, sources) = checker.parameters(of: call)
    let name = parameterName(index, params, sources)
    var notes: [Note] = []
    if let cause { notes.append(Note("'\(cause.name)' has no gradient", at: cause.span)) }
    notes.append(Note("its gradient would silently be zero"))
    notes.append(Note("bypass it too with 'wrt:', or wrap it in 'stop_gradient(…)' to cut it on purpose"))
    var fixIts: [FixIt] = []
    let names = inputs.map { parameterName($0, params, sources) }
    if let name, names.allSatisfy({ $0 != nil }) {
      let list = "[" + (names.compactMap { $0 } + [name]).joined(separator: ", ") + "]"
      if let wrt = options.first(where: { $0.label == "wrt" }) {
        fixIts.append(FixIt(span: wrt.value.span, replacement: list))
      } else {
        fixIts.append(FixIt(span: Span(file: strategy.span.file, start: strategy.span.end, end: strategy.span.end), replacement: ", wrt: " + list))
      }
      // Straight-through and blackbox route a gradient to one input only.
      if case .name(let s) = strategy.kind, BypassStrategy(rawValue: s)?.singleInputReason != nil {
        fixIts.insert(FixIt(span: strategy.span, replacement: "es"), at: 0)
      }
    }
    let shown = name.map { "'\($0)'" } ?? "this argument"
    diags.error("\(shown) gets no gradient through the bypassed call: it is not bypassed, and the call is not differentiable with respect to it",
                at: arg.value.span, notes: notes, fixIts: fixIts)
  }

  /// The parameter name of the call's written argument `index`.
  func parameterName(_ index: Int, _ params: [String]?, _ sources: [ArgSource]) -> String? {
    guard let params, let pi = sources.firstIndex(of: .arg(index)), pi < params.count else { return nil }
    return params[pi]
  }

  /// The fix-it that puts `@bypass(…)` before call `e`: `ste` when its one active tensor
  /// argument has the result's known shape, else `es`; `wrt:` when the active arguments
  /// are not just the first tensor argument. Nil when the result is not a tensor.
  func bypassFix(_ e: Expr, _ args: [CallArgument], _ acts: [Activity]) -> FixIt? {
    guard let result = checker.types[e.id], result.isTensor || result == .float else { return nil }
    let active = acts.indices.filter { acts[$0].dep && (checker.types[args[$0].value.id].map { $0.isTensor || $0 == .float } ?? false) }
    guard !active.isEmpty else { return nil }
    var strategy = "es"
    if active.count == 1, let xs = checker.types[args[active[0]].value.id]?.shape, let ys = result.shape,
       xs.allSatisfy({ if case .known = $0 { return true }; return false }), xs == ys {
      strategy = "ste"
    }
    var options = ""
    if active != [checker.firstTensorArgument(args)].compactMap({ $0 }) {
      let (params, sources) = checker.parameters(of: e)
      let names = active.compactMap { parameterName($0, params, sources) }
      guard names.count == active.count else { return nil }
      options = ", wrt: " + (names.count == 1 ? names[0] : "[" + names.joined(separator: ", ") + "]")
    }
    return FixIt(span: Span(file: e.span.file, start: e.span.start, end: e.span.start), replacement: "@bypass(\(strategy)\(options)) ")
  }
}
