import Autodiff
import IR
import Language
import Tensor

/// What the latest `check_grad` measured: the REPL's `:check` shows it.
public struct CheckGradResult {
  /// The error measure, its largest absolute difference and what was compared.
  public var report: FiniteDifferences.Report
  /// The gradient run's tape, before its backward pass.
  public var tape: [Tape.NodeSummary]
  /// The `note:` naming the bypassed calls whose bypassed inputs were held fixed, if any.
  public var heldNote: String?
}

/// `check_grad(x, net, net.codebook, …, eps: h, directions: k, bypass: "exact") { loss }`:
/// the tape gradient of the block with respect to tensors and to the parameters of models,
/// layers and fields, against central finite differences (`Autodiff.FiniteDifferences`), as
/// JAX's `check_grads` and PyTorch's `gradcheck` (docs/language.md).
///
/// The block runs once on a tape, as `grad` runs it, then twice per input element at
/// `x ± h` (or twice per random direction) without recording. Every run starts from the same
/// random stream, and the finite-difference runs print nothing, so the block is the same
/// function of its inputs each time. `@bypass` calls (`bypass: "exact"`, the default): each
/// call's bypassed inputs are held at their values at `x` — on the tape no estimator runs and
/// the call's other arguments get its ordinary gradient, and the finite differences replay the
/// same bypassed inputs — so both sides measure the exact part of the gradient. With
/// `bypass: "estimate"` nothing is held: the estimators' gradients meet the finite
/// differences of the calls themselves.
extension Interpreter {
  /// How `check_grad` treats `@bypass` calls (`Checker.checkGradBypassModes`).
  enum BypassCheck: String {
    case exact, estimate
  }

  /// The options given to a `check_grad` op (the trailing operands), with their defaults.
  func checkGradOptions(_ op: IR.Op, _ frame: Frame, _ options: [String]) throws -> (FiniteDifferences, BypassCheck) {
    var engine = FiniteDifferences(), mode = BypassCheck.exact
    for (name, id) in zip(options, op.operands.suffix(options.count)) {
      switch name {
      case "eps": engine.step = try double(frame[id], op, "eps")
      case "directions": engine.directions = try int(frame[id], op, "directions")
      case "bypass":
        guard case .string(let s) = frame[id], let m = BypassCheck(rawValue: s) else {
          throw RuntimeError("check_grad: bypass must be \"exact\" or \"estimate\", got \(frame[id])", at: op.span)
        }
        mode = m
      default: throw RuntimeError("check_grad has no option '\(name)'", at: op.span)
      }
    }
    guard engine.step > 0, engine.step.isFinite else {
      throw RuntimeError("check_grad: eps must be a positive number, got \(engine.step)", at: op.span)
    }
    if let d = engine.directions, d < 1 { throw RuntimeError("check_grad: directions must be at least 1, got \(d)", at: op.span) }
    return (engine, mode)
  }

  /// A `check_grad` op's inputs: tensors (whose region parameters the block reads) with their
  /// names in messages, and the parameters of models, layers and fields, each once.
  func checkGradInputs(_ op: IR.Op, _ frame: Frame, options: [String], fields: [String?]) throws
    -> (ids: [ValueID], points: [Tensor], names: [String], parameters: [Parameter]) {
    let slots = op.regions[0].params
    var ids: [ValueID] = [], points: [Tensor] = [], parameters: [Parameter] = []
    for (k, id) in op.operands.dropLast(options.count).enumerated() where k < slots.count {
      var v = frame[id]
      if let field = k < fields.count ? fields[k] : nil {
        guard case .model(let m) = v, let raw = m.field(field) else {
          throw RuntimeError("check_grad: \(v.typeName) has no field '\(field)'", at: op.span)
        }
        guard !ModelInstance.parameters(of: raw).isEmpty else {
          throw RuntimeError("check_grad: field '\(field)' of \(m.typeName) holds no parameters", at: op.span,
                             notes: ["a field to check holds a param(…), a layer or a model"])
        }
        v = raw
      }
      switch v {
      case .model, .layer, .parameter, .list:
        frame[slots[k]] = frame[id]
        parameters += ModelInstance.parameters(of: v).filter { p in !parameters.contains { $0 === p } }
      default:
        ids.append(slots[k])
        points.append(try tensor(v, op, "input of check_grad").value)
      }
    }
    let names = points.indices.map { points.count > 1 ? "input \($0 + 1)" : "the input" } + parameters.map { "parameter '\($0.name)'" }
    return (ids, points, names, parameters)
  }

