import Autodiff
import IR
import Language
import Tensor

/// `@bypass(strategy, options) f(x, …)` and `surrogate(y)`.
///
/// The value is always `f(x)`. When a gradient block is recording and `x` is active, the
/// strategy attaches its estimator (`Autodiff.Bypass`) as the value's tape node; a
/// DiffBypass model is fitted to `f` around `x` first (thesis Alg. 3). Noisy calls of `f`
/// run as one batch along axis 0 when `f` is a builtin that treats axis 0 as a batch.
extension Interpreter {
  func bypass(_ op: IR.Op, _ frame: Frame, _ bodies: Bodies, strategy: String, optionNames: [String]) throws -> Value {
    guard let roles = op.bypassOperands else { throw RuntimeError("@bypass: malformed op", at: op.span) }
    let xs = try roles.inputs.map { try tensor(frame[$0], op, "bypassed input") }
    var net: ModelInstance?
    var strategy = strategy
    if let m = roles.model {
      switch frame[m] {
      case .model(let instance):
        net = instance
        strategy = "model"
      case .string(let name):
        guard BypassStrategy(rawValue: name) != nil else {
          var notes = ["a strategy is " + BypassStrategy.choices]
          if let best = closest(name, in: BypassStrategy.names) { notes.insert("did you mean '\(best)'?", at: 0) }
          throw RuntimeError("@bypass: unknown strategy '\(name)'", at: op.span, notes: notes)
        }
        strategy = name
      default:
        throw RuntimeError("@bypass: the strategy must be a model or a String naming one of \(BypassStrategy.names.joined(separator: ", ")), got \(frame[m].typeName)", at: op.span)
      }
    }
    var options: [String: Value] = [:]
    for (name, v) in zip(optionNames, roles.options) { options[name] = frame[v] }
    let opts = try BypassOptions(options, strategy: strategy, interpreter: self, op)
    // Inside check_grad (bypass: "exact"): the call at its held bypassed inputs, no estimator.
    if let held = heldBypasses, held.tape === tape { return try heldBypass(op, frame, bodies, held, inputs: xs, net: net) }

    // The estimators call f again in the backward pass, after this call's frame is gone: f
    // runs on a copy of it.
    let saved = FrameCopy(frame, count: bodies.frameSize)
    let f = { (inputs: [Tensor]) throws -> Value in
      try self.with(tape: Tape(recording: false), training: self.training) {
        try bodies.run(0, saved.frame, args: inputs.map { .tensor($0) }, self) ?? .void
      }
    }
    let recording = op.record && tape.isRecording
    // The call at x. While recording, it runs on the tape with the bypassed inputs held
    // constant: every other active argument gets f's ordinary gradient through it.
    let y = recording ? try bodies.run(0, frame, args: xs.map { .tensor($0.value) }, self) ?? .void : try f(xs.map(\.value))
    let (yFloat, isIndex) = try bypassOutput(y, op)
    var through: Var?
    if case .tensor(let v, _) = y, v.isActive { through = v }
    let active = recording && xs.contains(where: \.isActive)
    let fb = try batchedCall(f, op, isIndex: isIndex, declared: opts.batched)
    let single: Bypass.Batched = { try fb([$0]) }

    // Noise from the call's own generator when it has a seed, else the program's stream.
    var noise = opts.seed.map { RNG(seed: $0) } ?? rng
    defer { if opts.seed == nil { rng = noise } }
    var shadow: Var?, surrogateOut: Var?
    if opts.strategy == "model" {
      guard let net else { throw RuntimeError("@bypass: no model", at: op.span) }
      if active { try fitSurrogate(net, xs: xs.map(\.value), opts: opts, rng: &noise, f: fb, isIndex: isIndex, op) }
      (shadow, surrogateOut) = try surrogatePath(net, xs: xs, y: yFloat, through: through, isIndex: isIndex, active: active, op)
    } else {
      guard let named = BypassStrategy(rawValue: opts.strategy) else {
        throw RuntimeError("@bypass: unknown strategy '\(strategy)'", at: op.span, notes: ["a strategy is " + BypassStrategy.choices])
      }
      switch named {
      case _ where !active: break
      case .ste: shadow = try Bypass.ste(tape, x: try only(xs, named, op), y: yFloat, through: through)
      case .es:
        shadow = try Bypass.es(tape, xs: xs, y: yFloat, through: through, sigma: opts.sigma, samples: opts.samples, rng: &noise, f: fb)
      case .perturbed:
        shadow = try Bypass.perturbed(tape, xs: xs, y: yFloat, through: through, sigma: opts.sigma, samples: opts.samples, rng: &noise, f: fb)
      case .blackbox:
        shadow = try Bypass.blackbox(tape, x: try only(xs, named, op), y: yFloat, through: through, lambda: opts.lambda,
                                     sense: opts.sense, f: single)
      case .nid: shadow = try Bypass.nid(tape, x: try only(xs, named, op), y: yFloat, through: through, sense: opts.sense)
      }
    }
    // Only captured arguments are active: f's own gradient, no estimator needed.
    if shadow == nil, surrogateOut == nil, let through { return .tensor(through) }
    let link = shadow == nil && surrogateOut == nil ? nil : BypassLink(shadow: shadow, surrogate: surrogateOut)
    if case .intTensor(let t, _) = y { return .intTensor(t, link) }
    return .tensor(shadow ?? Var(constant: yFloat), link)
  }

