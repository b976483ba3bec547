import Language

/// Removes pure ops (and reads) whose values are never used, until nothing changes.
public enum DeadCode {
  public static func run(_ m: inout IRModule) {
    for i in m.functions.indices { run(&m.functions[i]) }
  }

  public static func run(_ f: inout Function) {
    for _ in 0..<100 {
      let uses = f.useCounts()
      var removed = 0
      f.body = sweep(f.body, uses, &removed)
      if removed == 0 { break }
    }
  }

  static func sweep(_ r: Region, _ uses: [ValueID: Int], _ removed: inout Int) -> Region {
    var out: [Op] = []
    for var op in r.ops {
      for j in op.regions.indices { op.regions[j] = sweep(op.regions[j], uses, &removed) }
      let removable = op.regions.isEmpty && (op.kind.isPure || op.kind.isRemovableRead)
      if removable, let res = op.result, uses[res, default: 0] == 0 {
        removed += 1
        continue
      }
      // An `if` with no value whose branches are empty does nothing.
      if op.kind == .ifElse, op.result.map({ uses[$0, default: 0] == 0 }) ?? true,
         op.regions.allSatisfy({ $0.ops.allSatisfy { $0.kind == .yield } }) {
        removed += 1
        continue
      }
      out.append(op)
    }
    return Region(params: r.params, ops: out)
  }
}
