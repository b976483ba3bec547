import Foundation

/// `grad` and `value_and_grad` blocks, whose reference value is the gradient by central
/// finite differences in Double.
extension ProgramGenerator {
  /// A gradient block: its lines (`grad(a, b) {` … `}`) and its reference (loss, gradient).
  struct GradBlock {
    var lines: [String]
    var inputs: [GenVar]
    var body: [Stmt]
    var loss: Term
    var eval: (RefEnv) -> (loss: RefValue, gradient: RefValue)
  }

  /// Tensor variables a gradient may be taken with respect to (immutable bindings).
  func gradCandidates(_ sc: Scope) -> [GenVar] {
    sc.vars.filter { v in
      if case .tensor = v.type { return !v.mutable && !v.name.hasPrefix("r") }
      return false
    }
  }

  /// `keyword(inputs) { statements; loss }`, where the loss may repeat `repeated` (an
  /// expression also computed before the block) and an `eval` of an expression it uses.
  mutating func gradBlock(_ keyword: String, _ inputs: [GenVar], _ sc: Scope, repeated: Term?) -> GradBlock {
    var inner = sc.enteringGradient(Set(inputs.map(\.name)), region: nextRegion())
    inner.depth = size.depth - 1 + rng.below(2)
    var stmts = block(&inner, count: rng.below(size.blockStatements + 1))
    var loss = tensor([], inner.depth, inner)
    if let r = repeated {
      let f = rng.pick(["sum", "mean"])
      loss = .zip("(\(loss.text) + \(f)(\(r.text)))", loss, r, shape: []) { x, y, _ in
        RefTensor.zip(x, RefTensor(scalar: f == "sum" ? y.data.reduce(0, +) : y.data.reduce(0, +) / Double(y.count)), +)
      }
    }
    if rng.chance(0.2) {
      // `let c = eval { e }` and `e` again: the first is a constant, the second is recorded.
      let e = tensor(rng.pick(Self.shapes), 2, inner)
      let c = fresh("c"), id = nextNode()
      stmts.append(Stmt(lines: ["let \(c) = eval { (\(e.text) * 1.0) }"]) { env in
        env[c] = env.run.frozen(id) { e.eval(env) }
      })
      let before = loss
      loss = Term(text: "(\(before.text) + sum((\(e.text) * \(c))))", type: .tensor([]),
                  refs: before.refs.union(e.refs), deps: before.deps.union(e.deps)) { env in
        // Both sides run (a call in either may print), as in dpl.
        let vl = before.eval(env), vy = e.eval(env)
        guard let l = vl.tensor, let y = vy.tensor, let z = env[c].tensor else { return .unknown }
        return .tensor(RefTensor(scalar: l.data[0] + RefTensor.zip(y, z, *).data.reduce(0, +)))
      }
    }
    for v in inputs where !loss.deps.contains(v.name) {
      let x = Term(text: v.name, type: v.type, refs: [v.name], deps: [v.name], eval: { env in env[v.name] })
      let s = smooth(x)
      loss = .zip("(\(loss.text) + mean(\(s.text)))", loss, s, shape: []) { l, y, _ in
        RefTensor.zip(l, RefTensor(scalar: y.data.reduce(0, +) / Double(y.count)), +)
      }
    }
    let names = inputs.map(\.name)
    let body = stmts, final = loss
    let lines = ["\(keyword)(\(names.joined(separator: ", "))) {"] + Self.indent(stmts) + ["  " + loss.text, "}"]
    return GradBlock(lines: lines, inputs: inputs, body: body, loss: final) { env in Self.gradient(env, names, body, final) }
  }
}

extension ProgramGenerator {
  /// Runs a gradient block's body once (recording its constants and its prints), then
  /// again with each input element moved by ±h: the gradient by central differences.
  /// Unknown when the loss is, when a bypass estimator lies on the way, or when a kink is
  /// too close for differences to mean anything.
  static func gradient(_ env: RefEnv, _ inputs: [String], _ body: [Stmt], _ loss: Term) -> (loss: RefValue, gradient: RefValue) {
    let base = RefRun(output: env.run.output == nil ? nil : [])
    let e0 = RefEnv(vars: env.vars, run: base)
    run(body, e0)
    let l0 = loss.eval(e0)
    env.run.output?.append(contentsOf: base.output ?? [])
    if let why = base.rejected { env.run.reject(why) }
    env.run.maxMagnitude = max(env.run.maxMagnitude, base.maxMagnitude)
    let lossValue: RefValue = l0.tensor.map { .float($0.data[0]) } ?? .unknown
    guard l0.isKnown, !base.opaqueGradient, base.kinkMargin > 1e-3, base.rejected == nil else { return (lossValue, .unknown) }
    let h = 1e-6
    var grads: [RefValue] = []
    for name in inputs {
      guard var x = env[name].tensor else { return (lossValue, .unknown) }
      var g = x
      for j in x.data.indices {
        var sides: [Double] = []
        for sign in [1.0, -1.0] {
          let saved = x.data[j]
          x.data[j] += sign * h
          let r = RefRun(output: nil)
          r.frozen = base.frozen
          r.replaying = true
          var vars = env.vars
          vars[name] = .tensor(x)
          let e = RefEnv(vars: vars, run: r)
          run(body, e)
          x.data[j] = saved
          guard r.rejected == nil, let l = loss.eval(e).tensor, r.rejected == nil else { return (lossValue, .unknown) }
          sides.append(l.data[0])
        }
        g.data[j] = (sides[0] - sides[1]) / (2 * h)
      }
      env.run.check(g)
      grads.append(.tensor(g))
    }
    env.run.checkedGradients += 1
    return (lossValue, grads.count == 1 ? grads[0] : .tuple(grads))
  }
}