  /// The one bypassed input of a strategy that routes the gradient to one input.
  func only(_ xs: [Var], _ strategy: BypassStrategy, _ op: IR.Op) throws -> Var {
    guard xs.count == 1 else {
      throw RuntimeError("@bypass(\(strategy.rawValue)) routes the gradient to one input, got \(xs.count)", at: op.span,
                         notes: ["use es, perturbed or a model surrogate for several inputs"])
    }
    return xs[0]
  }

  /// The bypassed call's value as a Float tensor, and whether it was an index tensor.
  func bypassOutput(_ y: Value, _ op: IR.Op) throws -> (Tensor, Bool) {
    switch y {
    case .intTensor(let t, _): return (t.map { Float($0) }, true)
    case .tensor(let v, _): return (v.value, false)
    case .float, .int: return (try tensor(y, op).value, false)
    default: throw RuntimeError("@bypass: the bypassed call must return a tensor, got \(y.typeName)", at: op.span)
    }
  }

  /// `f` over stacks `[K, xᵢ…] → [K, y…]` (Float): one call on `[K·B, …]` per input when `f`
  /// maps each item of axis 0 on its own — declared with `batched: true`, or known for a
  /// single builtin of one bypassed input — else one call per sample.
  func batchedCall(_ f: @escaping ([Tensor]) throws -> Value, _ op: IR.Op,
                   isIndex: Bool, declared: Bool?) throws -> Bypass.BatchedInputs {
    let region = op.regions[0]
    let calls = region.ops.filter { if case .const = $0.kind { return false }; if case .yield = $0.kind { return false }; return true }
    let batchable = declared ?? (region.params.count == 1 && calls.count == 1 && {
      guard case .builtin(let id) = calls[0].kind, id.builtin.batching != .none,
            calls[0].operands.first == region.params.first else { return false }
      if id.builtin.batching == .alongLaterAxis {
        let axis = calls[0].operands.dropFirst().first.flatMap { a in region.ops.first { $0.result == a } }
        guard case .const(.int(let k))? = axis?.kind else { return false }
        return k > 0
      }
      return true
    }())
    return { [unowned self] stacks in
      guard let k = stacks.first?.shape.first else { throw RuntimeError("@bypass: no inputs", at: op.span) }
      if batchable, stacks.allSatisfy({ $0.rank >= 2 }) {
        let merged = try stacks.map { try $0.reshaped([k * $0.shape[1]] + $0.shape.dropFirst(2)) }
        let out = try self.bypassOutput(try f(merged), op).0
        return try out.reshaped([k, stacks[0].shape[1]] + Array(out.shape.dropFirst()))
      }
      var outs: [Tensor] = []
      for i in 0..<k {
        let items = try stacks.map { try $0.sliced([SliceRange(i, i + 1)]).reshaped(Array($0.shape.dropFirst())) }
        let yi = try self.bypassOutput(try f(items), op).0
        outs.append(try yi.reshaped([1] + yi.shape))
      }
      return try Tensor.concat(outs, axis: 0)
    }
  }

