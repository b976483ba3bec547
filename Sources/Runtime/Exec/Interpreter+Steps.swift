import Autodiff
import Formats
import IR
import Language
import Tensor

/// The steps `FunctionCompiler` builds: calls on the value stack, plain ops with their error
/// locations, Int/Float/Bool operators without boxing through `ConstValue`, loops, and the
/// in-place variable updates.
extension Interpreter {
  /// A step that computes an op's value with `body`, then does what every op does: errors
  /// located at the op, `--detect-anomaly`, the run-time parameter check, the result stored.
  func plainStep(_ op: IR.Op, _ body: @escaping (Frame) throws -> Value) -> Step {
    unowned(unsafe) let me = self
    let r = op.result
    return { f in
      let v: Value
      do {
        v = try body(f)
        if me.detectAnomaly { try me.checkFinite(v, op) }
      } catch {
        throw me.located(error, op)
      }
      if me.tape.isRecording, me.tape.tracksParameters { me.noteSink(op, f) }
      if let r { f[r] = v }
      return .next
    }
  }

  /// A kernel's or reader's error as a located run-time error; an error leaving an op the
  /// inliner copied gains the removed calls in its trace.
  func located(_ error: Error, _ op: IR.Op) -> Error {
    switch error {
    case let e as TensorError: return inlined(RuntimeError("\(e.op): \(e.message)", at: op.span), op)
    case let e as IOError: return inlined(RuntimeError(e.description, at: op.span, exitCode: 74), op)
    case let e as RuntimeError where !op.inlinedAt.isEmpty: return inlined(e, op)
    default: return error
    }
  }

  /// An error leaving an op the inliner copied: adds the removed calls to its trace.
  func inlined(_ e: RuntimeError, _ op: IR.Op) -> RuntimeError {
    var e = e
    for f in op.inlinedAt where f.function != "main" { e.trace.append((f.function, f.site)) }
    return e
  }

  /// Stops the run here when a stop was requested (checked at loop back-edges and calls).
  @inline(__always)
  func checkStop(_ op: IR.Op) throws {
    if cancelFlag.isSet { try stopIfRequested(op.span) }
  }

  func stopIfRequested(_ span: Span) throws {
    guard !defersStop else { return }
    let after = lastStep.map { " after optimizer step \($0)" } ?? ""
    throw RuntimeError("interrupted\(after)", at: span, exitCode: 130)
  }

  /// The value the latest `return` left (reset, so the frame's values are not kept alive).
  func takeReturnValue() -> Value { stack.takeReturnValue() }

  // MARK: Calls

  /// A call of a user function or method whose callee the compiler resolved, as a closure
  /// that returns the callee's value. Arguments that are fused trees run before the callee's
  /// frame is pushed (they may call functions themselves).
  func callRunner(_ callee: CompiledFunction, _ op: IR.Op, args: [Operand]) -> (Frame) throws -> Value {
    let name = callee.function.name, params = callee.params, span = op.span
    guard args.count == params.count else {
      return { _ in throw RuntimeError("\(name) takes \(params.count) arguments, got \(args.count)", at: span) }
    }
    let site = CallSite(self, callee, op)
    switch (args.first, args.count) {
    case (_, 0): return { _ in try site.run { _ in } }
    case (.slot(let a)?, 1):
      let p = params[0]
      return { f in try site.run { $0[p] = f[a] } }
    case (.int(let e)?, 1):  // fib(n - 1)
      let p = params[0]
      return { f in
        let x = try e(f)
        return try site.run { $0.setScalar(p, .int(x)) }
      }
    case (let a?, 1):
      let p = params[0], read = a.reader()
      return { f in
        let x = try read(f)
        return try site.run { $0[p] = x }
      }
    case (_, 2):
      let (p0, p1) = (params[0], params[1]), (r0, r1) = (args[0].reader(), args[1].reader())
      return { f in
        let x0 = try r0(f), x1 = try r1(f)
        return try site.run {
          $0[p0] = x0
          $0[p1] = x1
        }
      }
    default:
      let reads = args.map { $0.reader() }
      return { f in
        var values: [Value] = []
        values.reserveCapacity(reads.count)
        for read in reads { values.append(try read(f)) }
        return try site.run { callee in for (p, v) in zip(params, values) { callee[p] = v } }
      }
    }
  }

