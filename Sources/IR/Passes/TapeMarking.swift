import Language

/// Marks the ops that must be recorded on the tape (`record`): an op is recorded when it
/// has a gradient and the activity dataflow (`ActivityEngine`) finds that it may be active —
/// it depends on an input of a `grad`/`check_grad`, on a parameter inside `minimize`, or,
/// in a user function or method (which any gradient block may call), on a parameter of the
/// function or a global. Marking too much costs nothing: the executor records a marked op
/// only when one of its operands is tracked at run time; marking too little would be a
/// silent zero gradient.
public enum TapeMarking {
  public static func run(_ m: inout IRModule) {
    let e = ActivityEngine(module: m, marking: true, globals: ActivityEngine.globalHolders(m))
    let module = m
    e.rounds {
      for f in module.functions {
        if f.name == "main" {
          e.walk(f, arguments: [], parametersActive: false)
        } else {
          e.walk(f, arguments: zip(f.paramNames, f.paramTypes).map(assumed), parametersActive: true)
        }
      }
    }
    for i in m.functions.indices {
      m.functions[i].body = mark(m.functions[i].body, e.active[m.functions[i].name] ?? [])
    }
  }

  /// Marks one function as if it were the whole module (hand-built IR in tests).
  public static func run(_ f: inout Function) {
    var m = IRModule(functions: [f])
    run(&m)
    f = m.functions[0]
  }

  /// A parameter of a function analysed on its own: it may be active, and may hold a model.
  static func assumed(_ name: String, _ t: ValueType) -> Act {
    var a = Act()
    if mayCarryGradient(t) { a.flows[.assumed("parameter " + name)] = Flow(diff: true) }
    if mayHoldParameters(t) { a.holders = [Holder(root: .unknown, path: [name])] }
    return a
  }

  static func mark(_ r: Region, _ active: Set<ValueID>) -> Region {
    var out = r
    for i in out.ops.indices {
      var op = out.ops[i]
      for j in op.regions.indices { op.regions[j] = mark(op.regions[j], active) }
      let isActive = op.result.map(active.contains) ?? false
      switch op.kind {
      case .bypass, .surrogate:
        // The bypass supplies the gradient even for index-valued results.
        op.record = isActive
      case .varNew, .varSet:
        op.record = false
      default:
        op.record = isActive && hasGradient(op) && mayCarryGradient(op.type)
      }
      out.ops[i] = op
    }
    return out
  }

  /// A value of this type may be a model or layer, or contain one.
  static func mayHoldParameters(_ t: ValueType) -> Bool {
    switch t {
    case .model, .layer, .any, .list, .tuple: return true
    default: return false
    }
  }

  static func mayCarryGradient(_ t: ValueType) -> Bool {
    switch t {
    case .tensor, .float, .any, .tuple, .list, .error: return true
    default: return false
    }
  }

  /// Whether an op has a gradient rule (otherwise its result is not recorded).
  static func hasGradient(_ op: Op) -> Bool {
    switch op.kind {
    case .binary(let b): return !b.isComparison && !b.isLogical
    case .builtin(let id):
      return id.builtin.gradient == .differentiable
    case .const, .stopGradient, .config, .range, .format, .construct, .unary(.not), .globalGet: return false
    default: return true
    }
  }
}
