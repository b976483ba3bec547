import Language

/// One analysis of one function body for the activity engine: the abstract value of each
/// SSA value, the `var` cells' state along the structured control flow, and what the
/// function returns.
final class Walk {
  unowned let engine: ActivityEngine
  let function: Function
  let types: [ValueID: ValueType]
  var vals: [ValueID: Act] = [:]
  var returned: Act?
  /// The states at `break` and `continue` of the loops around the current op.
  var loops: [(breaks: Cells?, continues: Cells?)] = []
  /// Inside `minimize` (or a function that may be called there): reading a layer or a
  /// `param` field reads parameters.
  var parametersActive: Bool

  init(engine: ActivityEngine, function: Function, parametersActive: Bool) {
    self.engine = engine
    self.function = function
    self.types = engine.types(of: function)
    self.parametersActive = parametersActive
  }

  func act(_ v: ValueID) -> Act { vals[v] ?? .empty }

  /// Runs a region from `cells`; returns the value it yields and the state at its end.
  func region(_ r: Region, _ cells: Cells?) -> (Act, Cells?) {
    var cells = cells
    var yielded = Act.empty
    for op in r.ops {
      guard cells != nil else { break }
      if case .yield = op.kind {
        yielded = op.operands.first.map(act) ?? .empty
        continue
      }
      step(op, &cells)
    }
    return (yielded, cells)
  }

  /// The part of an op's operands that carries gradient: flows only.
  func flows(_ vs: some Sequence<ValueID>) -> Act {
    vs.reduce(Act.empty) { $0.join(Act(flows: act($1).flows)) }
  }

