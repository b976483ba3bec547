import Foundation

/// A function of a generated program.
struct GenFunction {
  var name: String
  var params: [(name: String, type: GenType)]
  /// Float parameters have defaults; calls may leave them out or pass them by label.
  var defaults: [String: Double]
  var result: GenType
  /// For each element of the result (one for a tensor), the parameters it depends on
  /// differentiably.
  var resultDeps: [Set<String>]
  /// The body takes a gradient (such functions are not called inside gradient blocks).
  var hasGrad: Bool
  var body: [Stmt]
  var value: Term

  /// Whether a call may run a `@bypass`: its body has one, or calls another function.
  func mayBypass(_ all: [GenFunction]) -> Bool {
    let text = (body.flatMap(\.lines) + [value.text]).joined(separator: "\n")
    return text.contains("@bypass") || all.contains { $0.name != name && text.contains($0.name + "(") }
  }
}

extension ProgramGenerator {
  /// Whether an expression may run a `@bypass`: it has one, or calls a function that may.
  func mayBypass(_ text: String) -> Bool {
    text.contains("@bypass") || functions.contains { text.contains($0.name + "(") && $0.mayBypass(functions) }
  }
}

/// User functions: plain ones, ones returning tuples, ones taking a gradient of their
/// parameters, and calls of them; and `@bypass` over non-differentiable steps.
extension ProgramGenerator {
  /// Declares one function (a plain, tuple-returning or gradient-taking one); its lines.
  mutating func declareFunction(_ top: Scope) -> [String] {
    let name = fresh("f")
    var sc = Scope()
    sc.inFunction = true
    sc.region = nextRegion()
    sc.depth = size.depth - 1 + rng.below(2)
    var params: [(name: String, type: GenType)] = []
    var texts: [String] = []
    for k in 0..<(1 + rng.below(2)) {
      let shape = rng.pick(Self.shapes.filter { !$0.isEmpty })
      let p = "\(name)\(["a", "b"][k])"
      params.append((p, .tensor(shape)))
      texts.append("\(p): Tensor" + (rng.chance(0.5) ? "[" + shape.map(String.init).joined(separator: ", ") + "]" : ""))
      sc.add(p, .tensor(shape), deps: [p])
    }
    var defaults: [String: Double] = [:]
    if rng.chance(0.5) {
      let s = "\(name)s", c = rng.pick([0.5, 0.25, 1.5])
      params.append((s, .float))
      defaults[s] = c
      texts.append("\(s): Float = \(Self.fmt(c))")
      sc.add(s, .float)
    }
    let savedPool = pool
    pool = []
    defer { pool = savedPool }
    let kind = rng.below(6)
    if kind == 5, case .tensor(let shape) = params[0].type { return declareRecursive(name, params[0].name, shape) }
    let paramScope = sc  // what an early `return`, before the body, may read
    var body = block(&sc, count: rng.below(size.blockStatements + 1))
    var value: Term
    var hasGrad = false
    var resultText: String
    var lines: [String]
    if kind == 0, case .tensor(let shape) = params[0].type {
      // `fn f(a) { let t = e(a); grad(a) { … e(a) … } }`: the shape of the CSE bug.
      hasGrad = true
      let input = GenVar(name: params[0].name, type: params[0].type, mutable: false, deps: [], region: sc.region)
      let before = repeatedBefore([input], &sc)
      if let before { body.append(before.0) }
      let g = gradBlock("grad", [input], sc, repeated: before?.1)
      value = Term(text: "", type: .tensor(shape), refs: [], deps: []) { env in g.eval(env).gradient }
      resultText = "Tensor"
      lines = Self.indent(body) + g.lines.map { "  " + $0 }
    } else if kind == 1 {
      let sa = rng.pick(Self.shapes), sb = rng.pick(Self.shapes)
      let a = tensor(sa, sc.depth, sc), b = tensor(sb, sc.depth, sc)
      value = Term(text: "(\(a.text), \(b.text))", type: .tuple([.tensor(sa), .tensor(sb)]), refs: [], deps: []) { env in
        .tuple([a.eval(env), b.eval(env)])
      }
      value.deps = a.deps
      resultText = "(Tensor, Tensor)"
      lines = Self.indent(body) + ["  " + value.text]
      functions.append(GenFunction(name: name, params: params, defaults: defaults, result: value.type,
                                   resultDeps: [a.deps, b.deps], hasGrad: false, body: body, value: value))
      return ["fn \(name)(\(texts.joined(separator: ", "))) -> \(resultText) {"] + lines + ["}"]
    } else {
      let shape = rng.pick(Self.shapes)
      value = tensor(shape, sc.depth, sc)
      // A Float parameter in arithmetic: constants for the fold pass once the call is inlined.
      if !defaults.isEmpty, rng.chance(0.6) { value = scaled(value, sc) }
      resultText = "Tensor"
      lines = Self.indent(body) + ["  " + (rng.chance(0.3) ? "return " : "") + value.text]
      if rng.chance(0.2) {
        // An early `return`: the function is then not inlined.
        let cond = condition(sc.depth, paramScope)
        let early = tensor(shape, sc.depth, paramScope)
        let (rest, final) = (body, value)
        lines = ["  if \(cond.text) {", "    return \(early.text)", "  }"] + lines
        body = []
        value = Term(text: final.text, type: final.type, refs: [], deps: early.deps.intersection(final.deps)) { env in
          switch cond.eval(env) {
          case .some(true): return early.eval(env)
          case .some(false):
            Self.run(rest, env)
            return final.eval(env)
          case .none:
            Self.undecided(env, [{ _ = early.eval($0) }, { Self.run(rest, $0); _ = final.eval($0) }])
            return .unknown
          }
        }
      }
    }
    functions.append(GenFunction(name: name, params: params, defaults: defaults, result: value.type,
                                 resultDeps: [value.deps], hasGrad: hasGrad, body: body, value: value))
    return ["fn \(name)(\(texts.joined(separator: ", "))) -> \(resultText) {"] + lines + ["}"]
  }

