import Foundation

/// Top-level sections built around gradient blocks: `grad`/`value_and_grad` with the same
/// expression computed before the block, gradients in loops, and model training.
extension ProgramGenerator {
  /// Inputs for a gradient block: one or two immutable tensor variables.
  mutating func chooseInputs(_ sc: Scope) -> [GenVar] {
    let all = gradCandidates(sc)
    guard !all.isEmpty else { return [] }
    var inputs = [rng.pick(all)]
    let others = all.filter { $0.name != inputs[0].name }
    if !others.isEmpty, rng.chance(0.3) { inputs.append(rng.pick(others)) }
    return inputs
  }

  /// An expression over the inputs computed before the block (`let t = e; print(t)`), to be
  /// repeated inside it.
  mutating func repeatedBefore(_ inputs: [GenVar], _ sc: inout Scope) -> (Stmt, Term)? {
    guard rng.chance(0.6) else { return nil }
    let probe = sc.enteringGradient(Set(inputs.map(\.name)), region: sc.region)
    let e = tensor(rng.pick(Self.shapes), 2, probe)
    let t = fresh("t")
    sc.add(t, e.type)
    pool.append(e)
    let show = rng.chance(0.5)
    let stmt = Stmt(lines: ["let \(t) = \(e.text)"] + (show ? ["print(\(t))"] : [])) { env in
      env[t] = e.eval(env)
      if show { Self.emit([env[t]], scale: env[t].tensor?.maxAbs ?? 0, env.run) }
    }
    return (stmt, e)
  }

  /// `[let t = e; print(t)]`, then `let g = grad(…) { … }` (or `value_and_grad`) and its print.
  mutating func gradSection(_ sc: inout Scope) -> [Stmt] {
    let inputs = chooseInputs(sc)
    guard !inputs.isEmpty else { return statement(&sc) }
    var out: [Stmt] = []
    let before = repeatedBefore(inputs, &sc)
    if let before { out.append(before.0) }
    let both = rng.chance(0.3)
    let g = gradBlock(both ? "value_and_grad" : "grad", inputs, sc, repeated: before?.1)
    let names = inputs.map { _ in fresh("g") }
    let l = fresh("l")
    let pattern = names.count == 1 ? names[0] : "(" + names.joined(separator: ", ") + ")"
    var lines = g.lines
    lines[0] = "let \(both ? "(\(l), \(pattern))" : pattern) = " + lines[0]
    for (n, v) in zip(names, inputs) { sc.add(n, v.type) }
    if both { sc.add(l, .float) }
    let printed = both && rng.chance(0.5) ? [l] + names : names
    lines.append("print(" + printed.joined(separator: ", ") + ")")
    out.append(Stmt(lines: lines) { env in
      let (loss, grad) = Self.scaled(env.run) { g.eval(env) }.0
      if names.count == 1 {
        env[names[0]] = grad
      } else {
        for (k, n) in names.enumerated() {
          if case .tuple(let xs) = grad { env[n] = xs[k] } else { env[n] = .unknown }
        }
      }
      env[l] = loss
      let values = printed.map { env[$0] }
      Self.emit(values, scale: max(1, values.compactMap(\.tensor?.maxAbs).max() ?? 0), env.run)
    })
    return out
  }

  /// `for i in 0..<n { print(grad(x) { … i … }) }`.
  mutating func gradLoop(_ sc: inout Scope) -> [Stmt] {
    let inputs = chooseInputs(sc)
    guard !inputs.isEmpty else { return statement(&sc) }
    let i = fresh("i"), n = 1 + rng.below(3)
    var inner = sc
    inner.add(i, .int)
    let g = gradBlock("grad", inputs, inner, repeated: nil)
    var lines = g.lines
    lines[0] = "  print(" + lines[0]
    for k in 1..<lines.count { lines[k] = "  " + lines[k] }
    lines[lines.count - 1] += ")"
    return [Stmt(lines: ["for \(i) in 0..<\(n) {"] + lines + ["}"]) { env in
      for k in 0..<n {
        env[i] = .int(k)
        let (grad, scale) = Self.scaled(env.run) { g.eval(env).gradient }
        Self.emit([grad], scale: max(scale, 1), env.run)
      }
    }]
  }