  func step(_ op: Op, _ cells: inout Cells?) {
    let a: Act
    switch op.kind {
    case .const, .range, .config, .format, .construct, .fieldSet, .breakLoop, .continueLoop, .returnValue, .yield,
         .stopGradient, .unary(.not):
      a = constructed(op, &cells)
    case .binary(let b):
      if b.isLogical {
        a = .empty
      } else if b.isComparison {
        a = flows(op.operands).blocked(by: Blocker(name: b.rawValue, span: op.span), real: op.type.isTensor)
      } else {
        a = flows(op.operands)
      }
    case .unary(.neg):
      a = flows(op.operands)
    case .builtin(let id):
      a = builtin(op, id)
    case .call(let name):
      a = call(op, name, site: name, arguments: op.operands.map(act))
    case .method(let model, let name):
      let q = engine.module.models.first { $0.name == model }?.methods[name] ?? (model + "." + name)
      a = call(op, q, site: name == "forward" ? model : name, arguments: op.operands.map(act))
    case .apply, .applyReLU:
      var r = flows(op.operands.dropFirst())
      if parametersActive, let layer = op.operands.first {
        for h in act(layer).holders { r.flows[.parameter(h.appending("weight"))] = Flow(diff: true) }
      }
      a = r
    case .callDynamic:
      // A value only known at run time (`net: Any`): any of its parameters may be read.
      var r = flows(op.operands)
      if parametersActive, let callee = op.operands.first {
        var holders = act(callee).holders
        if holders.isEmpty, types[callee] == .any { holders = [Holder(root: .unknown, path: [])] }
        for h in holders { r.flows[.parameter(h)] = Flow(diff: true) }
      }
      a = r
    case .list, .tuple:
      a = op.operands.reduce(Act.empty) { $0.join(act($1)) }
    case .index:
      a = index(op, base: op.operands[0], items: op.operands.dropFirst(), step: indexStep(op))
    case .setIndex:
      let items = op.operands.dropFirst().dropLast()
      a = act(op.operands[0]).join(Act(flows: act(op.operands.last ?? op.operands[0]).flows))
        .join(flows(items).usedAsIndex(at: op.span))
    case .member(let name), .fieldGet(let name):
      a = member(op, name)
    case .ifElse:
      let entry = cells
      let (t, c1) = region(op.regions[0], entry)
      let (e, c2) = op.regions.count > 1 ? region(op.regions[1], entry) : (Act.empty, entry)
      let steer = controlled(act(op.operands[0]), at: op.span)
      a = t.join(e).join(steer)
      cells = steered(join(c1, c2), from: entry, by: steer)
    case .forEach:
      let entry = cells
      let seq = act(op.operands[0])
      if let p = op.regions[0].params.first { vals[p] = seq.elements("*") }
      cells = loop(entry: cells) { head in (head, self.region(op.regions[0], head).1) }
      cells = steered(cells, from: entry, by: controlled(seq, at: op.span))
      a = .empty
    case .whileLoop:
      let entry = cells
      var test = Act.empty
      cells = loop(entry: cells) { head in
        let (condition, after) = self.region(op.regions[0], head)
        test = test.join(condition)
        return (after, self.region(op.regions[1], after).1)
      }
      cells = steered(cells, from: entry, by: controlled(test, at: op.span))
      a = .empty
    case .varNew:
      if let r = op.result { cells?[r] = act(op.operands[0]) }
      a = .empty
    case .varGet:
      a = cells?[op.operands[0]] ?? .empty
    case .varSet:
      cells?[op.operands[0]] = act(op.operands[1])
      a = .empty
    case .globalGet(let name):
      var r = engine.readGlobal(name)
      if TapeMarking.mayHoldParameters(op.type), r.holders.isEmpty { r.holders = [Holder(root: .global(name), path: [])] }
      if engine.marking, function.name != "main", TapeMarking.mayCarryGradient(op.type) {
        r.flows[.assumed("global " + name)] = Flow(diff: true)
      }
      a = r
    case .globalSet(let name):
      engine.writeGlobal(name, act(op.operands[0]))
      a = .empty
    case .grad, .checkGrad, .minimize:
      a = gradient(op, &cells)
    case .eval:
      // Nothing in the block is recorded: its value carries no gradient, on purpose.
      cells = region(op.regions[0], cells).1
      a = .empty
    case .surrogate:
      // The surrogate's own output is differentiable in the bypassed inputs.
      var r = flows(op.operands)
      for (s, f) in r.flows { r.flows[s] = Flow(diff: true, taint: f.taint) }
      a = r
    case .bypass:
      a = bypass(op, &cells)
    }
    guard let result = op.result else { return }
    vals[result] = a
    let operandActive = op.operands.contains { v in
      let x = act(v)
      return x.isDifferentiable || (parametersActive && !x.holders.isEmpty)
    }
    if operandActive || a.isDifferentiable { engine.markActive(function.name, result) }
  }

  /// A condition (or a loop's sequence) steers what the branches compute: each source it
  /// depends on reaches their values, without gradient (control dependence). Findings of
  /// the condition itself are not repeated (`if item(loss) < best` is no error).
  func controlled(_ condition: Act, at span: Span) -> Act {
    var r = Act()
    for (s, f) in condition.flows {
      r.flows[s] = Flow(diff: false, blocker: f.blocker ?? Blocker(name: "the condition", span: span), taint: nil)
    }
    return r
  }

  /// The cells a branch or loop changed, joined with what steered it.
  func steered(_ cells: Cells?, from entry: Cells?, by steer: Act) -> Cells? {
    guard var cells, !steer.isEmpty else { return cells }
    for (k, v) in cells where entry?[k] != v { cells[k] = v.join(steer) }
    return cells
  }

  /// Ops that make a value without dependence (constants, models) or end control flow.
  func constructed(_ op: Op, _ cells: inout Cells?) -> Act {
    switch op.kind {
    case .construct:
      return Act(holders: op.result.map { [Holder(root: .made(function: function.name, value: $0), path: [])] } ?? [])
    case .breakLoop:
      if !loops.isEmpty { loops[loops.count - 1].breaks = join(loops[loops.count - 1].breaks, cells) }
      cells = nil
    case .continueLoop:
      if !loops.isEmpty { loops[loops.count - 1].continues = join(loops[loops.count - 1].continues, cells) }
      cells = nil
    case .returnValue:
      returned = (returned ?? .empty).join(op.operands.first.map(act) ?? .empty)
      cells = nil
    default: break
    }
    return .empty
  }

