import Foundation
import Runtime

/// Solvers of a linear cost written in dpl (top-1 and top-2 selection, maximising or
/// minimising), bypassed with the strategies that read `sense:` (`blackbox`, `nid`).
///
/// What is compared: both estimators are deterministic given the solver, so the reference
/// computes each one's documented rule (docs/language.md, `@bypass`) from its own solution
/// of the solver — `blackbox`: `sense·(f(c + sense·λv) − f(c))/λ`, `nid`: `−sense·v`, with
/// `v = dL/dy` by central differences of the loss in `y` — times the constant scale of the
/// bypassed input `c = x·s + offsets`, plus the ordinary gradient of the rest of the loss
/// by central differences in `x`. Solutions too close to a tie, at `c` or at the perturbed
/// cost, are drawn again.
extension ProgramGenerator {
  /// A solver: its name, `fn` text (`n` the width of the last axis) and reference.
  struct Solver {
    var name: String
    var text: String
    /// Maximises (`sense: -1` is its right sense) or minimises.
    var maximises: Bool
    var k: Int
  }

  static func solver(maximises: Bool, k: Int, n: Int) -> Solver {
    let name = "\(maximises ? "best" : "least")\(k)_\(n)"
    let body = k == 1 ? "one_hot(\(maximises ? "argmax" : "argmin")(c, axis: -1), \(n))"
      : "sum(one_hot(topk(c, \(k), largest: \(maximises)).1, \(n)), axis: -2)"
    return Solver(name: name, text: "fn \(name)(c: Tensor) -> Tensor { \(body) }", maximises: maximises, k: k)
  }

  /// The reference solution of a solver along the last axis, with the margin of its choice
  /// reported (a near tie is rejected).
  static func solve(_ s: Solver, _ c: RefTensor, _ run: RefRun) -> RefTensor {
    c.alongAxis(-1) { xs in
      let order = xs.indices.sorted { s.maximises ? (xs[$0], $1) > (xs[$1], $0) : (xs[$0], -$1) < (xs[$1], -$0) }
      if order.count > s.k { run.boundary(Swift.abs(xs[order[s.k - 1]] - xs[order[s.k]])) }
      var y = Array(repeating: 0.0, count: xs.count)
      for j in order.prefix(s.k) { y[j] = 1 }
      return y
    }
  }

  /// `let g = grad(x) { let y = @bypass(S, sense: ±1) solver((x * s) + offsets); h(y) + k(x) }`.
  mutating func senseSolver(_ sc: inout Scope) -> [Stmt]? {
    let fits = gradCandidates(sc).filter { if case .tensor(let s) = $0.type { return !s.isEmpty }; return false }
    guard let input = fits.isEmpty ? nil : rng.pick(fits), case .tensor(let shape) = input.type, let n = shape.last else { return nil }
    let maximises = rng.chance(0.75)
    let k = n == 3 && rng.chance(0.4) ? 2 : 1
    let s = Self.solver(maximises: maximises, k: k, n: n)
    if !solvers.contains(where: { $0.name == s.name }) { solvers.append(s) }
    let blackbox = rng.chance(0.6)
    // The solver's own sense, written out or (a minimiser) left to the default.
    let sense: Double = maximises ? -1 : 1
    let senseText = maximises ? ", sense: -1" : rng.pick(["", ", sense: 1"])
    let lambda = rng.pick([0.5, 1.0, 2.0])
    let head = blackbox ? "@bypass(blackbox, lambda: \(Self.fmt(lambda))\(senseText))" : "@bypass(nid\(senseText))"
    let scale = rng.pick([1.0, 1.5, -0.5, 2.0])
    // Distinct dyadic offsets make ties rarer.
    let offsets = RefTensor(shape: [n], data: (0..<n).map { Double($0) * 0.03125 })
    let cost = "((\(input.name) * \(Self.fmt(scale))) + tensor(\(ValueText.tensor([n], offsets.data.map(Self.fmt)))))"
    let y = fresh("y"), g = fresh("g")
    let w = literal(shape)
    let hKind = rng.below(3)
    let hText = ["sum((\(y) * \(w.text)))", "mse(\(y), \(w.text))", "sum(tanh((\(y) + \(w.text))))"][hKind]
    let xTerm = Term(text: input.name, type: input.type, refs: [input.name], deps: [input.name]) { env in env[input.name] }
    let rest = rng.chance(0.5) ? smooth(xTerm) : nil
    let lossText = rest.map { "(\(hText) + mean(\($0.text)))" } ?? hText
    let lines = ["let \(g) = grad(\(input.name)) {", "  let \(y) = \(head) \(s.name)(\(cost))", "  " + lossText, "}", "print(\(g))"]
    sc.add(g, input.type)
    let name = input.name
    return [Stmt(lines: lines) { env in
      guard let x = env[name].tensor, let wv = w.eval(env).tensor else {
        env[g] = .unknown
        env.run.output?.append(.opaque)
        return
      }
      let h: (RefTensor) -> Double = { yv in
        switch hKind {
        case 0: return Swift.zip(yv.data, wv.data).map { $0 * $1 }.reduce(0, +)
        case 1: return Swift.zip(yv.data, wv.data).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(yv.count)
        default: return Swift.zip(yv.data, wv.data).map { Foundation.tanh($0 + $1) }.reduce(0, +)
        }
      }
      let c = RefTensor.zip(x.map { $0 * scale }, offsets, +)
      let y0 = Self.solve(s, c, env.run)
      guard let v = Self.centralDifferences(y0, h) else { return }
      var grad: RefTensor
      if blackbox {
        let moved = RefTensor.zip(c, v.map { $0 * sense * lambda }, +)
        let y1 = Self.solve(s, moved, env.run)
        grad = RefTensor.zip(y1, y0) { sense * ($0 - $1) / lambda }
      } else {
        grad = v.map { -sense * $0 }
      }
      grad = grad.map { $0 * scale }
      if let rest {
        let d = Self.centralDifferences(x) { xv in
          rest.eval(RefEnv(vars: [name: .tensor(xv)], run: RefRun(output: nil))).tensor.map { $0.data.reduce(0, +) / Double(xv.count) }
        }
        guard let d else { return }
        grad = RefTensor.zip(grad, d, +)
      }
      env.run.check(grad)
      env.run.checkedGradients += 1
      env[g] = .tensor(grad)
      Self.emit([.tensor(grad)], scale: max(grad.maxAbs, 1), env.run)
    }]
  }

  /// The gradient of `f` at `x` by central differences in Double with step `h`; nil when
  /// `f` is at any of the points.
  static func centralDifferences(_ x: RefTensor, step h: Double = 1e-6, _ f: (RefTensor) -> Double?) -> RefTensor? {
    var g = x, p = x
    for j in x.data.indices {
      p.data[j] = x.data[j] + h
      let up = f(p)
      p.data[j] = x.data[j] - h
      let down = f(p)
      p.data[j] = x.data[j]
      guard let up, let down else { return nil }
      g.data[j] = (up - down) / (2 * h)
    }
    return g
  }
}
