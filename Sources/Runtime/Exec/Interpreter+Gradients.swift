import Autodiff
import IR
import Tensor

/// `grad`, `value_and_grad`, `opt.minimize` and `eval` blocks.
extension Interpreter {
  /// Runs `body` with `tape` and `training` set, restoring both afterwards.
  func with<T>(tape t: Tape, training on: Bool, _ body: () throws -> T) rethrows -> T {
    let (savedTape, savedTraining) = (tape, training)
    tape = t
    training = on
    defer { tape = savedTape; training = savedTraining }
    return try body()
  }

  /// `grad(x, …) { loss }`: the gradient of the block's scalar value with respect to each
  /// input (a tuple for several); `value_and_grad` returns `(loss, gradient)`.
  func gradient(_ op: IR.Op, _ frame: Frame, _ bodies: Bodies, valueToo: Bool) throws -> Value {
    if op.operands.contains(where: { Self.holdsParameters(frame[$0]) }) {
      return try modelGradient(op, frame, bodies, valueToo: valueToo)
    }
    let t = Tape(recording: true, tracksParameters: false)
    var watched: [Var] = []
    for id in op.operands {
      let v = try tensor(frame[id], op, "input of grad")
      watched.append(t.watch(v.value))
    }
    // The region's parameters are the inputs: each one its own watched tensor.
    let args = watched.map { Value.tensor($0) }
    let (loss, value) = try gradientLoss(op, frame, bodies, args, on: t)
    let gradients = try t.gradients(of: loss, wrt: watched)
    for (k, g) in gradients.enumerated() where !Self.allFinite(g) {
      let which = gradients.count == 1 ? "the gradient" : "gradient \(k + 1) of \(gradients.count)"
      throw RuntimeError("\(which) is not finite (NaN or Inf)", at: op.span, notes: [Self.anomalyNote])
    }
    let grads = gradients.map { Value.tensor($0) }
    let g = grads.count == 1 ? grads[0] : .tuple(grads)
    return valueToo ? .tuple([.float(value), g]) : g
  }

  /// A `grad` block's loss recorded on `t` with the inputs bound to `args`, and its value: one
  /// element, depending on the inputs, finite.
  func gradientLoss(_ op: IR.Op, _ frame: Frame, _ bodies: Bodies, _ args: [Value], on t: Tape) throws -> (Var, Double) {
    let result = try with(tape: t, training: training) { try bodies.run(0, frame, args: args, self) ?? .void }
    let loss = try scalarLoss(result, op)
    guard loss.isActive else {
      throw RuntimeError("the block's value does not depend on the inputs of grad", at: op.span)
    }
    let value = Double(loss.value[flat: 0])
    guard value.isFinite else {
      throw RuntimeError("the value of the block is \(Self.nonFinite(value))", at: op.span, notes: [Self.anomalyNote])
    }
    return (loss, value)
  }

