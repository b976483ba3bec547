import IR
import Language

/// How a compiled step ends: on to the next op, or out of the enclosing loop or function.
/// `return`, `break` and `continue` are values, not thrown errors.
enum Flow {
  case next, breakLoop, continueLoop, returned
}

/// One op (or a fused run of ops) compiled to a closure over a frame's slots.
typealias Step = (Frame) throws -> Flow

/// A step held in a collection. Swift stores a closure in a generic container (an array, an
/// optional) in its most general form and wraps each call in conversion thunks; a struct
/// field keeps the closure's own form.
struct StepBox {
  let run: Step
}

/// A region compiled: its steps in order, up to its `yield`, which writes the region's value
/// to `result` (the op's result slot or the frame's scratch slot).
struct CompiledRegion {
  let params: [ValueID]
  let step: Step
  /// The slot the `yield` writes; nil when the region has no `yield`.
  let result: ValueID?
  /// What the region yields when it is nothing but its `yield` (of a tree, a slot or a
  /// constant): an `if` of two such branches is itself a tree.
  let value: Operand?
}

/// A user function, compiled on its first call: callees, models' methods, builtins and
/// constants are resolved once, so a call finds its callee without a lookup by name.
final class CompiledFunction {
  let function: Function
  /// `valueCount` slots and one scratch slot for region results.
  let frameSize: Int
  let params: [ValueID]
  /// The slots that can hold a reference when the call returns (see `ValueStack.pop`).
  let clear: [ValueID]
  /// Int, Float or Bool when every `return` gives a value of the function's result type and
  /// none is inside a block with a handler: the value then travels as a word
  /// (`ValueStack.returnWord`), never boxed.
  let returnsWord: ValueType?
  /// The compiled body, kept alive here; `body` reaches it without a retain.
  private var owner: CompiledBody?
  private var body: Unmanaged<CompiledBody>?
  private unowned(unsafe) let interpreter: Interpreter

  init(_ function: Function, _ interpreter: Interpreter) {
    self.function = function
    self.frameSize = function.valueCount + 1
    self.params = function.body.params
    self.interpreter = interpreter
    self.clear = Self.referenceSlots(function)
    self.returnsWord = Self.wordResult(function)
  }

  static func wordResult(_ f: Function) -> ValueType? {
    guard f.resultType != .void, FunctionCompiler.isScalar(f.resultType) else { return nil }
    var types: [ValueID: ValueType] = [:]
    for (p, t) in zip(f.body.params, f.paramTypes) { types[p] = t }
    func returnsWords(_ region: Region, inHandler: Bool) -> Bool {
      region.ops.allSatisfy { op in
        if let r = op.result { types[r] = op.type }
        switch op.kind {
        case .returnValue:
          return !inHandler && op.operands.count == 1 && types[op.operands[0]] == f.resultType
        case .grad, .checkGrad, .minimize, .eval, .bypass:
          return op.regions.allSatisfy { returnsWords($0, inHandler: true) }
        default:
          return op.regions.allSatisfy { returnsWords($0, inHandler: inHandler) }
        }
      }
    }
    return returnsWords(f.body, inHandler: false) ? f.resultType : nil
  }

  /// The slots of the function's values, but not those of values typed Int, Float, Bool or
  /// `()`, which hold no reference; and the scratch slot if a loop or a handler's region
  /// writes it (an `if` writes its own result slot).
  static func referenceSlots(_ f: Function) -> [ValueID] {
    var slots: [ValueID] = []
    for (p, t) in zip(f.body.params, f.paramTypes) where !FunctionCompiler.isScalar(t) { slots.append(p) }
    func scan(_ region: Region) {
      for op in region.ops {
        if let r = op.result, !FunctionCompiler.isScalar(op.type) { slots.append(r) }
        if !op.regions.isEmpty, !slots.contains(f.valueCount) {
          if case .ifElse = op.kind {} else { slots.append(f.valueCount) }
        }
        for inner in op.regions {
          slots += inner.params
          scan(inner)
        }
      }
    }
    scan(f.body)
    return slots.sorted()
  }

  /// Runs the body in `frame` (compiled the first time).
  @inline(__always)
  func run(_ frame: Frame) throws -> Flow {
    if let body { return try body._withUnsafeGuaranteedRef { try $0.run(frame) } }
    return try compile().run(frame)
  }

