import Language

/// Inlines calls to small user functions: at most `maxOps` ops, one `return` at the end of
/// the body, and no call to itself. Inlined ops keep the callee's spans and record the call
/// they came from (`Op.inlinedAt`), so a run-time error still shows it in its trace.
public enum Inliner {
  public static let maxOps = 40

  public static func run(_ m: inout IRModule) {
    var candidates: [String: Function] = [:]
    for f in m.functions where isInlinable(f) { candidates[f.name] = f }
    for i in m.functions.indices {
      var f = m.functions[i]
      var next = f.valueCount
      f.body = inline(f.body, candidates, caller: f.name, &next)
      f.valueCount = next
      m.functions[i] = f
    }
  }

  /// Whether a function may be inlined into its callers.
  public static func isInlinable(_ f: Function) -> Bool {
    guard f.body.opCount <= maxOps, case .returnValue? = f.body.ops.last?.kind else { return false }
    var ok = true
    var returns = 0
    f.body.forEachOp { op in
      if case .returnValue = op.kind { returns += 1 }
      if case .call(let q) = op.kind, q == f.name { ok = false }
    }
    return ok && returns == 1
  }

  static func inline(_ r: Region, _ candidates: [String: Function], caller: String, _ next: inout Int) -> Region {
    var out: [Op] = []
    var subst: [ValueID: ValueID] = [:]
    for var op in r.ops {
      op.operands = op.operands.map { resolve($0, subst) }
      for j in op.regions.indices {
        op.regions[j].substitute(subst)
        op.regions[j] = inline(op.regions[j], candidates, caller: caller, &next)
      }
      if case .call(let q) = op.kind, q != caller, let callee = candidates[q],
         callee.body.params.count == op.operands.count {
        // Fresh ids for everything the callee defines; parameters become the arguments.
        var map: [ValueID: ValueID] = [:]
        for (p, a) in zip(callee.body.params, op.operands) { map[p] = a }
        var body = callee.body
        body.params = []
        renumber(&body, &map, &next)
        var ops = body.ops
        let ret = ops.removeLast()
        for k in ops.indices { ops[k].inlinedAt.append(InlineFrame(function: q, site: op.span)) }
        out.append(contentsOf: ops)
        if let res = op.result, let v = ret.operands.first { subst[res] = v }
        continue
      }
      out.append(op)
    }
    var region = Region(params: r.params, ops: out)
    region.substitute(subst)
    return region
  }

  static func renumber(_ r: inout Region, _ map: inout [ValueID: ValueID], _ next: inout Int) {
    r.params = r.params.map { p in
      let n = next
      next += 1
      map[p] = n
      return n
    }
    for i in r.ops.indices {
      r.ops[i].operands = r.ops[i].operands.map { map[$0] ?? $0 }
      for j in r.ops[i].regions.indices { renumber(&r.ops[i].regions[j], &map, &next) }
      if let res = r.ops[i].result {
        map[res] = next
        r.ops[i].result = next
        next += 1
      }
    }
  }
}