  func checkGradient(_ op: IR.Op, _ frame: Frame, _ bodies: Bodies, options: [String], fields: [String?]) throws -> Value {
    guard op.operands.count > options.count else { throw RuntimeError("check_grad needs at least one input", at: op.span) }
    let (engine, mode) = try checkGradOptions(op, frame, options)
    let (ids, points, names, parameters) = try checkGradInputs(op, frame, options: options, fields: fields)

    let tape = Tape(recording: true, tracksParameters: !parameters.isEmpty)
    tape.trackedParameters = Set(parameters.map { ObjectIdentifier($0) })
    let held = mode == .exact ? HeldBypasses(tape: tape) : nil
    let outer = heldBypasses
    heldBypasses = held
    defer { heldBypasses = outer }
    let stream = rng

    // The tape gradient (parameters' own `grad`s are left as they were).
    let watched = points.map { tape.watch($0) }
    for (id, w) in zip(ids, watched) { frame[id] = .tensor(w) }
    let result = try with(tape: tape, training: training) { try bodies.run(0, frame, self) ?? .void }
    let loss = try scalarLoss(result, op)
    let after = rng
    defer { rng = after }
    guard loss.isActive else { throw Self.independent(op, held, files: module.files) }
    let value = Double(loss.value[flat: 0])
    guard value.isFinite else {
      throw RuntimeError("the value of the block is \(Self.nonFinite(value))", at: op.span, notes: [Self.anomalyNote])
    }
    let nodes = tape.summary
    let savedGrads = parameters.map(\.grad)
    for p in parameters { p.grad = nil }
    let leaves = try tape.backward(from: loss)
    let analytic = watched.map { v in v.node.flatMap { leaves[$0] } ?? Tensor(shape: v.shape, repeating: 0) }
      + parameters.map { $0.grad ?? Tensor(shape: $0.value.shape, repeating: 0) }
    for (p, g) in zip(parameters, savedGrads) { p.grad = g }
    for (k, g) in analytic.enumerated() where !Self.allFinite(g) {
      let which = analytic.count == 1 ? "the gradient" : "gradient \(k + 1) of \(analytic.count)"
      throw RuntimeError("\(which) is not finite (NaN or Inf)", at: op.span, notes: [Self.anomalyNote])
    }

    // Central differences from silent runs without recording, each from the same stream.
    let savedOutput = output
    output = { _ in }
    defer { output = savedOutput }
    let bases = parameters.map(\.value)
    func blockLoss(_ xs: [Tensor]) throws -> Double {
      rng = stream
      let quiet = Tape(recording: false)
      held?.replay(on: quiet)
      for (id, x) in zip(ids, xs) { frame[id] = .tensor(x) }
      for (p, x) in zip(parameters, xs.dropFirst(ids.count)) { p.value = x }
      // Release the moved tensors, so the engine moves the next element in place.
      defer {
        for id in ids { frame[id] = .none }
        for (p, b) in zip(parameters, bases) { p.value = b }
      }
      let v = try scalarLoss(try with(tape: quiet, training: training) { try bodies.run(0, frame, self) ?? .void }, op)
      try held?.endReplay(op)
      return Double(v.value[flat: 0])
    }
    let report: FiniteDifferences.Report
    do {
      report = try engine.check(analytic, at: points + bases, value: value, names: names, blockLoss)
    } catch let failure as FiniteDifferences.Failure {
      throw Self.checkGradError(failure, engine, op)
    }
    let note = held.flatMap { $0.sites.isEmpty ? nil : $0.note(files: module.files) }
    if let note, checkGradNoted.insert(op.span).inserted { log("note: " + note + "\n") }
    lastCheckGrad = CheckGradResult(report: report, tape: nodes, heldNote: note)
    return .float(report.error)
  }

  /// The error for a block whose value does not depend on the inputs (with its bypassed
  /// inputs held fixed, when there are such calls).
  static func independent(_ op: IR.Op, _ held: HeldBypasses?, files: [SourceFile]) -> RuntimeError {
    guard let held, !held.sites.isEmpty else {
      return RuntimeError("the block's value does not depend on the inputs of check_grad", at: op.span)
    }
    return RuntimeError("with the bypassed inputs of its @bypass calls held fixed, the block's value does not depend on the inputs of check_grad",
                        at: op.span, notes: [held.note(files: files),
                                             "bypass: \"estimate\" checks the estimators' gradients against finite differences of the calls"])
  }

  /// A finite-difference failure as a located error of the `check_grad` op.
  static func checkGradError(_ failure: FiniteDifferences.Failure, _ engine: FiniteDifferences, _ op: IR.Op) -> RuntimeError {
    let domain = "pass a smaller eps: to keep the steps inside the block's domain (log, sqrt, division)"
    switch failure {
    case .stepBelowResolution(let input, let i, let v):
      return RuntimeError("check_grad: eps \(engine.step) is below the Float32 resolution of element \(i) of \(input) (\(v))", at: op.span)
    case .notFinite(let input, let i):
      return RuntimeError("check_grad: the block's value is not finite when element \(i) of \(input) moves by ±\(engine.step)",
                          at: op.span, notes: [domain])
    case .notFiniteAlong(let d):
      return RuntimeError("check_grad: the block's value is not finite along random direction \(d) (steps of \(engine.step))",
                          at: op.span, notes: [domain])
    }
  }

