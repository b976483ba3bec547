import IR
import Language

/// Compiles one function's structured IR into closures over its frame (docs/runtime.md,
/// "Execution"). What it decides once, the run never looks at again:
///
/// - each `var` whose cell is only read and written (every one the lowering makes) lives in
///   its own slot instead of a heap cell;
/// - a `var.get` whose value is used once, by a plain op later in the same region with no
///   write to the variable between, is not copied out: that op reads the variable's slot;
/// - `xs[i] = v` and `xs = xs + ys` on such a variable update its value in place (a list the
///   slot alone holds is not copied); a copy another value holds is unaffected (Swift's
///   copy-on-write);
/// - a value a `var` write uses last is moved, not copied, so the variable holds it alone.
struct FunctionCompiler {
  let function: Function
  unowned(unsafe) let interpreter: Interpreter
  /// Uses of each value as an operand, in the whole function.
  var uses: [ValueID: Int] = [:]
  /// The op that defines each value.
  var definers: [ValueID: Op] = [:]
  /// Cells kept in a slot of their own.
  var promoted: Set<ValueID> = []
  /// Values read straight from a variable's slot: `var.get` result → the cell.
  var aliases: [ValueID: ValueID] = [:]

  init(_ function: Function, _ interpreter: Interpreter) {
    self.function = function
    self.interpreter = interpreter
    var cells: Set<ValueID> = [], escaping: Set<ValueID> = []
    func scan(_ region: Region) {
      for op in region.ops {
        if let r = op.result { definers[r] = op }
        if case .varNew = op.kind, let r = op.result { cells.insert(r) }
        for (k, v) in op.operands.enumerated() {
          uses[v, default: 0] += 1
          switch op.kind {
          case .varGet where k == 0, .varSet where k == 0: break
          default: escaping.insert(v)
          }
        }
        op.regions.forEach(scan)
      }
    }
    scan(function.body)
    promoted = cells.subtracting(escaping)
  }

  /// The scratch slot (one past the function's values).
  var scratch: ValueID { function.valueCount }

  mutating func compileBody() -> Step {
    compile(function.body, yieldTo: scratch).step
  }

  /// Compiles a region's ops up to its first `yield`.
  mutating func compile(_ region: Region, yieldTo target: ValueID) -> CompiledRegion {
    let plan = plan(region.ops)
    var steps: [StepBox] = []
    var yields = false
    for (i, op) in region.ops.enumerated() {
      if case .yield = op.kind {
        steps.append(StepBox(run: yieldStep(operand(op.operands.first), target)))
        yields = true
        break
      }
      if plan.skipped.contains(i) { continue }
      if let cell = plan.inPlace[i] {
        steps.append(StepBox(run: interpreter.inPlaceStep(rewritten(op), cell: cell)))
        continue
      }
      steps.append(StepBox(run: compile(rewritten(op), moving: plan.moved[i])))
    }
    return CompiledRegion(params: region.params, step: sequence(steps[...]), result: yields ? target : nil)
  }

  /// The slot an operand is read from.
  func operand(_ v: ValueID?) -> ValueID? { v.map { aliases[$0] ?? $0 } }

  /// `op` with its operands read from the slots they live in.
  func rewritten(_ op: Op) -> Op {
    guard op.operands.contains(where: { aliases[$0] != nil }) else { return op }
    var op = op
    op.operands = op.operands.map { aliases[$0] ?? $0 }
    return op
  }

  func yieldStep(_ v: ValueID?, _ target: ValueID) -> Step {
    guard let v else { return { f in f[target] = .void; return .next } }
    return { f in f[target] = f[v]; return .next }
  }

  /// What the region's ops fuse into.
  struct Plan {
    /// Ops that run as part of another (a `var.get` read through, a `var.set` done in place).
    var skipped: Set<Int> = []
    /// Ops that update a variable in place: op index → the cell.
    var inPlace: [Int: ValueID] = [:]
    /// A `var.set` whose value can be moved into the variable: op index → true.
    var moved: [Int: Bool] = [:]
  }

  mutating func plan(_ ops: [Op]) -> Plan {
    var plan = Plan()
    var index: [ValueID: Int] = [:]
    for (i, op) in ops.enumerated() { if let r = op.result { index[r] = i } }
    for (i, op) in ops.enumerated() {
      guard case .varGet = op.kind, let v = op.result, let cell = op.operands.first, promoted.contains(cell),
            uses[v] == 1, let j = ops[(i + 1)...].firstIndex(where: { $0.operands.contains(v) }),
            ops[j].regions.isEmpty, !ops[(i + 1)..<j].contains(where: { Self.writes($0, cell) })
      else { continue }
      aliases[v] = cell
      plan.skipped.insert(i)
      // `xs[i] = v` or `xs = xs + ys` written straight back to the same variable.
      let user = ops[j]
      guard user.operands.first == v, j + 1 < ops.count, let r = user.result, uses[r] == 1,
            case .varSet = ops[j + 1].kind, ops[j + 1].operands == [cell, r] else { continue }
      var fits = false
      if case .setIndex = user.kind { fits = true }
      if case .binary(.add) = user.kind, case .list = user.type { fits = true }
      guard fits else { continue }
      plan.inPlace[j] = cell
      plan.skipped.insert(j + 1)
    }
    for (i, op) in ops.enumerated() {
      guard case .varSet = op.kind, op.operands.count == 2, promoted.contains(op.operands[0]) else { continue }
      let v = op.operands[1]
      if aliases[v] == nil, uses[v] == 1, let d = index[v], d < i, !Self.isScalar(ops[d].type) { plan.moved[i] = true }
    }
    return plan
  }

