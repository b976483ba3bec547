import Autodiff
import IR
import Language
import Runtime
import Tensor

/// `:grad`, `:check` and the tape they leave.
///
/// An expression asked about is compiled twice: as `grad(x) { e }` — so the checker's
/// activity analysis reports gradients that would silently be zero, with the usual
/// diagnostics — and as the body of a hidden function `__repl_probe(x: T) { e }` (the parameter
/// shadows the binding), which the session calls on a tape it owns with a watched tensor.
/// Owning the tape lets `:tape` show the nodes before the backward pass consumes them.
extension Session {
  static let probeName = "__repl_probe"

  /// An expression compiled as a callable probe, with the interpreter that runs it.
  struct Probe {
    var compiled: Compiled
    var interpreter: Interpreter
    /// The tensor bindings it is a function of (its parameters), and their values.
    var wrt: [String]
    var xs: [Tensor]
  }

  /// Compiles `expr` as a gradient probe with respect to the tensor bindings `wrt`.
  func probe(_ expr: String, wrt names: [String], extra: [(path: String, text: String)] = [],
             extraBindings: [EnvironmentBinding] = []) throws -> Probe {
    var params: [String] = [], xs: [Tensor] = [], seen: Set<String> = []
    for n in names {
      guard seen.insert(n).inserted else { throw SessionError("error: '\(n)' is named twice after 'wrt'") }
      guard let b = bindings[n] else {
        throw SessionError("error: '\(n)' is not a binding of this session" + (namesInScope.isEmpty ? "" : " (bindings: \(bindingOrder.joined(separator: ", ")))"))
      }
      guard case .tensor(let v, _) = b.value else {
        throw SessionError("error: '\(n)' is \(b.value.typeName); gradients are taken with respect to a Tensor")
      }
      params.append("\(n): \(b.type)")
      xs.append(v.value)
    }
    // Diagnostics (activity analysis included) come from the `grad` form. The user's text
    // stays on a line of its own, numbered 1, so every message shows it as typed.
    if case .failure(let e) = compile("grad(\(names.joined(separator: ", "))) {\n\(expr)\n}", extra: extra, extraBindings: extraBindings,
                                      returningLastValue: false, firstLine: 0) { throw e }
    // The inputs are parameters (shadowing the globals), so the tape pass marks the body.
    let body = "fn \(Self.probeName)(\(params.joined(separator: ", "))) {\n\(expr)\n}"
    switch compile(body, path: "<repl>", extra: extra, extraBindings: extraBindings, returningLastValue: false, firstLine: 0) {
    case .failure(let e): throw e
    case .success(let c):
      return Probe(compiled: c, interpreter: interpreter(for: c), wrt: names, xs: xs)
    }
  }

  /// Runs the probe at `xs` on tape `t` and returns its scalar value there.
  func evaluate(_ p: Probe, at xs: [Var], on t: Tape) throws -> Var {
    try evaluate(p.interpreter, p.compiled, at: xs, on: t)
  }

  /// Runs a compiled probe with its tensor parameters at `xs` on tape `t`; its scalar value.
  func evaluate(_ interpreter: Interpreter, _ compiled: Compiled, at xs: [Var], on t: Tape) throws -> Var {
    let p = (interpreter: interpreter, compiled: compiled)
    let out: Value
    do {
      out = try p.interpreter.callRecording(Self.probeName, xs.map { .tensor($0, nil) }, on: t)
    } catch var e as RuntimeError {
      // The probe is the session's wrapper, not the user's function: its frame is not shown.
      e.trace.removeAll { $0.0 == Self.probeName }
      throw SessionError(e.render(files: p.compiled.module.files))
    }
    guard case .tensor(let v, _) = out else {
      throw SessionError("error: the expression must be a scalar tensor (a 0-d or one-element Tensor), got \(out.typeName)")
    }
    guard v.value.count == 1 else {
      throw SessionError("error: the expression must be a scalar (a 0-d or one-element Tensor), got shape \(shapeString(v.shape)); wrap it in sum(…) or mean(…)")
    }
    return v.shape.isEmpty ? v : try t.apply(.reshape([]), [v])
  }

  /// The probe's value and gradients at its bindings' values, recording a `TapeReport`.
  func gradient(_ p: Probe, rng seed: UInt64? = nil) throws -> (value: Double, grads: [Tensor]) {
    if let seed { p.interpreter.rng = RNG(seed: seed) }
    let t = Tape(recording: true, tracksParameters: false)
    let ws = p.xs.map { t.watch($0) }
    let loss = try evaluate(p, at: ws, on: t)
    let report = TapeReport(nodes: t.summary, bypasses: Self.bypassOps(p.compiled.module), wrt: p.wrt)
    guard loss.isActive else {
      throw SessionError("error: the expression does not depend on \(p.wrt.map { "'\($0)'" }.joined(separator: ", "))")
    }
    let gs = try t.gradients(of: loss, wrt: ws)
    lastTape = report
    return (Double(loss.value[flat: 0]), gs)
  }

  /// `:grad e wrt x`.
  public func grad(_ expr: String, wrt: String) throws -> (value: Double, grad: Tensor) {
    let p = try probe(expr, wrt: [wrt])
    setCurrent(p.interpreter)
    defer { setCurrent(nil); rng = p.interpreter.rng }
    p.interpreter.rng = rng
    let (v, gs) = try gradient(p)
    return (v, gs[0])
  }

  /// Element-by-element `:check` moves at most this many elements (else `--directions k`).
  static let checkElementLimit = 4096

