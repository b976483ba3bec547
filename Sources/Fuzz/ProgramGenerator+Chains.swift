import Foundation

/// Shapes that escaped the fuzzer until issue 26 (`escaped`): chains of `var`s in nested
/// loops, and `check_grad` inside programs. The other shapes are in
/// `ProgramGenerator+Solvers.swift` and `ProgramGenerator+ExpectedErrors.swift`.
extension ProgramGenerator {
  /// One of the shapes that escaped: a `var` chain, a solver under `sense:`, exact
  /// IntTensor arithmetic, or `check_grad`.
  mutating func escaped(_ sc: inout Scope) -> [Stmt] {
    switch rng.below(4) {
    case 0: return varChain(&sc) ?? gradSection(&sc)
    case 1: return senseSolver(&sc) ?? gradSection(&sc)
    case 2: return [intArithmetic(&sc, overflow: false)]
    default: return checkGradSection(&sc) ?? gradSection(&sc)
    }
  }

  /// `grad(x) { var v1 … vk; for/while { for/while { vk = h(vk, vk−1) … v1 = h(v1, x) } }; loss(vk) }`:
  /// a chain of 3–5 `var`s, each updated from the one before it in reverse order (so the
  /// input reaches `vk` only after k iterations; an analysis that iterates loops a fixed
  /// number of times loses it), some links inside branches. The reference runs the loops
  /// and takes the gradient by central differences, as for any `grad` block.
  mutating func varChain(_ sc: inout Scope) -> [Stmt]? {
    let all = gradCandidates(sc)
    guard let input = all.isEmpty ? nil : rng.pick(all), case .tensor(let shape) = input.type else { return nil }
    let k = 3 + rng.below(3)
    let vars = (0..<k).map { _ in fresh("v") }
    let (outer, inner) = (fresh("i"), fresh("c"))
    let n = 2 + rng.below(2)
    // Enough iterations for the input to reach the end of the chain.
    let m = max(2, (k + n - 1) / n)
    var lines: [String] = []
    var decls: [(String, Term)] = []
    for v in vars {
      let t = literal(shape)
      decls.append((v, t))
      lines.append("var \(v) = \(t.text)")
    }
    // The links in reverse order: vk from vk−1 first, v1 from the input last.
    var links: [Link] = []
    for j in stride(from: k - 1, through: 0, by: -1) {
      let from = j == 0 ? input.name : vars[j - 1]
      links.append(link(vars[j], from))
    }
    // Some links in an `if` on the loop counters: both ways update the same variable, or
    // the links are split between the two ways.
    let cond = chainCondition(outer, inner)
    var body: [String] = []
    var steps: [(RefEnv, inout Set<String>) -> Void] = []
    var k0 = 0
    while k0 < links.count {
      let l = links[k0]
      if rng.chance(0.3) {
        let other = link(l.target, k0 + 1 < links.count ? links[k0 + 1].target : input.name, same: true)
        body += ["if \(cond.text) {", "  " + l.text, "} else {", "  " + other.text, "}"]
        steps.append { env, reached in (cond.eval(env) ? l : other).run(env, &reached) }
        k0 += 1
      } else if rng.chance(0.15), k0 + 1 < links.count {
        let l2 = links[k0 + 1]
        body += ["if \(cond.text) {", "  " + l.text, "} else {", "  " + l2.text, "}"]
        steps.append { env, reached in (cond.eval(env) ? l : l2).run(env, &reached) }
        k0 += 2
      } else {
        body.append(l.text)
        steps.append { env, reached in l.run(env, &reached) }
        k0 += 1
      }
    }
    let whileOutside = rng.chance(0.5)
    let indented = body.map { "    " + $0 }
    if whileOutside {
      lines += ["var \(outer) = 0", "while \(outer) < \(n) {", "  for \(inner) in 0..<\(m) {"] + indented + ["  }", "  \(outer) += 1", "}"]
    } else {
      lines += ["for \(outer) in 0..<\(n) {", "  var \(inner) = 0", "  while \(inner) < \(m) {"] + indented + ["    \(inner) += 1", "  }", "}"]
    }
    let last = vars[k - 1]
    let lossKind = rng.below(3)
    let lossText = ["sum(\(last))", "mean(tanh(\(last)))", "sum(square(\(last)))"][lossKind]
    let body0 = Stmt(lines: lines) { env in
      for (v, t) in decls { env[v] = t.eval(env) }
      // Which variables the input has reached, as the run goes: a branch may leave the
      // chain broken, and dpl then says the block does not depend on its input.
      var reached: Set<String> = [input.name]
      for i in 0..<n {
        env[outer] = .int(i)
        for c in 0..<m {
          env[inner] = .int(c)
          for s in steps { s(env, &reached) }
        }
      }
      if !reached.contains(last) { env.run.reject("the input does not reach the end of the chain") }
    }
    let loss = Term(text: lossText, type: .tensor([]), refs: [last], deps: [input.name]) { env in
      guard let t = env[last].tensor else { return .unknown }
      let y: Double
      switch lossKind {
      case 0: y = t.data.reduce(0, +)
      case 1: y = t.data.map(Foundation.tanh).reduce(0, +) / Double(t.count)
      default: y = t.data.map { $0 * $0 }.reduce(0, +)
      }
      let out = RefTensor(scalar: y)
      env.run.check(out)
      return .tensor(out)
    }
    let g = fresh("g")
    let text = ["let \(g) = grad(\(input.name)) {"] + lines.map { "  " + $0 } + ["  " + lossText, "}", "print(\(g))"]
    sc.add(g, input.type)
    let name = input.name
    return [Stmt(lines: text) { env in
      let (grad, scale) = Self.scaled(env.run) { Self.gradient(env, [name], [body0], loss).gradient }
      env[g] = grad
      Self.emit([grad], scale: max(scale, 1), env.run)
    }]
  }

