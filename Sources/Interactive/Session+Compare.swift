import Autodiff
import Foundation
import Language
import Runtime
import Tensor

/// `:compare e wrt x`: how far each bypass strategy's gradient is from the gradient of a
/// Gaussian-smoothed version of the expression.
///
/// The reference is `∇ E_ε[L(x + σε)]` by central finite differences of a Monte-Carlo
/// estimate with common random numbers: `ĝ_i = 1/(2hM) Σ_m L(x + h e_i + σε_m) − L(x − h e_i + σε_m)`,
/// with `h = σ/4` (the smoothed function varies on the scale σ). Each strategy — the
/// written one, then every `BypassStrategy` and `net` (a default surrogate MLP on the last
/// axis) — is asked for its gradient under K seeds; the table gives the
/// cosine similarity and norm ratio to the reference (mean ± sd over seeds), the bias
/// `|mean − ref| / |ref|`, the variance `mean |g − mean|² / |ref|²`, and the calls of the
/// bypassed function per gradient. A strategy that does not apply says why.
extension Session {
  /// Default DiffBypass surrogates: an MLP applied to every element (`1 → 32 → 1`), for
  /// calls whose output is shaped like their input (`round`), else an MLP on the last axis
  /// (`cin → 32 → cout`: class scores for index outputs such as `dp_contour`'s). A call that
  /// bypasses `k` inputs (`wrt: [a, b]`) gets a surrogate of `k` inputs: the elementwise
  /// MLP sees the `k` values at each element (`k → 32 → 1`), the other one the inputs'
  /// last axes side by side.
  static func surrogateSource(inputs k: Int) -> String {
    let xs = (0..<k).map { k == 1 ? "x" : "x\($0)" }
    let params = xs.map { "\($0): Tensor" }.joined(separator: ", ")
    let each = k == 1 ? "reshape(x, x.shape + [1])" : "concat([" + xs.map { "reshape(\($0), \($0).shape + [1])" }.joined(separator: ", ") + "], axis: -1)"
    let last = k == 1 ? "x" : "concat([" + xs.joined(separator: ", ") + "], axis: -1)"
    return """
      model __ReplSurrogate(cin: Int, cout: Int, elementwise: Bool) {
        let l1 = dense(cin, 32)
        let l2 = dense(32, cout)
        fn forward(\(params)) -> Tensor {
          if elementwise { reshape(l2(tanh(l1(\(each)))), \(xs[0]).shape) } else { l2(tanh(l1(\(last)))) }
        }
      }
      """
  }

  /// Gradients a default surrogate is warmed up on before the measured one, for `n`
  /// elements: 5 (as a few steps of training would), fewer for large inputs so that its
  /// fits cost about as much as the reference.
  static func surrogateWarmUps(elements n: Int) -> Int {
    max(1, min(5, 1024 / max(1, n) - 1))
  }

  public struct Comparison {
    public struct Row {
      public var strategy: String
      public var written: Bool
      public var cosine: (Double, Double) = (0, 0)
      public var ratio: (Double, Double) = (0, 0)
      public var bias = 0.0
      public var variance = 0.0
      public var calls = 0
      public var problem: String?
    }
    /// The names the gradients are taken with respect to.
    public var wrt: [String]
    public var sigma: Double
    public var samples: Int
    public var h: Double
    public var seeds: Int
    public var referenceNorm: Double
    public var rows: [Row]

    public var text: String {
      var out = "reference: central differences (h \(ValueDisplay.number(h))) of the Gaussian-smoothed expression, σ \(ValueDisplay.number(sigma)), \(samples) samples; |∇| \(ValueDisplay.number(referenceNorm))\n"
      if wrt.count > 1 { out += "the gradients with respect to \(wrt.map { "'\($0)'" }.joined(separator: ", ")) are compared as one vector\n" }
      out += "each strategy over \(seeds) seeds (mean ± sd):\n"
      let header = ["strategy", "cosine", "norm ratio", "bias", "variance", "calls of f"]
      var table = [header]
      for r in rows {
        let name = r.strategy + (r.written ? " (written)" : "")
        if let p = r.problem { table.append([name, "n/a: " + p]); continue }
        func pm(_ v: (Double, Double)) -> String { String(format: "%.3f ± %.3f", v.0, v.1) }
        table.append([name, pm(r.cosine), pm(r.ratio), String(format: "%.3f", r.bias), String(format: "%.3f", r.variance), String(r.calls)])
      }
      var widths = (0..<header.count).map { k in table.filter { $0.count == header.count }.map { $0[k].count }.max() ?? 0 }
      widths[0] = table.map { $0[0].count }.max() ?? 0
      for row in table {
        if row.count < header.count { out += "  " + row[0].padding(toLength: widths[0], withPad: " ", startingAt: 0) + "  " + row[1] + "\n"; continue }
        out += "  " + row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
      }
      return out
    }
  }

