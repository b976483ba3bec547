import Language

/// Merges identical pure ops (same kind, operands and type). An op in a nested region may
/// reuse a value from an enclosing region, never the other way round — and never across
/// the edge of a gradient context (docs/ir.md, "When two computations are one value"):
/// inside a `grad`/`value_and_grad` region an outer value that depends on the region's
/// inputs was computed off the tape, and inside `minimize`/`eval` an outer value that
/// depends on a model or layer was computed with other parameters tracking or another
/// layer mode. Such values are recomputed inside the region.
public enum CommonSubexpressions {
  struct Key: Hashable {
    var kind: OpKind
    var operands: [ValueID]
    var type: ValueType
  }

  public static func run(_ m: inout IRModule) {
    for i in m.functions.indices { run(&m.functions[i]) }
  }

  public static func run(_ f: inout Function) {
    var state = State(types: f.valueTypes())
    f.body = state.walk(f.body, [:])
  }

  struct State {
    let types: [ValueID: ValueType]
    var subst: [ValueID: ValueID] = [:]
    /// What each value was computed from: operands, and for ops with regions also every
    /// value used inside them (a region parameter: its op's operands).
    var inputs: [ValueID: [ValueID]] = [:]

    init(types: [ValueID: ValueType]) { self.types = types }

    mutating func walk(_ r: Region, _ outer: [Key: ValueID]) -> Region {
      var table = outer
      var out: [Op] = []
      for var op in r.ops {
        op.operands = op.operands.map { subst[$0] ?? $0 }
        if !op.regions.isEmpty {
          let inner = contextChange(op).map { table.filter(keeping: $0, self) } ?? table
          for j in op.regions.indices {
            for p in op.regions[j].params { inputs[p] = op.operands }
            op.regions[j] = walk(op.regions[j], inner)
          }
        }
        if let res = op.result {
          var from = op.operands
          for reg in op.regions { reg.forEachOp { from.append(contentsOf: $0.operands) } }
          inputs[res] = from
        }
        if op.isPureForCSE, !readsParameters(op), let res = op.result {
          let key = Key(kind: op.kind, operands: op.operands, type: op.type)
          if let prev = table[key] {
            subst[res] = prev
            continue
          }
          table[key] = res
        }
        out.append(op)
      }
      return Region(params: r.params, ops: out)
    }

    /// The values whose dependents an op's regions must not reuse: a gradient's inputs,
    /// or (`minimize`, `eval`) every model and layer value. Nil: the regions share the
    /// enclosing context.
    func contextChange(_ op: Op) -> Roots? {
      switch op.kind {
      case .grad: return Roots(values: Set(op.operands), parameterHolders: false)
      case .minimize, .eval: return Roots(values: [], parameterHolders: true)
      default: return nil
      }
    }

    /// Whether `v` was computed from one of `roots` (memoised in `seen`).
    func depends(_ v: ValueID, on roots: Roots, _ seen: inout [ValueID: Bool]) -> Bool {
      if let known = seen[v] { return known }
      seen[v] = false  // cuts cycles through loop-carried region parameters
      var hit = roots.values.contains(v) || (roots.parameterHolders && Self.isParameterHolder(types[v]))
      if !hit { hit = (inputs[v] ?? []).contains { depends($0, on: roots, &seen) } }
      seen[v] = hit
      return hit
    }

    /// A member of a model or layer (`net.l1.weight`, `net.codebook`): the parameter's value
    /// changes with every optimizer step and assignment, so two reads are two values.
    func readsParameters(_ op: Op) -> Bool {
      guard case .member = op.kind, let base = op.operands.first else { return false }
      switch types[base] {
      case .model?, .layer?, .any?, .error?, nil: return true
      case .list(let e, _)?: return TapeMarking.mayHoldParameters(e)
      default: return false
      }
    }

    static func isParameterHolder(_ t: ValueType?) -> Bool {
      switch t {
      case .model?, .layer?: return true
      default: return false
      }
    }
  }

  struct Roots {
    var values: Set<ValueID>
    var parameterHolders: Bool
  }
}

extension Dictionary where Key == CommonSubexpressions.Key, Value == ValueID {
  /// The entries whose values do not depend on `roots`.
  func filter(keeping roots: CommonSubexpressions.Roots, _ state: CommonSubexpressions.State) -> Self {
    var seen: [ValueID: Bool] = [:]
    return filter { !state.depends($0.value, on: roots, &seen) }
  }
}

extension Op {
  var isPureForCSE: Bool { regions.isEmpty && kind.isPure }
}