  /// One assignment of a chain: its text, its value, and whether it keeps the old value.
  struct Link {
    var text: String
    var eval: (RefEnv) -> RefValue
    var target: String
    var from: String
    var keeps: Bool

    /// Assigns the target, following whether the input reaches it.
    func run(_ env: RefEnv, _ reached: inout Set<String>) {
      env[target] = eval(env)
      if reached.contains(from) || (keeps && reached.contains(target)) { reached.insert(target) } else { reached.remove(target) }
    }
  }

  /// `target = h(target, from)`, a link of a chain: bounded (tanh) or a plain copy. With
  /// `same`, one that keeps the old value too (the other way of a branch).
  mutating func link(_ target: String, _ from: String, same: Bool = false) -> Link {
    let c = rng.pick([0.5, 0.75, -0.5, 1.25])
    let kind = rng.below(same ? 3 : 4)
    let text: String
    switch kind {
    case 0: text = "\(target) = ((\(target) * 0.5) + tanh(\(from)))"
    case 1: text = "\(target) = (tanh(\(target)) + (\(from) * \(Self.fmt(c))))"
    case 2: text = "\(target) += sin(\(from))"
    default: text = "\(target) = (\(from) * \(Self.fmt(c)))"
    }
    return Link(text: text, eval: { env in
      guard let old = env[target].tensor, let x = env[from].tensor else { return .unknown }
      let out: RefTensor
      switch kind {
      case 0: out = RefTensor.zip(old.map { $0 * 0.5 }, x.map(Foundation.tanh), +)
      case 1: out = RefTensor.zip(old.map(Foundation.tanh), x.map { $0 * c }, +)
      case 2: out = RefTensor.zip(old, x.map(Foundation.sin), +)
      default: out = x.map { $0 * c }
      }
      env.run.check(out)
      return .tensor(out)
    }, target: target, from: from, keeps: kind != 3)
  }

