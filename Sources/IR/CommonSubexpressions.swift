import Language

/// Merges identical pure ops (same kind, operands and type). An op in a nested region may
/// reuse a value from an enclosing region, never the other way round.
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
    var subst: [ValueID: ValueID] = [:]
    f.body = walk(f.body, [:], &subst)
  }

  static func walk(_ r: Region, _ outer: [Key: ValueID], _ subst: inout [ValueID: ValueID]) -> Region {
    var table = outer
    var out: [Op] = []
    for var op in r.ops {
      op.operands = op.operands.map { resolve($0, subst) }
      for j in op.regions.indices { op.regions[j] = walk(op.regions[j], table, &subst) }
      if op.isPureForCSE, let res = op.result {
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
}

extension Op {
  var isPureForCSE: Bool { regions.isEmpty && kind.isPure }
}