  /// A call of a callee that returns a word, as a tree of that word (nil: `callRunner`).
  func callTree(_ callee: CompiledFunction, _ op: IR.Op, args: [Operand]) -> Tree? {
    guard callee.returnsWord == op.type, args.count == callee.params.count else { return nil }
    let site = CallSite(self, callee, op), params = callee.params
    switch (args.first, args.count) {
    case (.slot(let a)?, 1):
      let p = params[0]
      return { f in try site.runWord { $0[p] = f[a] } }
    case (.int(let e)?, 1):
      let p = params[0]
      return { f in
        let x = try e(f)
        return try site.runWord { $0.setScalar(p, .int(x)) }
      }
    case (_, 2):
      let (p0, p1) = (params[0], params[1]), (r0, r1) = (args[0].reader(), args[1].reader())
      return { f in
        let x0 = try r0(f), x1 = try r1(f)
        return try site.runWord {
          $0[p0] = x0
          $0[p1] = x1
        }
      }
    default:
      return nil
    }
  }

  /// Calls a function with argument values (the callee only known at run time, the REPL).
  func call(_ f: Function, args: [Value], site: Span) throws -> Value {
    guard args.count == f.body.params.count else {
      throw RuntimeError("\(f.name) takes \(f.body.params.count) arguments, got \(args.count)", at: site)
    }
    let callee = compiledFunctions[f.name] ?? CompiledFunction(f, self)
    return try CallSite(self, callee, site: site).run { frame in
      for (p, a) in zip(callee.params, args) { frame[p] = a }
    }
  }

  /// A run (or a REPL input) ended: its log reaches the disk.
  func runEnded() { try? openRunLog?.flush() }

  /// The call-depth limit's error.
  func tooDeep(_ site: Span) -> RuntimeError {
    RuntimeError("more than \(maxCallDepth) nested calls (infinite recursion?)", at: site,
                 notes: ["the limit is --max-call-depth N (or DPL_MAX_CALL_DEPTH), at most \(Self.maxCallDepthLimit)"])
  }

  // MARK: Blocks with handlers

  /// `grad`, `check_grad`, `minimize`, `eval` and `@bypass`: their handler runs the compiled
  /// regions; control flow leaving a region comes back as a `Flow`.
  func handlerStep(_ op: IR.Op, _ bodies: Bodies) -> Step {
    // Unowned, as in every step: the interpreter owns its compiled functions, and a step
    // that held it would keep it (and everything it computed) alive for ever.
    unowned(unsafe) let me = self
    let body: (Frame) throws -> Value
    switch op.kind {
    case .grad(let valueToo): body = { f in try me.gradient(op, f, bodies, valueToo: valueToo) }
    case .checkGrad(let options, let fields): body = { f in try me.checkGradient(op, f, bodies, options: options, fields: fields) }
    case .minimize: body = { f in try me.minimize(op, f, bodies) }
    case .eval: body = { f in try me.evaluation(op, f, bodies) }
    case .bypass(let strategy, let options, _):
      body = { f in try me.bypass(op, f, bodies, strategy: strategy, optionNames: options) }
    default: preconditionFailure("not a block op: \(op.kind)")
    }
    let step = plainStep(op, body)
    return { f in
      do {
        return try step(f)
      } catch let u as Unwind {
        switch u {
        case .breakLoop: return .breakLoop
        case .continueLoop: return .continueLoop
        case .returned(let v):
          me.returnValue = v
          return .returned
        }
      }
    }
  }