  /// A loop: `body` runs one iteration from the loop head's state and returns the state
  /// where the exit test is made and the state at the end of the body. The head is the
  /// join of the entry, the body's end and every `continue`, iterated until it is stable.
  func loop(entry: Cells?, _ body: (Cells?) -> (test: Cells?, end: Cells?)) -> Cells? {
    var head = entry
    for _ in 0..<10_000 {
      loops.append((nil, nil))
      let (test, end) = body(head)
      let ctx = loops.removeLast()
      let next = join(join(entry, end), ctx.continues)
      if next == head { return join(test, ctx.breaks) }
      head = next
    }
    return head
  }

  /// A builtin by its registry entry: how gradients pass through it.
  func builtin(_ op: Op, _ id: BuiltinID) -> Act {
    let b = id.builtin
    switch b.kind {
    case .optimizer:
      // An optimizer stands for its model's parameters.
      return Act(holders: op.operands.first.map { act($0).holders } ?? [])
    case .layer:
      return Act(holders: op.result.map { [Holder(root: .made(function: function.name, value: $0), path: [])] } ?? [])
    default: break
    }
    if b.name == "params" {
      // `params(net)`: every parameter of the model, each read as a tensor.
      var r = Act()
      if parametersActive, let m = op.operands.first {
        for h in act(m).holders { r.flows[.parameter(h)] = Flow(diff: true) }
      }
      return r
    }
    // A condition steers the result but takes no gradient: it is not a path.
    let used = op.operands.enumerated().filter { i, _ in !(i < b.params.count && b.params[i].noGradient) }.map(\.element)
    let all = flows(used)
    switch b.gradient {
    case .differentiable: return all
    case .nonDifferentiable, .integer:
      guard !all.flows.isEmpty else { return .empty }
      let fix = bypassFix(op, op.operands.map { used.contains($0) ? act($0) : .empty })
      let blocker = Blocker(name: b.name, span: op.span, fix: fix, stopFix: stopFix(op, op.operands.map { used.contains($0) ? act($0) : .empty }))
      return all.blocked(by: blocker, real: b.gradient == .nonDifferentiable)
    case .none: return .empty
    }
  }

  /// A call of user function `name`: its summary for these arguments, with the findings of
  /// the arguments added back. A finding inside the body is reported at this call when
  /// `@bypass` can go here (the chain grows by this site).
  func call(_ op: Op, _ name: String, site: String, arguments: [Act]) -> Act {
    var r = engine.summary(name, arguments, parametersActive: parametersActive)
    let fix = r.flows.values.contains { $0.blocker != nil || $0.taint != nil } ? bypassFix(op, arguments) : nil
    let here = CallSite(name: site, span: op.span)
    let wrap = { (b: Blocker) -> Blocker in
      guard let fix else { return b }
      return Blocker(name: b.name, span: b.span, chain: [here] + b.chain, fix: fix, stopFix: self.stopFix(op, arguments))
    }
    for (s, f) in r.flows {
      let given = arguments.compactMap { $0.flows[s] }
      r.flows[s] = Flow(diff: f.diff, blocker: f.blocker.map(wrap) ?? given.lazy.compactMap(\.blocker).first,
                        taint: f.taint.map(wrap) ?? given.lazy.compactMap(\.taint).first)
    }
    return r
  }

  /// `base[items]`: the base's flows and holders (an element of a list of models), and the
  /// items' flows as dependences only (an index has no gradient).
  func index(_ op: Op, base: ValueID, items: ArraySlice<ValueID>, step: String) -> Act {
    let b = act(base)
    // The index half of a builtin's tuple (`topk(x, k)[1]`) carries no gradient.
    if case .intTensor = op.type, case .tuple? = types[base] {
      return b.blocked(by: Blocker(name: engine.module.files.text(of: op.span), span: op.span), real: false)
    }
    return b.elements(step).join(flows(items).usedAsIndex(at: op.span))
  }

