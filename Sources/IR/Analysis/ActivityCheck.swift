import Language

/// The gradient diagnostics (DESIGN.md "Gradients through non-differentiable calls"), read
/// off the activity dataflow of the lowered program. For each `grad`, `value_and_grad`,
/// `check_grad` and `minimize`, every requested input — for `minimize` every parameter of
/// the optimizer's model, for `check_grad(net)` every parameter of `net` — is one of:
/// - reaches the loss differentiably: fine, unless (a) a real-valued operation without
///   gradient lies on such a path (its gradient would silently be zero);
/// - reaches it only through operations without gradient (b): an error at the operation,
///   naming the input or parameter, with fix-its for `@bypass(…)` and `stop_gradient(…)`;
/// - does not reach it: fine for a parameter (as in PyTorch), unless nothing requested
///   reaches the loss at all.
/// As Swift's SIL diagnostics do, this runs on a program that type-checked.
public enum ActivityCheck {
  public static func run(_ module: IRModule) -> [Diagnostic] {
    let globals = ActivityEngine.globalHolders(module)
    var out = DiagnosticEngine()
    for f in module.functions {
      var targets: [Op] = []
      f.body.forEachOp { op in
        switch op.kind {
        case .grad, .checkGrad, .minimize: targets.append(op)
        default: break
        }
      }
      guard !targets.isEmpty else { continue }
      // One analysis of the function checks all its gradient ops: each seeds its own sources.
      let e = ActivityEngine(module: module, marking: false, target: f.name, globals: globals)
      // A function's model and optimizer parameters are holders of a model not known here.
      let arguments = zip(f.body.params.indices, f.paramTypes).map { i, t -> Act in
        TapeMarking.mayHoldParameters(t) || t == .optimizer ? Act(holders: [Holder(root: .parameter(i), path: [])]) : .empty
      }
      e.rounds {
        e.found = [:]
        e.diagnostics = DiagnosticEngine()
        e.walk(f, arguments: arguments, parametersActive: false)
      }
      for d in e.diagnostics.diagnostics { out.emit(d) }
      for op in targets {
        guard let v = op.result, let r = e.found[v] else { continue }
        report(op, in: f, r.loss, optimizer: r.optimizer, inputs: r.inputs, into: &out)
      }
    }
    return out.diagnostics
  }

  static func report(_ op: Op, in f: Function, _ loss: Act, optimizer: Act, inputs given: [Act], into out: inout DiagnosticEngine) {
    let what: String
    switch op.kind {
    case .grad(let valueToo): what = valueToo ? "value_and_grad" : "grad"
    case .checkGrad: what = "check_grad"
    default: what = "minimize"
    }
    let inputs = op.regions[0].params.map { f.sourceNotes.names[$0] ?? "?" }
    // The optimizer's model, when it is known here; else any model's parameters count.
    let known = !optimizer.holders.isEmpty && optimizer.holders.allSatisfy { if case .made = $0.root { return true }; return false }
    func name(_ s: ActivitySource) -> String? {
      switch (s, op.kind) {
      case (.input(let at, let i), .grad), (.input(let at, let i), .checkGrad):
        return at == op.result && i < inputs.count ? "'\(inputs[i])'" : nil
      case (.parameter(let h), .minimize):
        // Named as the checkpoint names them: from the optimizer's model (`adam(net.sub)`: from `sub`).
        var path = h.path
        if known {
          guard let base = optimizer.holders.first(where: { $0.root == h.root && h.path.starts(with: $0.path) }) else { return nil }
          path = Array(h.path.dropFirst(base.path.count))
        }
        if path.isEmpty { return known ? "the parameters 'params(…)' reads" : "the parameters of a model known only at run time" }
        return "parameter '\(path.joined(separator: "."))'"
      case (.parameter(let h), .grad), (.parameter(let h), .checkGrad):
        var fields: [String?] = []
        if case .checkGrad(_, let f) = op.kind { fields = f }
        // A model's parameters are shared objects: the block may reach them through the
        // region's parameter, or through the model itself (a global, a field: `net.codebook`).
        for i in inputs.indices {
          let field = i < fields.count ? fields[i] : nil
          var bases = [Holder(root: .input(op.result ?? -1, i), path: [])]
          if i < given.count { bases += given[i].holders.map { h in field.map { h.appending($0) } ?? h } }
          for b in bases where b.root == h.root && h.path.starts(with: b.path) {
            if h.path.count == b.path.count { return "the parameters of '\(inputs[i])'" }
            return "parameter '" + ([inputs[i]] + h.path.dropFirst(b.path.count)).joined(separator: ".") + "'"
          }
        }
        return nil
      default:
        return nil
      }
    }
    var tainted: [(Blocker, [String])] = [], blocked: [(Blocker, [String])] = []
    func add(_ b: Blocker, _ n: String, _ list: inout [(Blocker, [String])]) {
      if let k = list.firstIndex(where: { $0.0.site == b.site }) { list[k].1.append(n) } else { list.append((b, [n])) }
    }
    var reached = false
    for (s, flow) in loss.flows {
      guard let n = name(s) else { continue }
      if flow.diff { reached = true }
      if let t = flow.taint {
        add(t, n, &tainted)
      } else if !flow.diff, let b = flow.blocker {
        add(b, n, &blocked)
      }
    }
    let requested = what == "minimize" ? "the model parameters" : inputs.map { "'\($0)'" }.joined(separator: ", ")
    for (t, _) in tainted.sorted(by: { $0.0.site.start < $1.0.site.start }) {
      out.error(blockedMessage(t, "lies on a path from \(requested) to the loss of '\(what)'"), at: t.site,
                notes: chainNotes(t) + [Note("its gradient would silently be zero")] + remedy(t), fixIts: t.fix.map { [$0] } ?? [])
    }
    for (b, names) in blocked.sorted(by: { $0.0.site.start < $1.0.site.start }) {
      let list = names.sorted().joined(separator: ", ")
      out.error("no gradient reaches \(list): every path to the loss of '\(what)' passes through " + blockedMessage(b, "has no gradient"),
                at: b.site, notes: chainNotes(b) + remedy(b), fixIts: fixIts(b))
    }
    if tainted.isEmpty, blocked.isEmpty, !reached {
      let yielded = op.regions[0].ops.last { if case .yield = $0.kind { return true }; return false }
      let at = yielded?.operands.first.flatMap { v in definition(v, in: op.regions[0]) }?.span ?? yielded?.span ?? op.span
      let others = loss.flows.contains { s, f in if case .parameter = s { return f.diff }; return false }
      if what == "minimize", known, others {
        out.error("the loss of 'minimize' does not depend on the parameters of the optimizer's model, so the step would change nothing", at: at,
                  notes: [Note("the loss reaches the parameters of another model; make the optimizer for the model the loss calls")])
      } else {
        out.error("the loss of '\(what)' does not depend on \(requested), so its gradient would be zero", at: at)
      }
    }
  }