  /// `:check e wrt x, net, net.codebook [--estimate] [--directions k]`: runs
  /// `check_grad(x, …, bypass: "estimate", directions: k) { e }` — the same check, so the
  /// same verdict and error measure — and returns what it measured, leaving its tape for
  /// `:tape`.
  public func check(_ expr: String, wrt names: [String], estimate: Bool = false, directions: Int? = nil) throws -> CheckGradResult {
    if directions == nil {
      let elements = names.reduce(0) { n, name in
        switch bindings[name]?.value {
        case .tensor(let v, _)?: return n + v.value.count
        case let v? where !ModelInstance.parameters(of: v).isEmpty: return n + ModelInstance.parameters(of: v).reduce(0) { $0 + $1.value.count }
        default: return n
        }
      }
      guard elements <= Self.checkElementLimit else {
        throw SessionError("error: \(names.map { "'\($0)'" }.joined(separator: ", ")) \(names.count == 1 ? "has" : "have") \(elements) elements; "
                           + ":check moves each one, so it takes at most \(Self.checkElementLimit): add --directions 8")
      }
    }
    let options = names + (estimate ? ["bypass: \"estimate\""] : []) + (directions.map { ["directions: \($0)"] } ?? [])
    let compiled: Compiled
    let head = "check_grad(\(options.joined(separator: ", "))) {\n"
    switch compile(head + expr + "\n}", firstLine: 0) {
    case .failure(let e): throw e
    case .success(let c): compiled = c
    }
    let i = interpreter(for: compiled)
    i.log = { [log] s in if !s.hasPrefix("note: check_grad:") { log(s) } }  // the result carries the note
    setCurrent(i)
    defer { setCurrent(nil); rng = i.rng }
    do {
      _ = try i.runMain()
    } catch var e as RuntimeError {
      // An error of the check as a whole points at the expression, not the session's wrapper.
      if e.span.file == compiled.inputFile, e.span.start < head.utf8.count {
        e.span = Span(file: e.span.file, start: head.utf8.count, end: head.utf8.count + expr.utf8.count)
      }
      throw SessionError(e.render(files: compiled.module.files))
    }
    guard let r = i.lastCheckGrad else { throw SessionError("error: check_grad measured nothing") }
    // check_grad watches its tensor inputs first, in order; models and fields are parameters.
    let tensors = names.filter { if case .tensor? = bindings[$0]?.value { return true } else { return false } }
    lastTape = TapeReport(nodes: r.tape, bypasses: Self.bypassOps(compiled.module), wrt: names, inputs: tensors)
    return r
  }

  /// `:type e`: the static type, without running anything.
  public func typeOf(_ expr: String) throws -> ValueType {
    switch compile(expr) {
    case .failure(let e): throw e
    case .success(let c):
      return c.module.function(named: "main")?.resultType ?? .void
    }
  }

  /// The `bypass` ops of every function of a module, in the order they appear: first those
  /// of the expression asked about (the probe, or `main` for `:check`), then those of the
  /// functions it may call — a file's `:load`ed definitions among them.
  static func bypassOps(_ m: IRModule) -> [BypassSite] {
    var sites: [BypassSite] = []
    let own = m.functions.filter { $0.name == probeName || $0.name == "main" }
    for f in own + m.functions.filter({ $0.name != probeName && $0.name != "main" }) {
      var consts: [ValueID: ConstValue] = [:]
      func visit(_ r: Region) {
        for op in r.ops {
          if case .const(let c) = op.kind, let id = op.result { consts[id] = c }
          if case .bypass(let s, let names, let inputs) = op.kind, let roles = op.bypassOperands {
            var opts: [String: Double] = [:]
            for (n, v) in zip(names, roles.options) {
              switch consts[v] {
              case .int(let v)?: opts[n] = Double(v)
              case .float(let v)?: opts[n] = v
              default: break
              }
            }
            var site = BypassSite(strategy: s == "model" ? "net" : s, options: opts, inputs: inputs)
            if case .known(let n)? = op.type.shape?.last { site.outputWidth = n }
            sites.append(site)
          }
          op.regions.forEach(visit)
        }
      }
      visit(f.body)
    }
    return sites
  }
}

/// A `@bypass` call site: its strategy and constant options.
public struct BypassSite {
  public var strategy: String
  public var options: [String: Double]
  /// How many inputs the call bypasses (`wrt: [a, b]` gives 2).
  public var inputs = 1
  /// The size of the output's last axis, when the checker knows it.
  public var outputWidth: Int?

  var samples: Int { Int(options["samples"] ?? 10) }
  var sigma: Double { options["sigma"] ?? 1 }

  /// Calls of the bypassed function one gradient costs beyond the forward call.
  public var backwardCalls: Int {
    if strategy == "net" { return samples }
    switch BypassStrategy(rawValue: strategy) {
    case .es: return 2 * samples
    case .perturbed: return samples
    case .blackbox: return 1
    case .ste, .nid, nil: return 0
    }
  }

  /// How the estimator computes its gradient, in a few words.
  public var rule: String {
    if strategy == "net" { return "DiffBypass surrogate fitted \(Int(options["fit_steps"] ?? 10)) steps on \(samples) noisy copies" }
    switch BypassStrategy(rawValue: strategy) {
    case .es: return "evolution strategies, σ \(ValueDisplay.number(sigma)), \(samples) antithetic pairs"
    case .perturbed: return "perturbed optimiser, σ \(ValueDisplay.number(sigma)), \(samples) samples"
    case .blackbox:
      return "blackbox interpolation, λ \(ValueDisplay.number(options["lambda"] ?? 10))" + (options["sense"] == -1 ? ", maximiser" : "")
    case .ste: return "straight-through (identity)"
    case .nid: return options["sense"] == -1 ? "negative identity of a maximiser (identity)" : "negative identity (−identity)"
    case nil: return strategy
    }
  }
}
