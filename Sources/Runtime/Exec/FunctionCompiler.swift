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
/// - a value a `var` write uses last is moved, not copied, so the variable holds it alone;
/// - Int, Float and Bool ops fuse into trees that compute unboxed, with constants read where
///   they are used (FunctionCompiler+Fusion.swift).
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
  /// The static type of each value: op results, parameters, a range loop's counter.
  var types: [ValueID: ValueType] = [:]
  /// Int, Float and Bool constants, read where they are used.
  var constants: [ValueID: Value] = [:]
  /// Constants some op reads from a slot, so their op stores them.
  var stored: Set<ValueID> = []

  /// Whether `return` leaves its value in `ValueStack.returnWord` (`CompiledFunction.returnsWord`).
  let returnsWord: Bool
  /// The tree of the latest word `return` compiled.
  private var returnTree: Tree?
  /// Whether the body compiled to one step, its closing `return` of `returnTree`.
  private var bodyIsReturn = false

  init(_ function: Function, _ interpreter: Interpreter, returnsWord: Bool = false) {
    self.function = function
    self.returnsWord = returnsWord
    self.interpreter = interpreter
    var cells: Set<ValueID> = [], escaping: Set<ValueID> = []
    for (p, t) in zip(function.body.params, function.paramTypes) { types[p] = t }
    func scan(_ region: Region) {
      for op in region.ops {
        if let r = op.result {
          definers[r] = op
          types[r] = op.type
          if case .const(let c) = op.kind, let v = Self.scalarConstant(c, op.type) { constants[r] = v }
        }
        if case .forEach = op.kind, let p = op.regions.first?.params.first,
           let seq = op.operands.first, case .range? = definers[seq]?.kind {
          types[p] = .int
        }
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
    func stores(_ region: Region) {
      for op in region.ops {
        if !readsOperandsFused(op) { stored.formUnion(op.operands.filter { constants[$0] != nil }) }
        op.regions.forEach(stores)
      }
    }
    stores(function.body)
  }

  /// An Int, Float or Bool constant of its own type.
  static func scalarConstant(_ c: ConstValue, _ type: ValueType) -> Value? {
    switch (c, type) {
    case (.int(let v), .int): return .int(v)
    case (.float(let v), .float): return .float(v)
    case (.bool(let v), .bool): return .bool(v)
    default: return nil
    }
  }

  /// The scratch slot (one past the function's values).
  var scratch: ValueID { function.valueCount }

  /// The body's step, and its word: what a call of a function that returns a word runs. A
  /// body that is nothing but `return <tree>` (`fn fib(n: Int) -> Int { if … }`) is that
  /// tree, run without a step or the `returnWord` register.
  mutating func compileBody() -> (step: Step, word: Tree) {
    returnTree = nil
    let region = compile(function.body, yieldTo: nil, body: true)  // a body's value is its `return`
    if returnsWord, let tree = returnTree, bodyIsReturn { return (region.step, tree) }
    let step = region.step, stack = interpreter.stack, name = function.name, span = function.body.ops.last?.span ?? .none
    return (step, { f in
      guard try step(f) == .returned else { throw RuntimeError("internal: \(name) ended without a word", at: span) }
      return stack.returnWord
    })
  }

  /// Compiles a region's ops up to its first `yield`, whose value goes to `target` (nil: a
  /// value nobody reads — a loop's body, an `if` used as a statement — is not stored).
  mutating func compile(_ region: Region, yieldTo target: ValueID?, body: Bool = false) -> CompiledRegion {
    let plan = plan(region.ops)
    var steps: [StepBox] = []
    var pending: Pending = []
    /// Stores what is still pending, in order: the next step runs after it.
    func flush() {
      for (v, tree) in pending { steps.append(StepBox(run: Self.store(tree, v))) }
      pending = []
    }
    for (i, op) in region.ops.enumerated() {
      if case .yield = op.kind {
        let value = operand(op.operands.first).map { take($0, &pending) } ?? .constant(.void)
        flush()
        let pure = steps.isEmpty
        if let target {
          steps.append(StepBox(run: yieldStep(value, target)))
        } else if value.isTree {
          let run = value.reader()
          steps.append(StepBox(run: { f in _ = try run(f); return .next }))
        }
        return CompiledRegion(params: region.params, step: sequence(steps[...]), result: target, value: pure ? value : nil)
      }
      if plan.skipped.contains(i) { continue }
      if body && i == region.ops.count - 1 { returnTree = nil }
      if let cell = plan.inPlace[i] {
        flush()
        steps.append(StepBox(run: interpreter.inPlaceStep(rewritten(op), cell: cell)))
        continue
      }
      switch compile(rewritten(op), moving: plan.moved[i], &pending) {
      case .nothing: break
      case .constant(let step): steps.append(StepBox(run: step))
      case .step(let step):
        flush()
        steps.append(StepBox(run: step))
      case .tree(let tree):
        // A value one later op uses waits for it; one used more often is stored now.
        if let r = op.result, uses[r] == 1 {
          pending.append((r, tree))
        } else {
          flush()
          let run = tree.reader()
          steps.append(StepBox(run: op.result.map { Self.store(tree, $0) } ?? { f in _ = try run(f); return .next }))
        }
      }
    }
    flush()
    if body, case .returnValue? = region.ops.last?.kind { bodyIsReturn = steps.count == 1 && returnTree != nil }
    return CompiledRegion(params: region.params, step: sequence(steps[...]), result: nil, value: nil)
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

  func yieldStep(_ v: Operand, _ target: ValueID) -> Step {
    if case .slot(let x) = v { return { f in f[target] = f[x]; return .next } }
    let read = v.reader()
    return { f in f[target] = try read(f); return .next }
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

  /// What an op compiles to.
  enum Compiled {
    /// A step, after which nothing may still be pending.
    case step(Step)
    /// A step that only stores a constant (pending trees may run after it).
    case constant(Step)
    /// A tree for the op that uses the value (or stored, if several do).
    case tree(Operand)
    case nothing
  }

  /// One op: a step, or a tree. `moving`: a `var.set` whose value is used nowhere else.
  /// Operands are taken from `pending` first (FunctionCompiler+Fusion.swift).
  mutating func compile(_ op: Op, moving: Bool?, _ pending: inout Pending) -> Compiled {
    unowned(unsafe) let me = interpreter  // the interpreter owns the steps: they must not own it
    let r = op.result
    switch op.kind {
    case .const(let c):
      guard let r else { return .nothing }
      if constants[r] != nil && !stored.contains(r) { return .nothing }
      let v = Interpreter.value(of: c, type: op.type)
      return .constant { f in f[r] = v; return .next }
    case .binary(let b) where readsOperandsFused(op):
      let xs = takeAll(op.operands, &pending)
      if let tree = fusedBinary(b, op, xs[0], xs[1]) { return .tree(tree) }
      let (x, y) = (xs[0].reader(), xs[1].reader())
      return .step(me.plainStep(op) { f in try me.binary(b, try x(f), try y(f), op) })
    case .binary(let b): return .step(me.binaryStep(b, op))
    case .unary(let u) where readsOperandsFused(op):
      let x = take(op.operands[0], &pending)
      if let tree = fusedUnary(u, op, x) { return .tree(tree) }
      let read = x.reader()
      return .step(me.plainStep(op) { f in try me.unary(u, try read(f), op) })
    case .index(let items) where readsOperandsFused(op):
      let xs = takeAll(op.operands, &pending)
      if let tree = fusedIndex(op, xs[0], xs[1]) { return .tree(tree) }
      let (x, y) = (xs[0].reader(), xs[1].reader())
      return .step(me.plainStep(op) { f in try me.index(try x(f), items, [try y(f)], op) })
    case .varNew where readsOperandsFused(op), .varSet where readsOperandsFused(op):
      let c = r ?? op.operands[0]
      let x = take(op.operands[r == nil ? 1 : 0], &pending)
      if case .slot(let x) = x { return .step { f in f[c] = f[x]; return .next } }
      return .step(Self.store(x, c))
    case .varNew where r.map(promoted.contains) == true:
      let (r, x) = (r!, op.operands[0])
      return .step { f in f[r] = f[x]; return .next }
    case .varGet where promoted.contains(op.operands[0]):
      let (c, r) = (op.operands[0], r!)
      return .step { f in f[r] = f[c]; return .next }
    case .varSet where promoted.contains(op.operands[0]):
      let (c, x) = (op.operands[0], op.operands[1])
      if moving == true { return .step { f in f[c] = f.take(x); return .next } }
      return .step { f in f[c] = f[x]; return .next }
    case .ifElse:
      let cond = take(op.operands[0], &pending)
      let then = compile(op.regions[0], yieldTo: r)
      let other = op.regions.count > 1 ? compile(op.regions[1], yieldTo: r) : nil
      if let a = then.value, let b = other?.value, Self.isScalar(op.type),
         let tree = Self.ternary(cond, a, b, op.type, self, op.span) {
        return .tree(tree)
      }
      let taken: Tree
      if let c = typed(cond, Bool.self), types[op.operands[0]] == .bool {
        taken = c.tree(op.span)
      } else {
        let read = cond.reader()
        taken = { f in try me.bool(try read(f), op) ? 1 : 0 }
      }
      // A branch without `yield` (or a missing else) gives `()`.
      let thenStep = then.step, thenVoid = then.result == nil ? r : nil
      let elseStep = other?.step ?? { _ in .next }, elseVoid = other?.result == nil ? r : nil
      return .step { f in
        if try taken(f) != 0 {
          let flow = try thenStep(f)
          if flow == .next, let r = thenVoid { f[r] = .void }
          return flow
        }
        let flow = try elseStep(f)
        if flow == .next, let r = elseVoid { f[r] = .void }
        return flow
      }
    case .whileLoop:
      let cond = compile(op.regions[0], yieldTo: scratch), body = compile(op.regions[1], yieldTo: nil)
      let bodyStep = body.step
      let go: (Frame) throws -> Flow?  // nil: the condition holds
      let yielded = op.regions[0].ops.first { if case .yield = $0.kind { return true } else { return false } }
      if let value = cond.value, let c = typed(value, Bool.self), yielded?.operands.first.flatMap({ types[$0] }) == .bool {
        let test = c.tree(op.span)
        go = { f in try test(f) != 0 ? nil : .next }
      } else {
        let s = scratch, condStep = cond.step, condYields = cond.result != nil
        go = { f in
          let c = try condStep(f)
          if c != .next { return c }
          if case .bool(let b) = f[s] { return b ? nil : .next }
          return try me.bool(condYields ? f[s] : .bool(false), op) ? nil : .next
        }
      }
      return .step { f in
        while true {
          try me.checkStop(op)
          if let end = try go(f) {
            if end != .next { return end }
            break
          }
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
      let body = compile(op.regions[0], yieldTo: nil)
      return .step(me.forEachStep(op, body, scratch: scratch))
    case .breakLoop: return .step { _ in .breakLoop }
    case .continueLoop: return .step { _ in .continueLoop }
    case .returnValue:
      let stack = me.stack  // held by the step: writing the value retains nothing
      guard let x = op.operands.first else { return .step { _ in stack.returnValue = .void; return .returned } }
      let read = take(x, &pending)
      if returnsWord, let t = word(read, types[x]) {
        let span = op.span
        let tree = t.tree(span)
        returnTree = tree
        return .step { f in
          stack.returnWord = try tree(f)
          return .returned
        }
      }
      switch read {
      case .slot(let x): return .step { f in stack.returnValue = f[x]; return .returned }
      case .int(let e): return .step { f in stack.returnValue = .int(try e(f)); return .returned }
      default: break
      }
      let value = read.reader()
      return .step { f in stack.returnValue = try value(f); return .returned }
    case .call(let name):
      guard let callee = me.compiledFunctions[name] else {
        return .step { _ in throw RuntimeError("unknown function \(name)", at: op.span) }
      }
      return call(callee, op, &pending)
    case .method(let model, let name):
      guard let info = me.models[model], let fname = info.methods[name], let callee = me.compiledFunctions[fname] else {
        return .step { _ in throw RuntimeError("model \(model) has no method \(name)", at: op.span) }
      }
      return call(callee, op, &pending)
    case .grad, .checkGrad, .minimize, .eval, .bypass:
      let bodies = Bodies(regions: op.regions.map { compile($0, yieldTo: scratch) }, frameSize: scratch + 1)
      return .step(me.handlerStep(op, bodies))
    default:
      return .step(me.plainStep(op))
    }
  }

  /// A call: an Int, Float or Bool result is a tree; its arguments may be trees.
  func call(_ callee: CompiledFunction, _ op: Op, _ pending: inout Pending) -> Compiled {
    let args = takeAll(op.operands, &pending)
    if op.result != nil, let tree = interpreter.callTree(callee, op, args: args) {
      switch op.type {
      case .int: return .tree(.int(tree))
      case .float: return .tree(.float(tree))
      default: return .tree(.bool(tree))
      }
    }
    let run = interpreter.callRunner(callee, op, args: args)
    if let r = op.result, let tree = Self.unboxed(run, op.type, op.span), uses[r] != nil { return .tree(tree) }
    guard let r = op.result else { return .step { f in _ = try run(f); return .next } }
    return .step { f in f[r] = try run(f); return .next }
  }
}