  /// Whether `op` (or an op inside it) writes the variable `cell`.
  static func writes(_ op: Op, _ cell: ValueID) -> Bool {
    if case .varSet = op.kind, op.operands.first == cell { return true }
    return op.regions.contains { $0.ops.contains { writes($0, cell) } }
  }

  static func isScalar(_ t: ValueType) -> Bool {
    switch t {
    case .int, .float, .bool, .void: return true
    default: return false
    }
  }

  /// One op's step. `moving`: a `var.set` whose value is used nowhere else.
  mutating func compile(_ op: Op, moving: Bool? = nil) -> Step {
    let me = interpreter
    let r = op.result
    switch op.kind {
    case .const(let c):
      let v = Interpreter.value(of: c, type: op.type)
      guard let r else { return { _ in .next } }
      return { f in f[r] = v; return .next }
    case .binary(let b): return me.binaryStep(b, op)
    case .varNew where r.map(promoted.contains) == true:
      let (r, x) = (r!, op.operands[0])
      return { f in f[r] = f[x]; return .next }
    case .varGet where promoted.contains(op.operands[0]):
      let (c, r) = (op.operands[0], r!)
      return { f in f[r] = f[c]; return .next }
    case .varSet where promoted.contains(op.operands[0]):
      let (c, x) = (op.operands[0], op.operands[1])
      if moving == true { return { f in f[c] = f.take(x); return .next } }
      return { f in f[c] = f[x]; return .next }
    case .ifElse:
      let target = r ?? scratch
      let then = compile(op.regions[0], yieldTo: target)
      let other = op.regions.count > 1 ? compile(op.regions[1], yieldTo: target) : nil
      let cond = op.operands[0]
      // A branch without `yield` (or a missing else) gives `()`.
      let thenStep = then.step, thenVoid = then.result == nil ? r : nil
      let elseStep = other?.step ?? { _ in .next }, elseVoid = other?.result == nil ? r : nil
      return { f in
        let taken: Bool
        if case .bool(let b) = f[cond] { taken = b } else { taken = try me.bool(f[cond], op) }
        if taken {
          let flow = try thenStep(f)
          if flow == .next, let r = thenVoid { f[r] = .void }
          return flow
        }
        let flow = try elseStep(f)
        if flow == .next, let r = elseVoid { f[r] = .void }
        return flow
      }
    case .whileLoop:
      let cond = compile(op.regions[0], yieldTo: scratch), body = compile(op.regions[1], yieldTo: scratch)
      let s = scratch, condStep = cond.step, condYields = cond.result != nil, bodyStep = body.step
      return { f in
        while true {
          try me.checkStop(op)
          let c = try condStep(f)
          if c != .next { return c }
          let go: Bool
          if case .bool(let b) = f[s] { go = b } else { go = try me.bool(condYields ? f[s] : .bool(false), op) }
          if !go { break }
          switch try bodyStep(f) {
          case .breakLoop: return .next
          case .returned: return .returned
          case .next, .continueLoop: continue
          }
        }
        if let r { f[r] = .void }
        return .next
      }
    case .forEach:
      let body = compile(op.regions[0], yieldTo: scratch)
      return me.forEachStep(op, body)
    case .breakLoop: return { _ in .breakLoop }
    case .continueLoop: return { _ in .continueLoop }
    case .returnValue:
      guard let x = op.operands.first else { return { _ in me.returnValue = .void; return .returned } }
      return { f in me.returnValue = f[x]; return .returned }
    case .call(let name):
      guard let callee = me.compiledFunctions[name] else {
        return { _ in throw RuntimeError("unknown function \(name)", at: op.span) }
      }
      return me.callStep(callee, op, receiver: false)
    case .method(let model, let name):
      guard let info = me.models[model], let fname = info.methods[name], let callee = me.compiledFunctions[fname] else {
        return { _ in throw RuntimeError("model \(model) has no method \(name)", at: op.span) }
      }
      return me.callStep(callee, op, receiver: true)
    case .grad, .checkGrad, .minimize, .eval, .bypass:
      let bodies = Bodies(regions: op.regions.map { compile($0, yieldTo: scratch) }, frameSize: scratch + 1)
      return me.handlerStep(op, bodies)
    default:
      return me.plainStep(op)
    }
  }
}