  /// The list position an index op reads, when it is a constant.
  func indexStep(_ op: Op) -> String {
    guard op.operands.count == 2, let def = definition(op.operands[1]), case .const(let c) = def.kind, let i = c.intValue else { return "*" }
    return String(i)
  }

  /// `.name` on a value: a shape or rank carries nothing; a field of a model is a holder or,
  /// for a `param` field, a parameter.
  func member(_ op: Op, _ name: String) -> Act {
    let base = op.operands[0]
    let b = act(base)
    switch op.type {
    case .int, .bool, .string, .list(.int, _): return .empty
    default: break
    }
    if case .intTensor = op.type, case .tuple? = types[base] {
      return b.blocked(by: Blocker(name: engine.module.files.text(of: op.span), span: op.span), real: false)
    }
    guard !b.holders.isEmpty else { return b }
    var r = Act(flows: b.flows, holders: Set(b.holders.map { $0.appending(name) }))
    if parametersActive, op.type.isTensor {
      let isParameter: Bool
      switch types[base] {
      case .model(let m)?: isParameter = engine.parameterFields[m]?.contains(name) ?? false
      default: isParameter = true  // a model only known at run time
      }
      if isParameter {
        for h in b.holders { r.flows[.parameter(h.appending(name))] = Flow(diff: true) }
        r.holders = []
      }
    }
    return r
  }

  /// `grad`, `check_grad` and `minimize`. The op being checked seeds its sources (its
  /// inputs; for `minimize` and `check_grad`, the parameters its block reads); another
  /// gradient op passes its inputs through. Marking seeds every one.
  func gradient(_ op: Op, _ cells: inout Cells?) -> Act {
    let isTarget = engine.isTarget(function.name, op.result)
    let seeds = isTarget || engine.marking
    let saved = parametersActive
    defer { parametersActive = saved }
    var inputs: [Act] = []
    switch op.kind {
    case .grad, .checkGrad:
      var models = false
      for (i, p) in op.regions[0].params.enumerated() where i < op.operands.count {
        let given = act(op.operands[i])
        var a = seeds ? Act() : given
        if seeds {
          let at = op.result ?? -1
          // `grad(net)`: a model's or layer's parameters are the sources, not the value itself.
          let holder = Self.isParameterHolder(types[p])
          if !(holder && Self.isGrad(op)) {
            a.flows[engine.marking ? .assumed("input") : .input(at, i)] = Flow(diff: true)
          }
          if !given.holders.isEmpty || TapeMarking.mayHoldParameters(types[p] ?? .any) {
            a.holders = [Holder(root: .input(at, i), path: [])]
            models = models || holder || types[p] == .any
          }
        }
        vals[p] = a
        inputs.append(given)
      }
      if seeds, models || !Self.isGrad(op) { parametersActive = true }
    default:
      if seeds { parametersActive = true }
    }
    let (loss, end) = region(op.regions[0], cells)
    cells = end
    if isTarget, engine.probing == 0, let v = op.result {
      let optimizer = op.kind == .minimize ? act(op.operands[0]) : .empty
      engine.found[v] = ((engine.found[v]?.loss ?? .empty).join(loss), inputs, optimizer)
    }
    switch op.kind {
    case .grad:
      // The gradient depends on what the inputs depend on (a second-order gradient), not on
      // the sources seeded here.
      let outer = seeds ? Act() : Act(flows: loss.flows)
      return flows(op.operands).join(outer)
    case .checkGrad:
      return flows(op.operands).blocked(by: Blocker(name: "check_grad", span: op.span), real: true)
    default:
      return .empty
    }
  }

  static func isGrad(_ op: Op) -> Bool {
    if case .grad = op.kind { return true }
    return false
  }

  /// A model or a layer (statically): its parameters are what a gradient is taken of.
  static func isParameterHolder(_ t: ValueType?) -> Bool {
    switch t {
    case .model?, .layer?: return true
    default: return false
    }
  }

  /// The op that defines `v` in this function, if an op does.
  func definition(_ v: ValueID) -> Op? { engine.definitions(of: function)[v] }
}
