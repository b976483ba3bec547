import Autodiff
import IR
import Language
import Tensor

/// `check_grad(x, net, …, eps: h, directions: k) { loss }`: the tape gradient of the block
/// with respect to tensors and to models' or layers' parameters, against central finite
/// differences, as JAX's `check_grads` and PyTorch's `gradcheck` (docs/language.md).
///
/// The block runs once on a tape, as `grad` runs it, then twice per input element at
/// `x ± h` (or twice per random direction) without recording. Every run starts from the same random stream, and the
/// finite-difference runs print nothing, so the block is the same function of its inputs
/// each time. `@bypass` calls are held at their values at `x`: their estimators are not
/// on the tape, and the finite differences see the same fixed values, so both sides
/// measure the deterministic part of the block.
extension Interpreter {
  /// The step when `eps:` is not given (tensors are Float32: much smaller steps measure rounding).
  static let defaultCheckStep = 1e-2
  /// Differences are compared no finer than this many units in the last place of the block's
  /// Float32 value (over the step): below that they are rounding, so a correct gradient
  /// still scores under 1e-2.
  static let resolutionMultiple = 300.0

  /// The options given to a `check_grad` op (the trailing operands), with their defaults.
  func checkGradOptions(_ op: IR.Op, _ frame: Frame, _ options: [String]) throws -> (eps: Double, directions: Int?) {
    var eps = Self.defaultCheckStep, directions: Int?
    for (name, id) in zip(options, op.operands.suffix(options.count)) {
      switch name {
      case "eps": eps = try double(frame[id], op, "eps")
      case "directions": directions = try int(frame[id], op, "directions")
      default: throw RuntimeError("check_grad has no option '\(name)'", at: op.span)
      }
    }
    guard eps > 0, eps.isFinite else { throw RuntimeError("check_grad: eps must be a positive number, got \(eps)", at: op.span) }
    if let d = directions, d < 1 { throw RuntimeError("check_grad: directions must be at least 1, got \(d)", at: op.span) }
    return (eps, directions)
  }