  /// A condition on the two loop counters (the reference always decides it).
  mutating func chainCondition(_ i: String, _ c: String) -> (text: String, eval: (RefEnv) -> Bool) {
    func read(_ env: RefEnv, _ name: String) -> Int { if case .int(let n) = env[name] { return n }; return 0 }
    switch rng.below(3) {
    case 0: return ("\(i) > 0", { read($0, i) > 0 })
    case 1: return ("\(c) == 1", { read($0, c) == 1 })
    default: return ("((\(i) + \(c)) % 2) == 0", { (read($0, i) + read($0, c)) % 2 == 0 })
    }
  }

  /// `print((check_grad(x) { … } < 0.05))`, whose verdict the reference predicts: it takes
  /// the tape's gradient (by small central differences with `stop_gradient` and `eval`
  /// held, as for `grad`) and check_grad's own central differences (eps 1e-2, nothing
  /// held), and computes check_grad's documented relative error from them. The line is
  /// known when that error is clearly below (true) or above (false) the threshold; a
  /// block with a bypass or a model call is not generated (its error depends on Float32).
  mutating func checkGradSection(_ sc: inout Scope) -> [Stmt]? {
    let inputs = chooseInputs(sc)
    guard !inputs.isEmpty else { return nil }
    var plain = sc
    plain.noBypass = true
    let g = gradBlock("check_grad", inputs, plain, repeated: nil)
    var lines = g.lines
    lines[0] = "print((" + lines[0]
    lines[lines.count - 1] += " < 0.05))"
    let names = inputs.map(\.name)
    return [Stmt(lines: lines) { env in
      guard let err = g.checkError(env, names) else {
        env.run.output?.append(.opaque)
        return
      }
      if err > 0.005 && err < 0.5 { env.run.reject("check_grad's error \(err) is near the threshold") }
      Self.emit([.text(err < 0.05 ? "true" : "false")], scale: 0, env.run)
    }]
  }
}

extension ProgramGenerator.GradBlock {
  /// check_grad's relative error as the reference computes it, or nil when it cannot.
  func checkError(_ env: RefEnv, _ names: [String]) -> Double? {
    let (loss, tape) = eval(env)
    guard case .float(let l0) = loss, tape.isKnown, env.run.rejected == nil else { return nil }
    let tapes: [RefTensor] = names.count == 1 ? [tape.tensor].compactMap { $0 } : {
      if case .tuple(let xs) = tape { return xs.compactMap(\.tensor) }
      return []
    }()
    guard tapes.count == names.count else { return nil }
    let eps = 1e-2
    let floor300 = 300 * Double(Float(l0).ulp) / (2 * eps)
    var worst = 0.0
    for (name, a) in zip(names, tapes) {
      guard let x = env[name].tensor else { return nil }
      let differences = ProgramGenerator.centralDifferences(x, step: eps) { xv -> Double? in
        var vars = env.vars
        vars[name] = .tensor(xv)
        let e = RefEnv(vars: vars, run: RefRun(output: nil))
        ProgramGenerator.run(body, e)
        let l = self.loss.eval(e).tensor?.data.first
        // What dpl could not run (a log of a negative value) rejects the statement.
        if let why = e.run.rejected { env.run.reject("check_grad's step: \(why)") }
        return e.run.rejected == nil ? l : nil
      }
      guard let n = differences else { return nil }
      // A gradient that is zero (`mse(x, t)` at t = x): check_grad's error is then the ratio
      // of two rounding errors, and the tape's gradient here is a difference quotient, not
      // dpl's exact zero, so no verdict can be predicted.
      if max(a.maxAbs, n.maxAbs) < 1e-6 { return nil }
      let s = max(1e-2 * max(a.maxAbs, n.maxAbs), floor300)
      for (u, v) in zip(a.data, n.data) { worst = max(worst, Swift.abs(u - v) / max(Swift.abs(u), Swift.abs(v), s)) }
    }
    return worst
  }
}