  /// Where the strategy of the first `@bypass(` in `expr` is, as a character range.
  static func strategyRange(_ expr: String) -> Range<String.Index>? {
    guard let at = expr.range(of: "@bypass(") else { return nil }
    var depth = 0
    var i = at.upperBound
    while i < expr.endIndex {
      let c = expr[i]
      if c == "(" || c == "[" { depth += 1 }
      if c == ")" || c == "]" { if depth == 0 { break }; depth -= 1 }
      if c == ",", depth == 0 { break }
      i = expr.index(after: i)
    }
    return at.upperBound..<i
  }

  /// `:compare e wrt x` (or `wrt a, b`: the gradients with respect to every name, taken
  /// together as one vector).
  public func compare(_ expr: String, wrt names: [String], seeds: Int = 8) throws -> Comparison {
    // Tens of thousands of evaluations: all on one large-stack thread, not a thread each.
    try LargeStack.run { try compareHere(expr, wrt: names, seeds: seeds) }
  }

  func compareHere(_ expr: String, wrt names: [String], seeds: Int) throws -> Comparison {
    guard let range = Self.strategyRange(expr) else {
      throw SessionError("error: :compare needs an expression containing @bypass(strategy) f(\(names.joined(separator: ", ")))")
    }
    let written = expr[range].trimmingCharacters(in: .whitespaces)
    let base = try probe(expr, wrt: names)
    setCurrent(base.interpreter)
    defer { setCurrent(nil) }
    // The call asked about is the expression's own (the probe's first), not one in a
    // function the session defined or loaded.
    let site = Self.bypassOps(base.compiled.module).first
    let sigma = site?.options["sigma"] ?? 1
    let xs = base.xs

    // The reference: finite differences of the smoothed expression.
    let n = xs.reduce(0) { $0 + $1.count }
    let m = max(16, min(256, 24_000 / max(1, 2 * n)))
    let h = sigma / 4
    var noise = RNG(seed: 12345)
    let eps = xs.map { noise.normal([m] + $0.shape) }
    let quiet = Tape(recording: false)
    func loss(_ ts: [Tensor]) throws -> Double {
      base.interpreter.rng = RNG(seed: 0)
      return Double(try evaluate(base, at: ts.map { Var(constant: $0) }, on: quiet).value[flat: 0])
    }
    var ref = [Double](repeating: 0, count: n)
    let differences = FiniteDifferences(step: h)
    for s in 0..<m {
      let points = try zip(xs, eps).map { x, e in
        try e.sliced([SliceRange(s, s + 1)]).reshaped(x.shape).zip(scalar: Float(sigma), .mul).zip(x, .add)
      }
      let d = try differences.derivatives(at: points) { try loss($0) }.flatMap { $0 }
      for i in 0..<n { ref[i] += d[i] / Double(m) }
    }
    let refNorm = (ref.reduce(0) { $0 + $1 * $1 }).squareRoot()

    var strategies = [written]
    for s in BypassStrategy.names + ["net"] where s != written { strategies.append(s) }
    if site?.strategy == "net" { strategies.removeAll { $0 == "net" } }
    var rows: [Comparison.Row] = []
    var writtenTape: TapeReport?
    defer { if let writtenTape { lastTape = writtenTape } }
    for s in strategies {
      var row = Comparison.Row(strategy: s, written: s == written)
      do {
        let gs = try gradients(expr, range: range, strategy: s, wrt: names, seeds: seeds, isWritten: s == written)
        row.calls = gs.calls
        if s == written { writtenTape = lastTape }
        Self.score(&row, gs.grads, ref: ref, refNorm: refNorm)
      } catch let e as SessionError {
        row.problem = Self.firstLine(e.text)
      } catch let e as RuntimeError {
        row.problem = e.message
      }
      rows.append(row)
    }
    return Comparison(wrt: names, sigma: sigma, samples: m, h: h, seeds: seeds, referenceNorm: refNorm, rows: rows)
  }