  func checkGradient(_ op: IR.Op, _ frame: Frame, options: [String]) throws -> Value {
    guard op.operands.count > options.count else { throw RuntimeError("check_grad needs at least one input", at: op.span) }
    let (eps, directions) = try checkGradOptions(op, frame, options)
    // The region's parameters: a tensor input is watched there; a model or layer is passed
    // as it is, and its parameters are watched on the tape.
    let slots = op.regions[0].params
    var ids: [ValueID] = [], points: [Tensor] = [], parameters: [Parameter] = []
    for (k, id) in op.operands.dropLast(options.count).enumerated() where k < slots.count {
      switch frame[id] {
      case .model, .layer:
        frame[slots[k]] = frame[id]
        parameters += ModelInstance.parameters(of: frame[id]).filter { p in !parameters.contains { $0 === p } }
      default:
        ids.append(slots[k])
        points.append(try tensor(frame[id], op, "input of check_grad").value)
      }
    }

    let tape = Tape(recording: true, tracksParameters: !parameters.isEmpty)
    tape.trackedParameters = Set(parameters.map { ObjectIdentifier($0) })
    let held = HeldBypasses(tape: tape)
    let outer = heldBypasses
    heldBypasses = held
    defer { heldBypasses = outer }
    let stream = rng

    // The tape gradient (parameters' own `grad`s are left as they were).
    let watched = points.map { tape.watch($0) }
    for (id, w) in zip(ids, watched) { frame[id] = .tensor(w) }
    let result = try with(tape: tape, training: training) { try run(op.regions[0], frame) ?? .void }
    let loss = try scalarLoss(result, op)
    let after = rng
    defer { rng = after }
    guard loss.isActive else {
      if held.sites.isEmpty { throw RuntimeError("the block's value does not depend on the inputs of check_grad", at: op.span) }
      throw RuntimeError("with its @bypass calls held fixed, the block's value does not depend on the inputs of check_grad",
                         at: op.span, notes: [held.note(files: module.files),
                                              "check_grad checks the deterministic part of a block; the bypass estimators are not checked"])
    }
    let value = Double(loss.value[flat: 0])
    guard value.isFinite else {
      throw RuntimeError("the value of the block is \(Self.nonFinite(value))", at: op.span, notes: [Self.anomalyNote])
    }
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

    // Central differences, in Double, from silent runs without recording.
    let savedOutput = output
    output = { _ in }
    defer { output = savedOutput }
    var current = points
    func blockLoss() throws -> Double {
      rng = stream
      held.cursor = 0
      held.tape = Tape(recording: false)
      for (id, x) in zip(ids, current) { frame[id] = .tensor(x) }
      let v = try scalarLoss(try with(tape: held.tape, training: training) { try run(op.regions[0], frame) ?? .void }, op)
      for id in ids { frame[id] = .none }  // so the next step writes the perturbed tensor in place
      guard held.cursor == held.values.count else { throw held.changed(op) }
      return Double(v.value[flat: 0])
    }
    // The smallest change of the block's Float32 value the differences resolve.
    let rounding = Self.resolutionMultiple * Double(Float(value).ulp)
    if let directions {
      let worst = try directionalDifferences(directions, analytic, points + parameters.map(\.value), eps: eps,
                                             rounding: rounding, op, set: { j, t in
        if j < current.count { current[j] = t } else { parameters[j - current.count].value = t }
      }, blockLoss)
      if !held.sites.isEmpty, checkGradNoted.insert(op.span).inserted { log("note: " + held.note(files: module.files) + "\n") }
      return .float(worst)
    }
    var worst = 0.0
    for k in points.indices {
      let what = points.count > 1 ? "input \(k + 1)" : "the input"
      let numeric = try centralDifferences(points[k], what, eps: eps, op, poke: { current[k][flat: $0] = $1 }, blockLoss)
      worst = max(worst, Self.largestRelativeError(analytic[k], numeric, floor: rounding / (2 * eps)))
    }
    for (j, p) in parameters.enumerated() {
      let numeric = try centralDifferences(p.value, "parameter '\(p.name)'", eps: eps, op, poke: { p.value[flat: $0] = $1 },
                                           blockLoss)
      worst = max(worst, Self.largestRelativeError(analytic[points.count + j], numeric, floor: rounding / (2 * eps)))
    }
    if !held.sites.isEmpty, checkGradNoted.insert(op.span).inserted { log("note: " + held.note(files: module.files) + "\n") }
    return .float(worst)
  }

  /// The derivative of `loss` in each element of `x`: the central difference
  /// `(L(x + eps) − L(x − eps)) / 2eps`, the step measured between the two Float32 points
  /// actually evaluated. (A Richardson step, from `eps` and `eps/2`, was tried: in Float32
  /// its amplified rounding cost more than the `eps²` term it cancels.) `poke(i, v)` writes
  /// element `i` of the tensor the block reads, in place; each element is written back
  /// after its two runs.
  func centralDifferences(_ x: Tensor, _ what: String, eps: Double, _ op: IR.Op, poke: (Int, Float) -> Void,
                          _ loss: () throws -> Double) throws -> [Double] {
    var numeric = [Double](repeating: 0, count: x.count)
    for i in numeric.indices {
      let v = Double(x[flat: i])
      defer { poke(i, x[flat: i]) }
      func quotient(_ h: Double) throws -> Double {
        let (hi, lo) = (Float(v + h), Float(v - h))
        guard Double(hi) > Double(lo) else {
          throw RuntimeError("check_grad: eps \(eps) is below the Float32 resolution of element \(i) of \(what) (\(v))", at: op.span)
        }
        poke(i, hi)
        let up = try loss()
        poke(i, lo)
        let down = try loss()
        guard up.isFinite, down.isFinite else {
          throw RuntimeError("check_grad: the block's value is not finite when element \(i) of \(what) moves by ±\(h)", at: op.span,
                             notes: ["pass a smaller eps: to keep the steps inside the block's domain (log, sqrt, division)"])
        }
        return (up - down) / (Double(hi) - Double(lo))
      }
      numeric[i] = try quotient(eps)
    }
    return numeric
  }