  /// DiffBypass, thesis Alg. 3: fit `net` for `fit_steps` steps so that `net(x + σε)`
  /// mimics `f(x + σε)` on `samples` noisy copies (cross-entropy against index outputs,
  /// whose classes lie on the last axis of `net`'s output; MSE against real outputs).
  func fitSurrogate(_ net: ModelInstance, xs: [Tensor], opts: BypassOptions, rng: inout RNG, f: Bypass.BatchedInputs,
                    isIndex: Bool, _ op: IR.Op) throws {
    let s = opts.samples
    let noisy = try xs.map { try rng.normal([s] + $0.shape).zip(scalar: opts.sigma, .mul).zip($0, .add) }
    let targets = try f(noisy)
    // Batched inputs ([B, …], rank ≥ 2, the output keeping axis B): the samples join axis 0,
    // so the surrogate sees s·B items of the shape it sees at x. A vector or a scalar is one
    // item: the samples become a new axis 0 of the inputs and the targets.
    let b = xs[0].rank >= 2 ? xs[0].shape[0] : 0
    let joins = b > 0 && xs.allSatisfy { $0.rank >= 2 && $0.shape[0] == b } && targets.rank >= 2 && targets.shape[1] == b
    let inputs = try noisy.map { n in joins ? try n.reshaped([s * b] + Array(n.shape.dropFirst(2))) : n }
    let flatTargets = joins ? try targets.reshaped([s * b] + Array(targets.shape.dropFirst(2))) : targets
    let opt: Adam
    if let o = net.bypassOptimizer { opt = o } else {
      opt = Adam(net.parameters, lr: opts.fitLR)
      if let state = net.pendingBypassState { try opt.load(state: state) }
      net.pendingBypassState = nil
      net.bypassOptimizer = opt
    }
    net.fitLosses = []
    for _ in 0..<opts.fitSteps {
      let t = Tape(recording: true, tracksParameters: true)
      opt.zeroGrad()
      try with(tape: t, training: true) {
        let out = try tensor(try callValue(.model(net), inputs.map { .tensor(t.watch($0)) }, op), op, "surrogate output")
        if net.fitLosses.isEmpty {  // the first step: the surrogate against the call, per sample
          let k = joins ? s * b : s
          let outItem = out.shape.first == k ? (joins ? [b] : []) + Array(out.shape.dropFirst()) : out.shape
          let largest = isIndex ? flatTargets.withUnsafeBufferPointer { $0.max() }.map { Int($0) } : nil
          try checkSurrogateOutput(net, out: outItem, call: Array(targets.shape.dropFirst()), isIndex: isIndex, largest: largest, op)
          // Before any update on this noise: how well the surrogate follows f on unseen inputs.
          try watchFidelity(net, output: out.value, target: flatTargets, isIndex: isIndex, threshold: opts.fidelity, op)
        }
        let loss: Var
        if isIndex {
          let classes = flatTargets.map { Int32($0) }
          loss = try t.apply(.crossEntropy(target: classes, classAxis: -1), [out])
        } else {
          loss = try t.apply(.mse, [out, Var(constant: flatTargets)])
        }
        try t.backward(from: loss)
        net.fitLosses.append(loss.value[flat: 0])
      }
      try dataParallel?.averageGradients(opt.parameters)
      try opt.step()
    }
    opt.zeroGrad()
  }