  static func firstLine(_ text: String) -> String {
    let line = text.split(separator: "\n").first.map(String.init) ?? text
    if let r = line.range(of: "error: ") { return String(line[r.upperBound...]) }
    return line
  }

  /// The gradient under each seed for one strategy (every input's, one after the other),
  /// and its cost in calls of f.
  func gradients(_ expr: String, range: Range<String.Index>, strategy: String, wrt names: [String], seeds: Int,
                 isWritten: Bool) throws -> (grads: [[Double]], calls: Int) {
    var text = expr
    var extra: [(path: String, text: String)] = []
    var extraBindings: [EnvironmentBinding] = []
    let surrogate = strategy == "net" && !isWritten
    if !isWritten {
      text.replaceSubrange(range, with: surrogate ? "__repl_net" : strategy)
    }
    // How many inputs the call bypasses, and its output's last axis: the written call's
    // (the strategy changes neither).
    let writtenSite = surrogate ? Self.bypassOps(try probe(expr, wrt: names).compiled.module).first : nil
    let k = writtenSite?.inputs ?? 1
    if surrogate {
      extra = [("<surrogate>", Self.surrogateSource(inputs: k))]
      extraBindings = [EnvironmentBinding(name: "__repl_net", type: .model("__ReplSurrogate"), mutable: false)]
    }
    let p = try probe(text, wrt: names, extra: extra, extraBindings: extraBindings)
    setCurrent(p.interpreter)
    var site = Self.bypassOps(p.compiled.module).first
    // A strategy named by a String binding (`@bypass(method)`) costs what that strategy costs.
    if site?.strategy == BypassInfo.dynamic, isWritten, case .string(let named)? = bindings[strategy]?.value {
      site?.strategy = named
    }
    var grads: [[Double]] = []
    let warmUps = Self.surrogateWarmUps(elements: p.xs.reduce(0) { $0 + $1.count })
    // The surrogate's widths (cin, cout) to try: elementwise, then on the last axis.
    let lasts = p.xs.prefix(k).map { $0.shape.last ?? 1 }
    let widths = [(k, 1), (lasts.reduce(0, +), writtenSite?.outputWidth ?? lasts.first ?? 1)]
    for seed in (0..<seeds).map({ UInt64(1000 + $0) }) {
      if surrogate {
        // A fresh surrogate per seed, warmed up on a few gradients as it would be in training.
        p.interpreter.rng = RNG(seed: seed)
        var made = false
        for (n, (cin, cout)) in widths.enumerated() where !made {
          let args: [Value] = [.int(cin), .int(cout), .bool(n == 0)]
          p.interpreter.setGlobal("__repl_net", try p.interpreter.constructModel("__ReplSurrogate", args))
          do {
            for w in 0..<warmUps { _ = try gradient(p, rng: seed &+ 100 &* UInt64(w + 1)) }
            made = true
          } catch where n == 0 {}
        }
      }
      grads.append(try gradient(p, rng: seed).grads.flatMap { $0.scalars.map(Double.init) })
    }
    return (grads, 1 + (site?.backwardCalls ?? 0))
  }

  static func score(_ row: inout Comparison.Row, _ gs: [[Double]], ref: [Double], refNorm: Double) {
    func norm(_ v: [Double]) -> Double { (v.reduce(0) { $0 + $1 * $1 }).squareRoot() }
    func meanSD(_ xs: [Double]) -> (Double, Double) {
      let m = xs.reduce(0, +) / Double(xs.count)
      return (m, (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(1, xs.count - 1))).squareRoot())
    }
    let cos = gs.map { g in
      let d = zip(g, ref).reduce(0) { $0 + $1.0 * $1.1 }
      let den = norm(g) * refNorm
      return den > 0 ? d / den : 0
    }
    row.cosine = meanSD(cos)
    row.ratio = meanSD(gs.map { refNorm > 0 ? norm($0) / refNorm : 0 })
    let n = ref.count
    var mean = [Double](repeating: 0, count: n)
    for g in gs { for i in 0..<n { mean[i] += g[i] / Double(gs.count) } }
    let r2 = max(refNorm * refNorm, 1e-30)
    row.bias = norm(zip(mean, ref).map { $0 - $1 }) / max(refNorm, 1e-15)
    row.variance = gs.reduce(0) { acc, g in acc + zip(g, mean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } } / Double(gs.count) / r2
  }
}