  /// `check_grad(…, directions: k)`: along each of `k` random unit directions `u` (the same
  /// ones every time) through all inputs at once: `x± = x ± eps·u` in Float32, `Δ = x⁺ − x⁻`
  /// as evaluated, the tape's slope `g = ⟨a, Δ⟩ / ‖Δ‖` and the finite difference's
  /// `n = (L(x⁺) − L(x⁻)) / ‖Δ‖`. Returns the largest `|g − n| / max(|g|, |n|, s)`,
  /// `s = max(10⁻³‖a‖, resolution)`: 2k runs of the block however many elements the inputs
  /// (a model's parameters) have.
  func directionalDifferences(_ count: Int, _ analytic: [Tensor], _ bases: [Tensor], eps: Double, rounding: Double, _ op: IR.Op,
                              set: (Int, Tensor) -> Void, _ loss: () throws -> Double) throws -> Double {
    var directions = RNG(seed: 0x636865636b)
    defer { for (j, b) in bases.enumerated() { set(j, b) } }
    var gradNorm = 0.0
    for a in analytic { for i in 0..<a.count { gradNorm += Double(a[flat: i]) * Double(a[flat: i]) } }
    gradNorm = gradNorm.squareRoot()
    var worst = 0.0
    for d in 0..<count {
      let vs = bases.map { directions.normal($0.shape) }
      var norm = 0.0
      for v in vs { for i in 0..<v.count { norm += Double(v[flat: i]) * Double(v[flat: i]) } }
      let unit = 1 / max(norm.squareRoot(), Double.leastNormalMagnitude)
      /// (tape slope g, finite-difference slope n, ‖Δ‖) for a step h along the direction.
      func probe(_ h: Double) throws -> (Double, Double, Double) {
        var along = 0.0, length = 0.0
        var plus: [Tensor] = [], minus: [Tensor] = []
        for (j, (b, v)) in zip(bases, vs).enumerated() {
          plus.append(Tensor(shape: b.shape) { i in Float(Double(b[flat: i]) + h * unit * Double(v[flat: i])) })
          minus.append(Tensor(shape: b.shape) { i in Float(Double(b[flat: i]) - h * unit * Double(v[flat: i])) })
          for i in 0..<b.count {
            let step = Double(plus[j][flat: i]) - Double(minus[j][flat: i])
            along += Double(analytic[j][flat: i]) * step
            length += step * step
          }
        }
        length = max(length.squareRoot(), Double.leastNormalMagnitude)
        for (j, t) in plus.enumerated() { set(j, t) }
        let up = try loss()
        for (j, t) in minus.enumerated() { set(j, t) }
        let down = try loss()
        guard up.isFinite, down.isFinite else {
          throw RuntimeError("check_grad: the block's value is not finite along random direction \(d + 1) (steps of \(h))", at: op.span,
                             notes: ["pass a smaller eps: to keep the steps inside the block's domain (log, sqrt, division)"])
        }
        return (along / length, (up - down) / length, length)
      }
      let (g, n, length) = try probe(eps)
      let floor = max(1e-3 * gradNorm, rounding / length, Double.leastNormalMagnitude)
      worst = max(worst, Swift.abs(g - n) / max(Swift.abs(g), Swift.abs(n), floor))
    }
    return worst
  }

  /// `max |a − n| / max(|a|, |n|, s)` over the elements, where `s` is a hundredth of the
  /// largest |a| or |n| of this input, or `resolution` (the finite differences' rounding
  /// floor) if larger: elements far below the gradient's scale, whose differences are
  /// mostly rounding noise, are compared at that scale.
  static func largestRelativeError(_ analytic: Tensor, _ numeric: [Double], floor resolution: Double) -> Double {
    var scale = 0.0
    for (i, n) in numeric.enumerated() { scale = max(scale, Swift.abs(n), Swift.abs(Double(analytic[flat: i]))) }
    let floor = max(1e-2 * scale, resolution, Double.leastNormalMagnitude)
    var worst = 0.0
    for (i, n) in numeric.enumerated() {
      let a = Double(analytic[flat: i])
      worst = max(worst, Swift.abs(a - n) / max(Swift.abs(a), Swift.abs(n), floor))
    }
    return worst
  }