  /// The surrogate's output at `x` on the current tape (its parameters held constant, its
  /// layers in evaluation mode), and
  /// the hard value's shadow whose gradient flows through it: for index outputs through
  /// the expected index `Σ softmax(net(x))·k`.
  func surrogatePath(_ net: ModelInstance, xs: [Var], y: Tensor, through captured: Var?, isIndex: Bool, active: Bool,
                     _ op: IR.Op) throws -> (Var?, Var?) {
    let useTape = active ? tape : Tape(recording: false)
    let saved = useTape.tracksParameters
    useTape.tracksParameters = false
    defer { useTape.tracksParameters = saved }
    // Evaluation mode, as the thesis' code: the surrogate's batch norm uses its running
    // statistics here and does not fold the noise-free batch into them.
    let out = try with(tape: useTape, training: false) {
      try tensor(try callValue(.model(net), xs.map { .tensor($0) }, op), op, "surrogate output")
    }
    guard active else { return (nil, out) }
    try checkSurrogateOutput(net, out: out.shape, call: y.shape, isIndex: isIndex, op)
    var through = out
    if isIndex, let m = out.shape.last {
      let probs = try useTape.apply(.softmax(axis: -1), [out])
      let ks = Var(constant: Tensor(shape: [m]) { Float($0) })
      through = try useTape.apply(.reduce(.sum, axis: -1, keepDims: false), [try useTape.mul(probs, ks)])
    }
    let shadow = Bypass.attach(useTape, "bypass.net", inputs: [through], through: captured, output: y) { g in [g] }
    return (shadow, out)
  }

  func surrogate(_ v: Value, _ op: IR.Op) throws -> Value {
    switch v {
    case .tensor(_, let link?), .intTensor(_, let link?):
      if let s = link.surrogate { return .tensor(s) }
    default: break
    }
    throw RuntimeError("surrogate() needs a value made by @bypass(model) f(x)", at: op.span)
  }
}

/// The options of a `@bypass` call, with their defaults.
struct BypassOptions {
  var strategy: String
  var sigma: Float = 1
  var samples = 10
  var fitSteps = 10
  var fitLR: Float = 1e-3
  var lambda: Float = 10
  /// The solver's sense for the strategies that read it: 1 minimises, −1 maximises.
  var sense: Float = 1
  /// The caller's word that `f` maps each item of axis 0 on its own (nil: dpl decides).
  var batched: Bool?
  /// Seeds the call's own noise generator (else noise comes from the program's stream).
  var seed: UInt64?
  /// DiffBypass: warn when the surrogate's agreement with `f` falls below this (0: never).
  var fidelity = SurrogateFidelity.defaultThreshold

  init(_ o: [String: Value], strategy: String, interpreter: Interpreter, _ op: IR.Op) throws {
    self.strategy = strategy
    let known = BypassStrategy.options.map(\.name)
    for name in o.keys where !known.contains(name) {
      throw RuntimeError("@bypass: unknown option '\(name)'", at: op.span, notes: ["options: " + known.joined(separator: ", ")])
    }
    if let v = o["sigma"] { sigma = Float(try interpreter.double(v, op, "sigma")) }
    if let v = o["samples"] { samples = try interpreter.int(v, op, "samples") }
    if let v = o["fit_steps"] { fitSteps = try interpreter.int(v, op, "fit_steps") }
    if let v = o["fit_lr"] { fitLR = Float(try interpreter.double(v, op, "fit_lr")) }
    if let v = o["lambda"] { lambda = Float(try interpreter.double(v, op, "lambda")) }
    if let v = o["sense"] {
      let d = try interpreter.double(v, op, "sense")
      if let why = BypassStrategy.senseError(d) { throw RuntimeError(why, at: op.span) }
      sense = Float(d)
    }
    if let v = o["batched"] { batched = try interpreter.bool(v, op) }
    if let v = o["seed"] { seed = UInt64(bitPattern: Int64(try interpreter.int(v, op, "seed"))) }
    if let v = o["fidelity"] { fidelity = try interpreter.double(v, op, "fidelity") }
    guard sigma > 0, samples >= 1, fitSteps >= 0, fitLR > 0, lambda > 0, fidelity >= 0, fidelity <= 1 else {
      throw RuntimeError("@bypass: sigma, samples, fit_lr and lambda must be positive, fidelity in 0…1", at: op.span)
    }
  }
}
