import Language

/// Marks the ops that must be recorded on the tape (`record`). Inside a `grad`/`minimize`
/// region, an op is recorded when it has a gradient and one of its operands is active:
/// derived from a requested input, or (for `minimize`) from a model or layer value (or an
/// `Any`, which may be one), whose parameters are the inputs. Variables carry activity
/// through `var.set`/`var.get`.
/// User functions and methods may be called from a gradient block, so their ops are marked
/// when they can depend on a parameter or a model; the executor records a marked op only
/// when one of its operands is tracked at run time.
public enum TapeMarking {
  public static func run(_ m: inout IRModule) {
    for i in m.functions.indices { run(&m.functions[i]) }
  }

  public static func run(_ f: inout Function) {
    var types = f.valueTypes()
    // A constant holds no parameters, whatever its static type (an omitted argument's
    // `none` is an `Any`).
    f.body.forEachOp { op in if case .const = op.kind, let r = op.result { types[r] = nil } }
    var active: Set<ValueID> = []
    if f.name != "main" {
      // Any parameter may be active at a call from a gradient block.
      for (p, t) in zip(f.body.params, f.paramTypes) where mayCarryGradient(t) || isParameterHolder(t) { active.insert(p) }
      for _ in 0..<2 { f.body = mark(f.body, &active, types, parameters: true) }
    }
    f.body = markGradientRegions(f.body, types)
  }

  static func markGradientRegions(_ r: Region, _ types: [ValueID: ValueType]) -> Region {
    var out = r
    for i in out.ops.indices {
      let op = out.ops[i]
      switch op.kind {
      case .grad, .minimize, .checkGrad:
        var active: Set<ValueID> = []
        if case .grad = op.kind { active.formUnion(op.regions[0].params) }
        var params = op.kind == .minimize
        if case .checkGrad = op.kind {  // the region's parameters are the inputs; models' parameters too
          active.formUnion(op.regions[0].params)
          params = true
        }
        // Twice, so loop-carried activity through variables reaches earlier ops.
        for _ in 0..<2 { out.ops[i].regions[0] = mark(out.ops[i].regions[0], &active, types, parameters: params) }
      default:
        for j in op.regions.indices { out.ops[i].regions[j] = markGradientRegions(op.regions[j], types) }
      }
    }
    return out
  }

  static func isParameterHolder(_ t: ValueType?) -> Bool {
    switch t {
    case .model?, .layer?: return true
    default: return false
    }
  }

  /// A model or layer, or an `Any` that may hold one (`let net = if … { A() } else { B() }`):
  /// marking too much costs nothing, since the executor records only ops on tracked values.
  static func mayHoldParameters(_ t: ValueType?) -> Bool { isParameterHolder(t) || t == .any }

  static func mayCarryGradient(_ t: ValueType) -> Bool {
    switch t {
    case .tensor, .float, .any, .tuple, .list, .error: return true
    default: return false
    }
  }

  /// Whether an op has a gradient rule (otherwise its result is not active).
  static func hasGradient(_ op: Op) -> Bool {
    switch op.kind {
    case .binary(let b): return !b.isComparison && !b.isLogical
    case .builtin(let id):
      return id.builtin.gradient == .differentiable
    case .const, .stopGradient, .config, .range, .format, .construct, .unary(.not), .globalGet: return false
    default: return true
    }
  }

  static func mark(_ r: Region, _ active: inout Set<ValueID>, _ types: [ValueID: ValueType], parameters: Bool) -> Region {
    var out = r
    for i in out.ops.indices {
      var op = out.ops[i]
      for j in op.regions.indices {
        if let inputs = op.bypassOperands?.inputs {
          for (x, p) in zip(inputs, op.regions[j].params) where active.contains(x) { active.insert(p) }
        }
        if case .forEach = op.kind, active.contains(op.operands[0]) { active.formUnion(op.regions[j].params) }
        if case .checkGrad = op.kind { active.formUnion(op.regions[j].params) }  // a nested check_grad's inputs
        if case .grad = op.kind { active.formUnion(op.regions[j].params) }       // a nested grad's inputs
        op.regions[j] = mark(op.regions[j], &active, types, parameters: parameters)
      }
      var isActive = op.operands.contains { active.contains($0) }
      if parameters, op.operands.contains(where: { mayHoldParameters(types[$0]) }) { isActive = true }
      if parameters, mayHoldParameters(op.type), op.kind.isRemovableRead { active.insert(op.result ?? -1) }
      // Values yielded by nested regions make the op's result active.
      for reg in op.regions {
        if let y = reg.ops.last, y.kind == .yield, y.operands.contains(where: { active.contains($0) }) { isActive = true }
      }
      if case .bypass = op.kind { isActive = isActive || op.regions[0].ops.contains { $0.record } }
      switch op.kind {
      case .bypass, .surrogate:
        // The bypass supplies the gradient even for index-valued results.
        op.record = isActive
        if isActive, let res = op.result { active.insert(res) }
      case .varNew, .varSet:
        if isActive { active.insert(op.kind == .varSet ? op.operands[0] : (op.result ?? -1)) }
        op.record = false
      default:
        op.record = isActive && hasGradient(op) && mayCarryGradient(op.type)
        if op.record, let res = op.result { active.insert(res) }
        if case .varGet = op.kind, isActive, let res = op.result { active.insert(res) }
      }
      out.ops[i] = op
    }
    return out
  }
}