  static func definition(_ v: ValueID, in r: Region) -> Op? {
    var found: Op?
    r.forEachOp { if $0.result == v { found = $0 } }
    return found
  }

  /// `'round' has no gradient, but it …`, or for an operation inside a call
  /// `the call of 'solve' has no gradient: 'round' in its body …`.
  static func blockedMessage(_ b: Blocker, _ rest: String) -> String {
    guard let site = b.chain.first else {
      return rest == "has no gradient" ? "'\(b.name)', which has no gradient" : "'\(b.name)' has no gradient, but it \(rest)"
    }
    if rest == "has no gradient" { return "the call of '\(site.name)' ('\(b.name)' in its body has no gradient)" }
    return "the call of '\(site.name)' has no gradient: '\(b.name)' in its body \(rest)"
  }

  /// Notes at the operation and at each call between the block and it.
  static func chainNotes(_ b: Blocker) -> [Note] {
    guard !b.chain.isEmpty else { return [] }
    var notes = [Note("'\(b.name)' has no gradient", at: b.span)]
    for site in b.chain.dropFirst() { notes.append(Note("reached through this call of '\(site.name)'", at: site.span)) }
    return notes
  }

  /// The strategies a note offers, from the one list of them.
  static let strategies = BypassStrategy.allCases.map(\.rawValue).joined(separator: ", ") + " or a surrogate model"

  /// The fix-its of a blocked path: `@bypass(…)`, else `stop_gradient(…)`.
  static func fixIts(_ b: Blocker) -> [FixIt] { b.fix.map { [$0] } ?? b.stopFix }

  /// What to do: `@bypass(…)` (the fix-it), or `stop_gradient(…)` on purpose (the note's).
  static func remedy(_ b: Blocker) -> [Note] {
    if let index = b.index {
      return [Note("its result is used as an index, which has no gradient: to train through it, move the lookup into a function that returns a tensor and call that with '@bypass(…)' (ste for a quantizer, es, or a surrogate model)", at: index),
              Note("or wrap its argument in 'stop_gradient(…)' to cut the gradient on purpose (the fix-it)")]
    }
    let stop = Note("or wrap its argument in 'stop_gradient(…)' to cut the gradient on purpose", fixIts: b.stopFix)
    if let site = b.chain.first {
      return [Note("add '@bypass(…)' before the call of '\(site.name)' to route the gradient around it (\(strategies))"), stop]
    }
    if b.fix == nil {
      return [Note("move '\(b.name)' into a function and call that with '@bypass(…)' to route the gradient around it, or wrap it in 'stop_gradient(…)' to cut it on purpose")]
    }
    return [Note("add '@bypass(…)' (\(strategies)) to route the gradient around '\(b.name)'"), stop]
  }
}

extension Compilation {
  /// Lowers a checked program and checks its gradients on the lowered IR (the activity
  /// diagnostics); nil when that reported an error.
  /// - Parameter returningLastValue: see `Lowering.lower`.
  public func lower(_ program: CheckedProgram, returningLastValue: Bool = false) -> IRModule? {
    let m = Lowering.lower(program, returningLastValue: returningLastValue)
    report(ActivityCheck.run(m))
    return diagnostics.hasErrors ? nil : m
  }

  /// Checks the program, lowers it and checks its gradients: what `dpl check` reports.
  public func checkAndLower() -> IRModule? {
    check().flatMap { lower($0) }
  }
}