  /// `opt.minimize { loss }`: records the block, back-propagates, updates the optimizer's
  /// parameters; its value is the loss as a Float. A non-finite loss or gradient stops
  /// the run at the block with the step it happened at.
  func minimize(_ op: IR.Op, _ frame: Frame, _ bodies: Bodies) throws -> Value {
    guard case .optimizer(let o) = frame[op.operands[0]] else {
      throw RuntimeError("minimize needs an optimizer, got \(frame[op.operands[0]].typeName)", at: op.span)
    }
    let t = Tape(recording: true, tracksParameters: true)
    let sinksBefore = sinkOps.count
    defer { sinkOps.removeLast(sinkOps.count - sinksBefore) }
    o.optimizer.zeroGrad()
    if o.steps == 0 { try dataParallel?.broadcast(o.optimizer.parameters) }
    let savedStep = currentStep
    currentStep = o.steps + 1
    defer { currentStep = savedStep }
    let result = try with(tape: t, training: true) { try bodies.run(0, frame, self) ?? .void }
    let loss = try scalarLoss(result, op)
    let value = Double(loss.value[flat: 0])
    o.steps += 1
    lastStep = o.steps
    guard value.isFinite else {
      throw RuntimeError("the loss is \(Self.nonFinite(value)) at step \(o.steps)", at: op.span,
                         notes: ["a NaN or infinite loss stops the run; lower the learning rate or check the inputs",
                                 Self.anomalyNote])
    }
    // The loss may read no parameters, or only others than the optimizer's (another model,
    // or a value the checker could not type): the step would be a silent no-op.
    let unreached = RuntimeError("the loss does not depend on the parameters of this optimizer's model", at: op.span,
                                 notes: ["the optimizer updates \(o.optimizer.parameters.count) parameters, and no gradient reaches any of them; make it for the model the loss calls"])
    guard loss.isActive else { throw unreached }
    try t.backward(from: loss)
    guard o.optimizer.parameters.contains(where: { $0.grad != nil }) else { throw unreached }
    try checkBlockedParameters(o, t)
    try dataParallel?.averageGradients(o.optimizer.parameters)
    for p in o.optimizer.parameters {
      if let g = p.grad, !Self.allFinite(g) {
        throw RuntimeError("the gradient of parameter '\(p.name)' is not finite at step \(o.steps)", at: op.span,
                           notes: [Self.anomalyNote])
      }
    }
    try o.optimizer.step()
    for p in o.optimizer.parameters where !Self.allFinite(p.value) {
      throw RuntimeError("parameter '\(p.name)' is not finite after the update of step \(o.steps)", at: op.span,
                         notes: ["the learning rate may be too large"])
    }
    o.optimizer.zeroGrad()
    if let dataParallel { try shareRunningStats(o.model, dataParallel) }
    // The global batch's loss, a Float like the one-process loss.
    return .float(try dataParallel.map { Double(Float(try $0.mean(value))) } ?? value)
  }

  static let anomalyNote = "run with --detect-anomaly to stop at the first op that makes a NaN or Inf"

  static func nonFinite(_ v: Double) -> String { v.isNaN ? "NaN" : v > 0 ? "Inf" : "-Inf" }

  static func allFinite(_ t: Tensor) -> Bool {
    t.withUnsafeBufferPointer { p in
      var ok = true
      for v in p where !v.isFinite { ok = false; break }
      return ok
    }
  }

  /// With `detectAnomaly` on: stops at an op whose tensor value holds a NaN or Inf.
  func checkFinite(_ v: Value, _ op: IR.Op) throws {
    guard case .tensor(let t, _) = v, !Self.allFinite(t.value) else { return }
    let step = currentStep.map { " at step \($0)" } ?? ""
    throw RuntimeError("this \(Self.opName(op)) produced a NaN or Inf\(step)", at: op.span)
  }

  static func opName(_ op: IR.Op) -> String {
    switch op.kind {
    case .builtin(let n): return "call of '\(n)'"
    case .binary(let b): return "'\(b.rawValue)'"
    case .apply, .applyReLU: return "layer"
    case .call(let n): return "call of '\(n)'"
    case .method(_, let n): return "call of '\(n)'"
    default: return "operation"
    }
  }

  /// `eval { … }`: no recording, batch norm on running statistics. The value has no tape
  /// links even when the block hands back a tracked value unchanged (`eval { x }`,
  /// `eval { x[:, :] }`), as it has none when the block computes it (as `stop_gradient`).
  func evaluation(_ op: IR.Op, _ frame: Frame, _ bodies: Bodies) throws -> Value {
    Self.detached(try with(tape: Tape(recording: false), training: false) { try bodies.run(0, frame, self) ?? .void })
  }


  /// The loss of a gradient block: a one-element tensor.
  func scalarLoss(_ v: Value, _ op: IR.Op) throws -> Var {
    let t = try tensor(v, op, "loss")
    guard t.value.count == 1 else {
      throw RuntimeError("the block must end in a scalar loss, got shape \(shapeString(t.shape))", at: op.span)
    }
    return t.shape.isEmpty ? t : try prim(.reshape([]), [t], op)
  }
}