  /// Runs the body of a function that returns a word (`returnsWord`): the word.
  @inline(__always)
  func runWord(_ frame: Frame) throws -> Int {
    if let body { return try body._withUnsafeGuaranteedRef { try $0.runWord(frame) } }
    return try compile().runWord(frame)
  }

  private func compile() -> CompiledBody {
    if let machine = interpreter.wordMachine, let k = machine.program.index[function.name] {
      let stack = interpreter.stack, type = function.resultType
      // The caller reads the word, or (where `returnsWord` could not tell) the boxed value.
      let step: Step = returnsWord != nil ? { f in
        stack.returnWord = try machine.run(k, f)
        return .returned
      } : { f in
        let w = try machine.run(k, f)
        stack.returnValue = type == .int ? .int(w) : type == .float ? .float(Double.ofWord(w)) : .bool(w != 0)
        return .returned
      }
      let compiled = CompiledBody(step: step, word: { f in try machine.run(k, f) })
      owner = compiled
      body = Unmanaged.passUnretained(compiled)
      return compiled
    }
    var compiler = FunctionCompiler(function, interpreter, returnsWord: returnsWord != nil)
    let (step, word) = compiler.compileBody()
    let compiled = CompiledBody(step: step, word: word)
    owner = compiled
    body = Unmanaged.passUnretained(compiled)
    return compiled
  }
}

/// A function's body step. A `let` of a class, run by a method of it: a call runs the
/// closure without copying it (a copy is a retain and a release of its context).
final class CompiledBody {
  let step: Step
  /// The body as a word, for a function that returns one (`CompiledFunction.returnsWord`).
  /// Not optional: a closure held in an optional is called through a conversion thunk that
  /// allocates on every call.
  let word: Tree
  init(step: @escaping Step, word: @escaping Tree) {
    self.step = step
    self.word = word
  }

  @inline(never)
  func run(_ frame: Frame) throws -> Flow { try step(frame) }

  @inline(never)
  func runWord(_ frame: Frame) throws -> Int { try word(frame) }
}

/// The compiled regions of an op whose handler decides when to run them (`grad`,
/// `minimize`, `check_grad`, `eval`, `@bypass`). A `break`, `continue` or `return` inside
/// one leaves the handler as `Unwind` and becomes a `Flow` again at the op's step.
struct Bodies {
  let regions: [CompiledRegion]
  /// The slots of the function's frame.
  let frameSize: Int

  /// Runs region `k` with its parameters bound to `args`; its value, or nil without `yield`.
  func run(_ k: Int, _ frame: Frame, args: [Value] = [], _ interpreter: Interpreter) throws -> Value? {
    let region = regions[k]
    for (p, a) in zip(region.params, args) { frame[p] = a }
    switch try region.step(frame) {
    case .next: return region.result.map { frame.take($0) }
    case .breakLoop: throw Unwind.breakLoop
    case .continueLoop: throw Unwind.continueLoop
    case .returned: throw Unwind.returned(interpreter.takeReturnValue())
    }
  }
}

/// Runs steps in order, stopping at the first that leaves the sequence. Built as a tree of
/// closures that each hold their parts as constants, so running it copies nothing.
func sequence(_ steps: ArraySlice<StepBox>) -> Step {
  switch steps.count {
  case 0: return { _ in .next }
  case 1: return steps[steps.startIndex].run
  case 2:
    let a = steps[steps.startIndex].run, b = steps[steps.startIndex + 1].run
    return { f in
      let x = try a(f)
      return x == .next ? try b(f) : x
    }
  case 3:
    let a = steps[steps.startIndex].run, b = steps[steps.startIndex + 1].run, c = steps[steps.startIndex + 2].run
    return { f in
      var x = try a(f)
      if x != .next { return x }
      x = try b(f)
      return x == .next ? try c(f) : x
    }
  case 4:
    let a = steps[steps.startIndex].run, b = steps[steps.startIndex + 1].run
    let c = steps[steps.startIndex + 2].run, d = steps[steps.startIndex + 3].run
    return { f in
      var x = try a(f)
      if x != .next { return x }
      x = try b(f)
      if x != .next { return x }
      x = try c(f)
      return x == .next ? try d(f) : x
    }
  default:
    let mid = steps.startIndex + steps.count / 2
    let a = sequence(steps[..<mid]), b = sequence(steps[mid...])
    return { f in
      let x = try a(f)
      return x == .next ? try b(f) : x
    }
  }
}