  // MARK: Loops

  /// `for x in seq`: a range counts without making a list; tensors give their rows.
  /// `scratch`: where the element goes when the body has no parameter.
  func forEachStep(_ op: IR.Op, _ body: CompiledRegion, scratch: ValueID) -> Step {
    unowned(unsafe) let me = self
    let seq = op.operands[0], p = body.params.first ?? scratch, r = op.result, bodyStep = body.step
    /// Runs the body once; nil to go on, or how the loop ends.
    /// `counter`: `x` is a range's Int and `p` holds the previous one (nothing to release).
    @inline(__always) func once(_ f: Frame, _ x: Value, counter: Bool = false) throws -> Flow? {
      try me.checkStop(op)
      if counter { f.setScalar(p, x) } else { f[p] = x }
      switch try bodyStep(f) {
      case .next, .continueLoop: return nil
      case .breakLoop: return .next
      case .returned: return .returned
      }
    }
    return { f in
      switch f[seq] {
      case .range(let lo, let hi):
        var i = lo
        while i < hi {
          if let end = try once(f, .int(i), counter: i != lo) { return end }
          i += 1
        }
      case .list(let xs), .tuple(let xs):
        for x in xs { if let end = try once(f, x) { return end } }
      case .tensor(let v, _):
        guard let n = v.shape.first else { throw RuntimeError("cannot iterate over a 0-d tensor", at: op.span) }
        for i in 0..<n {
          let row: Var
          do { row = try me.row(v, i, op) } catch { throw me.located(error, op) }
          if let end = try once(f, .tensor(row)) { return end }
        }
      case .intTensor(let t, _):
        guard let n = t.shape.first else { throw RuntimeError("cannot iterate over a 0-d tensor", at: op.span) }
        for i in 0..<n {
          let row: IntTensor
          do { row = try t.sliced([SliceRange(i, i + 1)]).reshaped(Array(t.shape.dropFirst())) } catch { throw me.located(error, op) }
          if let end = try once(f, row.rank == 0 ? .int(Int(row[flat: 0])) : .intTensor(row, nil)) { return end }
        }
      case let other: throw RuntimeError("cannot iterate over \(other.typeName)", at: op.span)
      }
      if let r { f[r] = .void }
      return .next
    }
  }

  // MARK: In-place updates

  /// `xs[i] = v` or `xs = xs + ys` on the variable `cell`, fused with the write back: a list
  /// the variable alone holds is updated without a copy. Other values (tensors, a list also
  /// held elsewhere) take the ordinary path, whose result the variable then holds.
  func inPlaceStep(_ op: IR.Op, cell c: ValueID) -> Step {
    let r = op.result!
    let ordinary = plainStep(op, plainBody(op))
    let slow: Step = { f in
      _ = try ordinary(f)
      f[c] = f.take(r)
      return .next
    }
    switch op.kind {
    case .setIndex(let items) where items == [.at] && op.operands.count == 3:
      let (i, x) = (op.operands[1], op.operands[2])
      return { f in
        guard case .int(let k) = f.slots[i] else { return try slow(f) }
        var base = f.take(c)
        guard case .list(var xs) = base else {
          f.put(c, base)
          return try slow(f)
        }
        base = .none
        let j = k < 0 ? k + xs.count : k
        guard j >= 0 && j < xs.count else {
          f.put(c, .list(xs))
          return try slow(f)  // the ordinary path's error
        }
        xs[j] = f[x]
        f.put(c, .list(xs))
        return .next
      }
    case .binary(.add):
      let y = op.operands[1]
      return { f in
        let tail = f[y]
        var base = f.take(c)
        guard case .list(var xs) = base, case .list(let ys) = tail else {
          f.put(c, base)
          return try slow(f)
        }
        base = .none
        xs.append(contentsOf: ys)
        f.put(c, .list(xs))
        return .next
      }
    default:
      return slow
    }
  }
}