  /// `print(f(…))` for a function whose body takes a gradient of its parameters.
  mutating func callGradientFunction(_ sc: inout Scope) -> [Stmt]? {
    let fs = functions.filter(\.hasGrad)
    guard !sc.inGradient, let f = fs.isEmpty ? nil : rng.pick(fs), let c = callTerm(f, sc) else { return nil }
    return [Stmt(lines: ["print(\(c.text))"]) { env in
      let (v, scale) = Self.scaled(env.run) { c.eval(env) }
      Self.emit([v], scale: max(scale, 1), env.run)
    }]
  }

  /// Trains a model a few steps with `opt.minimize`, printing each loss (values the
  /// reference cannot follow: compared across pass settings only), then `eval { net(x) }`.
  mutating func trainingSection(_ sc: inout Scope) -> [Stmt]? {
    guard !models.isEmpty else { return nil }
    let k = rng.below(models.count)
    let m = models[k]
    let i = fresh("i"), l = fresh("l"), n = 1 + rng.below(3)
    let rows = rng.chance(0.5) ? [2] : []
    // The input is also used after the loop: it reads no name of the loop or the block.
    let input = tensor(rows + [m.cin], 2, sc)
    var inner = sc
    inner.add(i, .int)
    inner = inner.enteringGradient([], region: nextRegion())
    inner.minimizing = k
    inner.depth = 2
    let target = tensor(rows + [m.cout], 2, inner)
    let stmts = block(&inner, count: rng.below(size.blockStatements + 1))
    var loss = "mse(\(m.name)(\(input.text)), \(target.text))"
    var extra: Term?
    if rng.chance(0.4) {
      let e = tensor([], 2, inner)
      loss = "(\(loss) + (\(e.text) * 0.1))"
      extra = e
    }
    // Draws of their own, so every earlier program of a seed stays as it was (the
    // regression tests name programs by seed and index).
    var side = FuzzRandom(seed: rng.state ^ 0x28_5EED)
    // A parameter read as a value (weight decay): the same leaf the layer's call uses.
    if side.chance(0.3) { loss = "(\(loss) + (0.01 * sum(square(\(m.name).l2.weight))))" }
    // Sometimes the step is the generic `fit_step(opt, net, x, y)` (its `net: Any` reaches
    // the loss through a dynamic call) with the same loss, when the block has no statements.
    let generic = stmts.isEmpty && extra == nil && rng.chance(0.3)
    let step = generic ? ["  let \(l) = fit_step(\(m.optimizer), \(m.name), \(input.text), \(target.text))"]
      : ["  let \(l) = \(m.optimizer).minimize {"] + Self.indent(stmts).map { "  " + $0 } + ["    " + loss, "  }"]
    // A weight read before and after the steps: two values, which no pass may merge.
    let probe = side.chance(0.3) ? ["print(sum(\(m.name).l1.weight))"] : []
    // The gradient with respect to the model, every parameter's in full.
    let gradient = side.chance(0.3) ? ["print(params(grad(\(m.name)) { sum(square(\(m.name)(\(input.text)))) }))"] : []
    let lines = probe + ["for \(i) in 0..<\(n) {"] + step + ["  print(\(l))", "}", "print(eval { \(m.name)(\(input.text)) })"]
      + probe + gradient
    return [Stmt(lines: lines) { env in
      if !probe.isEmpty { env.run.output?.append(.opaque) }
      for step in 0..<n {
        env[i] = .int(step)
        let e = RefEnv(vars: env.vars, run: env.run)
        Self.run(stmts, e)
        // With lr 0.05 a step on inputs this large diverges (the loss becomes Inf).
        if let x = input.eval(e).tensor, x.maxAbs > 8 { env.run.reject("a training input of magnitude \(x.maxAbs)") }
        _ = target.eval(e)
        _ = extra?.eval(e)
        env.run.output?.append(.opaque)
      }
      _ = input.eval(env)  // `print(eval { net(input) })`: a call in the input may print
      env.run.output?.append(.opaque)
      if !probe.isEmpty { env.run.output?.append(.opaque) }
      if !gradient.isEmpty {
        _ = input.eval(env)
        env.run.output?.append(.opaque)
      }
    }]
  }

