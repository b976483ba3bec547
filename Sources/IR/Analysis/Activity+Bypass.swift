import Language

/// `@bypass` in the activity dataflow, and the fix-its that add one.
///
/// A bypassed call's value is differentiable in its bypassed inputs: the strategy supplies
/// that gradient. Every other active argument gets the call's ordinary gradient, so the call
/// must be differentiable with respect to it; so must the parameters the call's body reads.
/// Where it is not, the gradient would silently be zero: an error with a fix-it.
extension Walk {
  func bypass(_ op: Op, _ cells: inout Cells?) -> Act {
    guard case .bypass(let strategy, _, let count) = op.kind, let body = op.regions.first else { return .empty }
    let inputs = Array(op.operands.prefix(count))
    let entry = cells
    for (p, x) in zip(body.params, inputs) { vals[p] = act(x) }
    cells = region(body, entry).1
    guard let y = body.ops.last(where: { if case .yield = $0.kind { return true }; return false })?.operands.first,
          let call = body.ops.first(where: { $0.result == y }) else { return flows(inputs) }

    // What each other argument alone reaches through the call, the bypassed inputs held
    // constant; parameters the body reads show up as themselves.
    let others = call.operands.enumerated().filter { !body.params.contains($0.element) && !act($0.element).flows.isEmpty }
    engine.probing += 1
    let saved = vals
    for p in body.params { vals[p] = .empty }
    for (j, v) in others { vals[v] = Act(flows: [.argument(j): Flow(diff: true)], holders: act(v).holders) }
    let probe = region(body, entry).0
    vals = saved
    engine.probing -= 1

    var r = Act()
    func add(_ s: ActivitySource, _ f: Flow) { r.flows[s] = (r.flows[s] ?? Flow()).join(f) }
    for x in inputs {
      for (s, f) in act(x).flows { add(s, Flow(diff: true, taint: f.taint)) }
    }
    for (j, v) in others {
      guard let through = probe.flows[.argument(j)] else { continue }
      if !through.diff || through.taint != nil {
        reportUnbypassed(call, j, bypass: op, strategy: strategy, cause: through.taint ?? through.blocker)
      }
      // An argument the call blocks is reported above, once; it is not reported again at the loss.
      for (s, f) in act(v).flows { add(s, Flow(diff: f.diff, blocker: f.blocker, taint: f.taint)) }
    }
    var blockedParameter: Blocker??
    for (s, f) in probe.flows {
      if case .argument = s { continue }
      if case .parameter = s, !f.diff || f.taint != nil, blockedParameter == nil { blockedParameter = .some(f.taint ?? f.blocker) }
      add(s, f)
    }
    if let cause = blockedParameter { reportBlockedParameters(call, cause: cause) }
    return r
  }

  var reporting: Bool { engine.probing == 0 && !engine.marking }

  /// An active argument of a bypassed call that the call has no gradient for.
  func reportUnbypassed(_ call: Op, _ j: Int, bypass: Op, strategy: String, cause: Blocker?) {
    guard reporting else { return }
    let written = call.result.flatMap { function.sourceNotes.arguments[$0] }
    let at = (written.flatMap { j < $0.count ? $0[j] : nil }) ?? call.span
    let name = parameterName(call, j)
    var notes: [Note] = []
    if let cause { notes.append(Note("'\(cause.name)' has no gradient", at: cause.span)) }
    notes.append(Note("its gradient would silently be zero"))
    notes.append(Note("bypass it too with 'wrt:', or wrap it in 'stop_gradient(…)' to cut it on purpose"))
    var fixIts: [FixIt] = []
    let bypassed = call.operands.indices.filter { bypass.regions[0].params.contains(call.operands[$0]) }
    let names = bypassed.map { parameterName(call, $0) }
    if let name, names.allSatisfy({ $0 != nil }), let spans = bypass.result.flatMap({ function.sourceNotes.bypasses[$0] }) {
      let list = "[" + (names.compactMap { $0 } + [name]).joined(separator: ", ") + "]"
      if let wrt = spans.wrt {
        fixIts.append(FixIt(span: wrt, replacement: list))
      } else {
        fixIts.append(FixIt(span: Span(file: spans.strategy.file, start: spans.strategy.end, end: spans.strategy.end), replacement: ", wrt: " + list))
      }
      // Straight-through and blackbox route a gradient to one input only.
      if BypassStrategy(rawValue: strategy)?.singleInputReason != nil {
        fixIts.insert(FixIt(span: spans.strategy, replacement: "es"), at: 0)
      }
    }
    let shown = name.map { "'\($0)'" } ?? "this argument"
    engine.diagnostics.error("\(shown) gets no gradient through the bypassed call: it is not bypassed, and the call is not differentiable with respect to it",
                             at: at, notes: notes, fixIts: fixIts)
  }