  /// A `@bypass` call inside `check_grad(…, bypass: "exact")`: the call at its bypassed inputs'
  /// values at the check's point (recorded on the gradient run, replayed at every moved point),
  /// on the current tape without an estimator, so its other arguments get the call's ordinary
  /// gradient. A DiffBypass model's `surrogate` is its output at those inputs.
  func heldBypass(_ op: IR.Op, _ frame: Frame, _ bodies: Bodies, _ held: HeldBypasses, inputs xs: [Var], net: ModelInstance?) throws -> Value {
    let fixed = try held.hold(op, xs.map(\.value), active: xs.contains(where: \.isActive))
    let y = try bodies.run(0, frame, args: fixed.map { .tensor($0) }, self) ?? .void
    guard let net else { return y }
    let s = try with(tape: tape, training: false) {
      try tensor(try callValue(.model(net), fixed.map { .tensor($0) }, op), op, "surrogate output")
    }
    let link = BypassLink(shadow: nil, surrogate: s)
    switch y {
    case .intTensor(let t, _): return .intTensor(t, link)
    case .tensor(let v, _): return .tensor(v, link)
    default: return y
    }
  }
}

/// The `@bypass` calls of one `check_grad(…, bypass: "exact")` block: each call's bypassed
/// inputs at the check's point, in the order the calls ran (a call inside a loop holds one
/// set per iteration), replayed by every finite-difference run.
final class HeldBypasses {
  /// The tape whose bypass calls are held: the gradient run's, then each finite-difference run's.
  private(set) var tape: Tape
  /// Each call's bypassed inputs at the check's point, with the call's span.
  private var inputs: [(span: Span, values: [Tensor])] = []
  /// The next inputs to replay, during the finite differences (nil while recording them).
  private var cursor: Int?
  /// The distinct call sites whose bypassed inputs depend on the block's inputs, in order:
  /// the bypass op, the bypassed function and where it is called, the strategy, and how many
  /// times the call ran.
  private(set) var sites: [(op: Span, name: String, span: Span, strategy: String, runs: Int)] = []

  init(tape: Tape) { self.tape = tape }

  /// The bypassed inputs a call runs at: `xs` on the gradient run (recorded), the recorded
  /// ones on a finite-difference run.
  func hold(_ op: IR.Op, _ xs: [Tensor], active: Bool) throws -> [Tensor] {
    if let k = cursor {
      guard k < inputs.count, inputs[k].span == op.span else { throw changed(op) }
      cursor = k + 1
      return inputs[k].values
    }
    inputs.append((op.span, xs))
    if active { noteSite(op) }
    return xs
  }

  /// Starts a finite-difference run on `tape`.
  func replay(on tape: Tape) {
    self.tape = tape
    cursor = 0
  }

  /// Ends a finite-difference run: every recorded call must have run again.
  func endReplay(_ op: IR.Op) throws {
    guard cursor == inputs.count else { throw changed(op) }
  }

  func noteSite(_ op: IR.Op) {
    if let k = sites.firstIndex(where: { $0.op == op.span }) {
      sites[k].runs += 1
      return
    }
    let (name, at) = Interpreter.bypassedCall(op)
    var strategy = "DiffBypass model"
    if case .bypass(let s, _, _) = op.kind, s != "model" { strategy = s }  // lowering names a model strategy "model"
    sites.append((op.span, name, at, strategy, 1))
  }

  /// `check_grad: bypassed inputs held fixed in 1 call: round at f.dpl:4:12 (ste)` (a `note:`
  /// line); a call that ran more than once (in a loop) says so: `(ste, 3 times)`.
  func note(files: [SourceFile]) -> String {
    let list = sites.map { s in
      "\(s.name) at \(RuntimeError.location(s.span, files)) (\(s.strategy)\(s.runs > 1 ? ", \(s.runs) times" : ""))"
    }
    return "check_grad: bypassed inputs held fixed in \(sites.count == 1 ? "1 call" : "\(sites.count) calls"): "
      + list.joined(separator: ", ")
  }

  func changed(_ op: IR.Op) -> RuntimeError {
    RuntimeError("check_grad: the block's @bypass calls change with its inputs, so their bypassed inputs cannot be held fixed",
                 at: op.span, notes: ["the finite differences replay each bypassed call's inputs, in the order the calls ran; "
                                      + "bypass: \"estimate\" holds nothing"])
  }
}