  /// `net(x)` or `net.hidden(x)` for a model whose output width is the last dimension.
  mutating func modelCall(_ shape: [Int], _ d: Int, _ sc: Scope) -> Term? {
    guard let last = shape.last, shape.count <= 2, !sc.inFunction else { return nil }
    let fits = models.filter { $0.cout == last }
    guard let m = fits.isEmpty ? nil : rng.pick(fits) else { return nil }
    let x = tensor(Array(shape.dropLast()) + [m.cin], d, sc)
    let method = rng.chance(0.3) ? ".hidden" : ""
    return Term(text: "\(m.name)\(method)(\(x.text))", type: .tensor(shape), refs: x.refs, deps: x.deps) { env in
      _ = x.eval(env)
      return .unknown
    }
  }

  /// Model declarations (header lines) and their instances and optimizers (body lines).
  mutating func declareModels(_ body: inout [String], _ sc: inout Scope) -> [String] {
    // A training step generic over the model, which `trainingSection` may call.
    var header = ["fn fit_step(o: Optimizer, net: Any, x: Tensor, y: Tensor) -> Float { o.minimize { mse(net(x), y) } }"]
    for k in 0..<(1 + rng.below(2)) {
      let type = "Net\(k)"
      let forward = rng.pick(["l2(relu(l1(x)))", "l2(tanh(l1(x)))", "l2(sigmoid(l1(x)))",
                              "l2(dropout(relu(l1(x)), rate: 0.25, seed: 3))", "relu(l2(relu(l1(x))))"])
      let hidden = 3 + rng.below(2)
      // `hidden` uses a layer's output twice: the fuse pass must leave its ReLU alone.
      let second = rng.pick(["l2(tanh(l1(x)))", "l2((relu(l1(x)) + tanh(l1(x))))"])
      header += ["model \(type)(cin: Int, cout: Int) {", "  let l1 = dense(cin, \(hidden))", "  let l2 = dense(\(hidden), cout)",
                 "  fn forward(x: Tensor) -> Tensor { \(forward) }",
                 "  fn hidden(x: Tensor) -> Tensor {", "    let h = l1(x)", "    \(second.replacingOccurrences(of: "l1(x)", with: "h"))", "  }", "}"]
      let (cin, cout) = rng.pick([(3, 3), (2, 2), (3, 2), (2, 3)])
      let name = fresh("net"), opt = fresh("opt")
      // The second model is sometimes chosen by an `if` between the two types: an `Any` that
      // the checker and the tape pass must treat as the model it holds (the constant folder
      // picks the branch when it runs; with it skipped, the run does).
      if k == 1, rng.chance(0.4) {
        body.append("let \(name) = if 2 > 1 { \(type)(\(cin), \(cout)) } else { Net0(\(cin), \(cout)) }")
      } else {
        body.append("let \(name) = \(type)(\(cin), \(cout))")
      }
      body.append(rng.chance(0.5) ? "let \(opt) = adam(\(name), lr: 0.01)" : "let \(opt) = sgd(\(name), lr: 0.05, momentum: 0.5)")
      models.append(GenModel(name: name, cin: cin, cout: cout, optimizer: opt))
    }
    _ = sc
    return header
  }
}

/// A model instance of a generated program: `name = NetK(cin, cout)` and its optimizer.
struct GenModel {
  var name: String
  var cin: Int
  var cout: Int
  var optimizer: String
}