  /// `fn f(a: Tensor, n: Int) -> Tensor { if n <= 0 { return a * c }; f(tanh(a), n - 1) + a * d }`:
  /// a function that calls itself (never inlined).
  mutating func declareRecursive(_ name: String, _ a: String, _ shape: [Int]) -> [String] {
    let n = "\(name)n", c = rng.pick(Self.constants), d = rng.pick(Self.constants)
    func r(_ x: RefTensor, _ k: Int, _ run: RefRun) -> RefTensor {
      if k <= 0 { return x.map { $0 * c } }
      let y = RefTensor.zip(r(x.map(Foundation.tanh), k - 1, run), x.map { $0 * d }, +)
      run.check(y)
      return y
    }
    let value = Term(text: "", type: .tensor(shape), refs: [], deps: [a]) { env in
      guard let x = env[a].tensor, case .int(let k) = env[n] else { return .unknown }
      return .tensor(r(x, k, env.run))
    }
    functions.append(GenFunction(name: name, params: [(a, .tensor(shape)), (n, .int)], defaults: [:], result: .tensor(shape),
                                 resultDeps: [[a]], hasGrad: false, body: [], value: value))
    return ["fn \(name)(\(a): Tensor, \(n): Int) -> Tensor {", "  if \(n) <= 0 { return (\(a) * \(Self.fmt(c))) }",
            "  (\(name)(tanh(\(a)), (\(n) - 1)) + (\(a) * \(Self.fmt(d))))", "}"]
  }

  /// A call of `f` with generated arguments (a Float parameter left out, passed by label
  /// or positionally); its deps per result element.
  mutating func callTerm(_ f: GenFunction, _ sc: Scope) -> (text: String, refs: Set<String>, deps: [Set<String>], eval: (RefEnv) -> RefValue)? {
    var args: [String] = []
    var terms: [(String, Term?)] = []
    for (p, type) in f.params {
      switch type {
      case .tensor(let shape):
        let t = tensor(shape, max(sc.depth - 1, 1), sc)
        args.append(t.text)
        terms.append((p, t))
      case .float:
        let choice = rng.below(3)
        if choice == 0 { terms.append((p, nil)); continue }
        let c = rng.pick(Self.constants)
        args.append(choice == 1 ? "\(p): \(Self.fmt(c))" : Self.fmt(c))
        let lit = Term(text: "", type: .float, refs: [], deps: []) { _ in .float(c) }
        terms.append((p, lit))
      case .int:
        let k = rng.below(4)
        args.append(String(k))
        terms.append((p, Term(text: "", type: .int, refs: [], deps: []) { _ in .int(k) }))
      default: return nil
      }
    }
    let deps = f.resultDeps.map { ds in
      terms.reduce(into: Set<String>()) { acc, pt in if ds.contains(pt.0), let t = pt.1 { acc.formUnion(t.deps) } }
    }
    let defaults = f.defaults
    let refs = terms.reduce(into: Set<String>()) { acc, pt in acc.formUnion(pt.1?.refs ?? []) }
    return ("\(f.name)(\(args.joined(separator: ", ")))", refs, deps, { env in
      let fenv = RefEnv(run: env.run)
      for (p, t) in terms { fenv[p] = t?.eval(env) ?? defaults[p].map { .float($0) } ?? .unknown }
      Self.run(f.body, fenv)
      return f.value.eval(fenv)
    })
  }

  /// A call of a plain function returning `shape` (or a tuple with an element of it, `.0`).
  mutating func call(_ shape: [Int], _ d: Int, _ sc: Scope) -> Term? {
    let fits = functions.filter { f in
      guard !f.hasGrad, !(sc.noBypass && f.mayBypass(functions)) else { return false }
      if f.result == .tensor(shape) { return true }
      if case .tuple(let ts) = f.result { return ts.contains(.tensor(shape)) }
      return false
    }
    guard let f = fits.isEmpty ? nil : rng.pick(fits), let c = callTerm(f, sc) else { return nil }
    if f.result == .tensor(shape) {
      return Term(text: c.text, type: .tensor(shape), refs: c.refs, deps: c.deps[0], eval: c.eval)
    }
    guard case .tuple(let ts) = f.result, let k = ts.firstIndex(of: .tensor(shape)) else { return nil }
    return Term(text: "\(c.text).\(k)", type: .tensor(shape), refs: c.refs, deps: c.deps[k]) { env in
      if case .tuple(let xs) = c.eval(env) { return xs[k] }
      return .unknown
    }
  }

  /// A call of a function returning a tuple (for `let (p, q) = f(…)`).
  mutating func tupleCall(_ sc: Scope) -> (term: Term, deps: [Set<String>])? {
    let fits = functions.filter { f in
      if case .tuple = f.result { return !(sc.noBypass && f.mayBypass(functions)) }
      return false
    }
    guard let f = fits.isEmpty ? nil : rng.pick(fits), let c = callTerm(f, sc) else { return nil }
    return (Term(text: c.text, type: f.result, refs: c.refs, deps: [], eval: c.eval), c.deps)
  }
}