  /// Parameters read inside a bypassed call that the call has no gradient for.
  func reportBlockedParameters(_ call: Op, cause: Blocker?) {
    guard reporting else { return }
    var notes: [Note] = []
    if let cause { notes.append(Note("'\(cause.name)' has no gradient", at: cause.span)) }
    notes.append(Note("its gradient would silently be zero"))
    notes.append(Note("pass the model's output to the call as an argument and bypass it with 'wrt:', or wrap the model's use in 'stop_gradient(…)' to cut it on purpose"))
    engine.diagnostics.error("model parameters used inside the bypassed call get no gradient: the call is not differentiable with respect to them",
                             at: call.span, notes: notes)
  }

  /// The parameter name of operand `j` of a call.
  func parameterName(_ call: Op, _ j: Int) -> String? {
    let names: [String]
    switch call.kind {
    case .call(let q): names = engine.functions[q]?.paramNames ?? []
    case .method(let m, let n):
      let q = engine.module.models.first { $0.name == m }?.methods[n] ?? (m + "." + n)
      names = engine.functions[q]?.paramNames ?? []
    case .builtin(let id): names = id.builtin.params.map(\.name)
    default: names = []
    }
    return j < names.count ? names[j] : nil
  }

  /// The fix-it that puts `@bypass(…)` before call `op`: `ste` when its one active tensor
  /// argument has the result's known shape, else `es`; `wrt:` when the active arguments
  /// are not just the first tensor argument as written. Nil when the result is not a tensor.
  func bypassFix(_ op: Op, _ arguments: [Act]) -> FixIt? {
    guard op.type.isTensor || op.type == .float, let result = op.result,
          let written = function.sourceNotes.arguments[result] else { return nil }
    let isValue = { (j: Int) -> Bool in
      j < written.count && written[j] != nil && (self.types[op.operands[j]].map { $0.isTensor || $0 == .float } ?? false)
    }
    let active = arguments.indices.filter { isValue($0) && !arguments[$0].flows.isEmpty }
    guard !active.isEmpty else { return nil }
    var strategy = "es"
    if active.count == 1, let xs = types[op.operands[active[0]]]?.shape, let ys = op.type.shape,
       xs.allSatisfy({ if case .known = $0 { return true }; return false }), xs == ys {
      strategy = "ste"
    }
    // The checker bypasses the first tensor argument as written unless `wrt:` says otherwise.
    let byPosition = written.indices.filter { written[$0] != nil }.sorted { written[$0]!.start < written[$1]!.start }
    let first = byPosition.first { types[op.operands[$0]]?.isTensor ?? false } ?? byPosition.first { types[op.operands[$0]] == .any }
    var options = ""
    if active != [first].compactMap({ $0 }) {
      let names = active.compactMap { parameterName(op, $0) }
      guard names.count == active.count else { return nil }
      options = ", wrt: " + (names.count == 1 ? names[0] : "[" + names.joined(separator: ", ") + "]")
    }
    return FixIt(span: Span(file: op.span.file, start: op.span.start, end: op.span.start), replacement: "@bypass(\(strategy)\(options)) ")
  }

  /// Wraps each active argument of call `op`, as written, in `stop_gradient(…)`.
  func stopFix(_ op: Op, _ arguments: [Act]) -> [FixIt] {
    guard let written = op.result.flatMap({ function.sourceNotes.arguments[$0] }) else { return [] }
    var fixes: [FixIt] = []
    for (j, a) in arguments.enumerated() where j < written.count && !a.flows.isEmpty {
      guard let span = written[j], span.file >= 0, span.end > span.start else { continue }
      fixes.append(FixIt(span: Span(file: span.file, start: span.start, end: span.start), replacement: "stop_gradient("))
      fixes.append(FixIt(span: Span(file: span.file, start: span.end, end: span.end), replacement: ")"))
    }
    return fixes
  }
}