  /// A `@bypass` call inside `check_grad`: computed without its estimator at the inputs'
  /// own values (a constant on the tape), then replayed unchanged at every perturbed point.
  func heldBypass(_ op: IR.Op, _ frame: Frame, _ held: HeldBypasses, _ compute: () throws -> Value) throws -> Value {
    if let k = held.cursor {
      guard k < held.values.count, held.values[k].span == op.span else { throw held.changed(op) }
      held.cursor = k + 1
      return held.values[k].value
    }
    let v = try with(tape: Tape(recording: false), training: training) { try compute() }
    held.values.append((op.span, v))
    // The note names the calls whose input depends on the block's inputs (the others change nothing).
    if op.operands.contains(where: { if case .tensor(let v, _) = frame[$0] { return v.isActive }; return false }) {
      held.noteSite(op)
    }
    return v
  }
}

/// The `@bypass` calls of one `check_grad` block, held at their values at the unperturbed
/// inputs: in the order they ran, so a call inside a loop holds one value per iteration.
final class HeldBypasses {
  /// The tape whose bypass calls are held: the gradient run's, then each finite-difference run's.
  var tape: Tape
  /// Each call's value at the inputs, with the call's span.
  var values: [(span: Span, value: Value)] = []
  /// The next value to replay, during the finite differences (nil while recording them).
  var cursor: Int?
  /// The distinct call sites, in order: the bypass op, the bypassed function and where it is
  /// called, the strategy, and how many times the call ran.
  private(set) var sites: [(op: Span, name: String, span: Span, strategy: String, runs: Int)] = []

  init(tape: Tape) { self.tape = tape }

  func noteSite(_ op: IR.Op) {
    if let k = sites.firstIndex(where: { $0.op == op.span }) {
      sites[k].runs += 1
      return
    }
    var name = "call", at = op.span
    if let region = op.regions.first, let y = region.ops.last, case .yield = y.kind, let v = y.operands.first,
       let call = region.ops.first(where: { $0.result == v }) {
      at = call.span
      switch call.kind {
      case _ where !call.inlinedAt.isEmpty:  // a user function the inliner copied here: its call site
        if let site = call.inlinedAt.last { (name, at) = (site.function, site.site) }
      case .builtin(let id): name = id.name
      case .call(let n): name = n
      case .method(_, let n): name = n
      default: break
      }
    }
    var strategy = "DiffBypass model"
    if case .bypass(let s, _, _) = op.kind, s != "model" { strategy = s }  // lowering names a model strategy "model"
    sites.append((op.span, name, at, strategy, 1))
  }

  /// `check_grad: 1 bypassed call held fixed: round at f.dpl:4:12 (ste)` (a `note:` line); a
  /// call that ran more than once (in a loop) says so: `(ste, 3 times)`.
  func note(files: [SourceFile]) -> String {
    let list = sites.map { s in
      "\(s.name) at \(RuntimeError.location(s.span, files)) (\(s.strategy)\(s.runs > 1 ? ", \(s.runs) times" : ""))"
    }
    let count = sites.count == 1 ? "1 bypassed call" : "\(sites.count) bypassed calls"
    return "check_grad: \(count) held fixed: " + list.joined(separator: ", ")
  }

  func changed(_ op: IR.Op) -> RuntimeError {
    RuntimeError("check_grad: the block's @bypass calls change with its inputs, so they cannot be held fixed", at: op.span,
                 notes: ["the finite differences replay each bypassed call's value at the inputs, in the order the calls ran"])
  }
}
