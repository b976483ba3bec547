import Foundation

/// Statements: bindings, prints, loops with `var` updates (`for`, `while`, `break`,
/// `continue`), `if`/`else`, tuple destructuring.
extension ProgramGenerator {
  /// One ordinary statement (or a small group: a `var` and the loop that updates it).
  mutating func statement(_ sc: inout Scope) -> [Stmt] {
    switch rng.below(9) {
    case 0, 1, 2: return [letStmt(&sc)]
    case 3: return varLoop(&sc)
    case 4: return whileLoop(&sc)
    case 5: return [ifStmt(&sc)]
    case 6: return [tupleStmt(&sc)]
    default: return [printStmt(sc)]
    }
  }

  /// `count` statements.
  mutating func block(_ sc: inout Scope, count: Int) -> [Stmt] {
    (0..<count).flatMap { _ in statement(&sc) }
  }

  static func indent(_ stmts: [Stmt]) -> [String] { stmts.flatMap(\.lines).map { "  " + $0 } }

  static func run(_ stmts: [Stmt], _ env: RefEnv) { for s in stmts { s.exec(env) } }

  mutating func letStmt(_ sc: inout Scope) -> Stmt {
    let shape = rng.pick(Self.shapes)
    let e = tensor(shape, sc.depth, sc)
    let name = fresh("t")
    sc.add(name, .tensor(shape), deps: e.deps)
    pool.append(e)
    return Stmt(lines: ["let \(name) = \(e.text)"]) { env in env[name] = e.eval(env) }
  }

  /// `print(a[, b])`; its line is checked against the reference when every value is known.
  mutating func printStmt(_ sc: Scope, eval: Bool = false) -> Stmt {
    var args: [Term] = []
    for _ in 0..<(1 + rng.below(2)) {
      var t = tensor(rng.pick(Self.shapes), sc.depth, sc)
      if eval { t.text = "eval { \(t.text) }" }
      args.append(rng.chance(0.2) ? described(t) : t)
    }
    return Stmt(lines: ["print(" + args.map(\.text).joined(separator: ", ") + ")"]) { env in
      // What is only printed cannot make a gradient opaque.
      let opaque = env.run.opaqueGradient
      defer { env.run.opaqueGradient = opaque }
      let values = Self.scaled(env.run) { args.map { $0.eval(env) } }
      Self.emit(values.0, scale: values.1, env.run)
    }
  }

  /// A printed form of a tensor other than itself: interpolated into a string, its shape,
  /// its length, or `item` of its sum.
  mutating func described(_ t: Term) -> Term {
    var d = t
    switch rng.below(4) {
    case 0:
      d.text = "\"v \\(\(t.text))\""
      d.eval = { env in
        let v = t.eval(env)
        return v.isKnown ? .text("v " + v.printed) : .unknown
      }
    case 1:
      d.text = "\(t.text).shape"
      let shape = t.shape
      d.eval = { env in
        _ = t.eval(env)
        return .text("[" + shape.map(String.init).joined(separator: ", ") + "]")
      }
    case 2 where !t.shape.isEmpty:
      d.text = "len(\(t.text))"
      let n = t.shape[0]
      d.eval = { env in
        _ = t.eval(env)
        return .int(n)
      }
    default:
      d.text = "item(sum(\(t.text)))"
      d.eval = { env in t.eval(env).tensor.map { .float($0.data.reduce(0, +)) } ?? .unknown }
    }
    return d
  }

  /// Runs `body`, returning its result and the largest magnitude met meanwhile.
  static func scaled<T>(_ run: RefRun, _ body: () -> T) -> (T, Double) {
    let saved = run.maxMagnitude
    run.maxMagnitude = 0
    let v = body()
    let m = run.maxMagnitude
    run.maxMagnitude = max(saved, m)
    return (v, m)
  }

  /// Appends a printed line (unless replaying).
  static func emit(_ values: [RefValue], scale: Double, _ run: RefRun) {
    guard run.output != nil else { return }
    if values.allSatisfy(\.isKnown) {
      run.output?.append(.known(values.map(\.printed).joined(separator: " "), scale: scale))
    } else {
      run.output?.append(.opaque)
    }
  }

  /// The lines of code the reference cannot tell will run (a branch on an unknown
  /// condition, the rest of a function after an undecided early `return`): each way runs
  /// aside, and when all print as many lines those lines are opaque; otherwise the count
  /// is unknown and the expected output ends. What either way rejects, the statement does.
  static func undecided(_ env: RefEnv, _ ways: [(RefEnv) -> Void]) {
    guard env.run.output != nil else { return }
    let printed = ways.map { way -> [ExpectedLine] in
      let aside = RefRun()
      way(RefEnv(vars: env.vars, run: aside))
      // A way that could go wrong (a division by a small value) may be the one taken.
      if let why = aside.rejected { env.run.reject(why) }
      return aside.output ?? []
    }
    let counts = Set(printed.map(\.count))
    if counts.count == 1, !printed.contains(where: { $0.contains(.lost) }) {
      env.run.output?.append(contentsOf: Array(repeating: .opaque, count: counts.first ?? 0))
    } else {
      env.run.output?.append(.lost)
    }
  }

  /// An update of a tensor variable that keeps a differentiable path from its old value.
  mutating func update(_ v: GenVar, _ sc: Scope) -> (text: String, deps: Set<String>, eval: (RefEnv) -> RefValue) {
    let shape: [Int]
    if case .tensor(let s) = v.type { shape = s } else { shape = [] }
    let e = tensor(partner(shape), max(sc.depth - 1, 1), sc)
    let name = v.name
    let c = rng.pick([0.5, 0.75, -0.5, 1.25])
    let kind = rng.below(5)
    let text: String
    switch kind {
    case 0: text = "\(name) = ((\(name) * \(Self.fmt(c))) + \(e.text))"
    case 1: text = "\(name) = (tanh(\(name)) + \(e.text))"
    case 2: text = "\(name) += \(e.text)"
    case 3: text = "\(name) -= \(e.text)"
    default: text = "\(name) *= tanh(\(e.text))"
    }
    return (text, v.deps.union(e.deps), { env in
      let new = e.eval(env)
      guard let old = env[name].tensor, let x = new.tensor else { return .unknown }
      let out: RefTensor
      switch kind {
      case 0: out = RefTensor.zip(old.map { $0 * c }, x, +)
      case 1: out = RefTensor.zip(old.map(Foundation.tanh), x, +)
      case 2: out = RefTensor.zip(old, x, +)
      case 3: out = RefTensor.zip(old, x, -)
      default: out = RefTensor.zip(old, x.map(Foundation.tanh), *)
      }
      env.run.check(out)
      return .tensor(out)
    })
  }

  /// `var v = e` and a `for` loop (over a range, or the rows of a tensor) updating it,
  /// sometimes with `continue` or `break`.
  mutating func varLoop(_ sc: inout Scope) -> [Stmt] {
    let shape = rng.pick(Self.shapes)
    let initial = tensor(shape, sc.depth - 1, sc)
    let v = fresh("v")
    sc.add(v, .tensor(shape), mutable: true, deps: initial.deps)
    let decl = Stmt(lines: ["var \(v) = \(initial.text)"]) { env in env[v] = initial.eval(env) }
    var inner = sc
    if rng.chance(0.2) {
      // `for r in [a, b]`: a list of tensors shaped like the variable's partner.
      let inner = partner(shape)
      let a = tensor(inner, sc.depth - 1, sc), b = tensor(inner, sc.depth - 1, sc)
      let r = fresh("r")
      var body = sc
      body.add(r, .tensor(inner), deps: a.deps.intersection(b.deps))
      guard let target = body.lookup(v) else { return [decl] }
      let u = update(target, body)
      sc.setDeps(v, u.deps.union(initial.deps))
      let loop = Stmt(lines: ["for \(r) in [\(a.text), \(b.text)] {", "  " + u.text, "}"]) { env in
        let items = [a.eval(env), b.eval(env)]
        for item in items {
          env[r] = item
          env[v] = u.eval(env)
        }
      }
      return [decl, loop]
    }
    let rows = sc.vars.filter { if case .tensor(let s) = $0.type { return s.count == 2 }; return false }
    let i = fresh(rows.isEmpty || rng.chance(0.6) ? "i" : "r")
    let n = 1 + rng.below(3)
    var header = "for \(i) in 0..<\(n) {"
    var sequence: (RefEnv) -> [RefValue] = { _ in (0..<n).map { .int($0) } }
    if i.hasPrefix("r"), let src = rows.isEmpty ? nil : rng.pick(rows) {
      let name = src.name
      header = "for \(i) in \(name) {"
      guard case .tensor(let s) = src.type else { return [decl] }
      inner.add(i, .tensor(Array(s.dropFirst())), deps: src.deps)
      sequence = { env in
        // An unknown tensor still has its rows (the body may print in each).
        guard let t = env[name].tensor else { return Array(repeating: .unknown, count: s[0]) }
        return (0..<t.shape[0]).map { .tensor(t.index([.at($0)])) }
      }
    } else {
      inner.add(i, .int)
    }
    // `continue` skips one iteration, `break` ends the loop after the first.
    let guardKind = n > 1 && i.hasPrefix("i") ? rng.below(4) : 3
    let k = 1 + rng.below(max(n - 1, 1))
    guard let target = inner.lookup(v) else { return [decl] }
    let u = update(target, inner)
    sc.setDeps(v, u.deps.union(initial.deps))
    var lines = [header]
    if guardKind < 2 { lines.append("  if \(i) == \(k) { \(guardKind == 0 ? "continue" : "break") }") }
    lines.append("  " + u.text)
    lines.append("}")
    let loop = Stmt(lines: lines) { env in
      for item in sequence(env) {
        env[i] = item
        if guardKind < 2, case .int(let n) = item, n == k {
          if guardKind == 0 { continue } else { break }
        }
        env[v] = u.eval(env)
      }
    }
    return [decl, loop]
  }

  /// `var c = 0` and `while c < n { v = …; c += 1 }` over an existing or new variable.
  mutating func whileLoop(_ sc: inout Scope) -> [Stmt] {
    var out: [Stmt] = []
    if sc.assignable.isEmpty {
      let shape = rng.pick(Self.shapes)
      let initial = tensor(shape, sc.depth - 1, sc)
      let v = fresh("v")
      sc.add(v, .tensor(shape), mutable: true, deps: initial.deps)
      out.append(Stmt(lines: ["var \(v) = \(initial.text)"]) { env in env[v] = initial.eval(env) })
    }
    guard let target = sc.assignable.last else { return out }
    let c = fresh("c"), n = 1 + rng.below(3)
    var inner = sc
    inner.add(c, .int)
    let u = update(target, inner)
    sc.setDeps(target.name, u.deps)
    let name = target.name
    out.append(Stmt(lines: ["var \(c) = 0", "while \(c) < \(n) {", "  " + u.text, "  \(c) += 1", "}"]) { env in
      var k = 0
      while k < n {
        env[c] = .int(k)
        env[name] = u.eval(env)
        k += 1
      }
      env[c] = .int(k)
    })
    return out
  }

  /// `if cond { … } else { … }` updating a variable or printing.
  mutating func ifStmt(_ sc: inout Scope) -> Stmt {
    let cond = condition(sc.depth, sc)
    if let target = sc.assignable.last, rng.chance(0.7) {
      let a = update(target, sc), b = update(target, sc)
      let name = target.name
      return Stmt(lines: ["if \(cond.text) {", "  " + a.text, "} else {", "  " + b.text, "}"]) { env in
        switch cond.eval(env) {
        case .some(true): env[name] = a.eval(env)
        case .some(false): env[name] = b.eval(env)
        case .none:
          Self.undecided(env, [{ _ = a.eval($0) }, { _ = b.eval($0) }])
          env[name] = .unknown
        }
      }
    }
    let p = printStmt(sc), q = printStmt(sc)
    return Stmt(lines: ["if \(cond.text) {"] + p.lines.map { "  " + $0 } + ["} else {"] + q.lines.map { "  " + $0 } + ["}"]) { env in
      switch cond.eval(env) {
      case .some(true): p.exec(env)
      case .some(false): q.exec(env)
      case .none: Self.undecided(env, [p.exec, q.exec])
      }
    }
  }

  /// `let (p, q) = (a, b)` or `let (p, q) = f(…)` for a function returning a tuple.
  mutating func tupleStmt(_ sc: inout Scope) -> Stmt {
    let p = fresh("p"), q = fresh("q")
    if let t = tupleCall(sc), case .tuple(let types) = t.term.type, types.count == 2 {
      sc.add(p, types[0], deps: t.deps[0])
      sc.add(q, types[1], deps: t.deps[1])
      return Stmt(lines: ["let (\(p), \(q)) = \(t.term.text)"]) { env in
        if case .tuple(let xs) = t.term.eval(env), xs.count == 2 {
          env[p] = xs[0]
          env[q] = xs[1]
        } else {
          env[p] = .unknown
          env[q] = .unknown
        }
      }
    }
    let sa = rng.pick(Self.shapes), sb = rng.pick(Self.shapes)
    let a = tensor(sa, sc.depth, sc), b = tensor(sb, sc.depth, sc)
    sc.add(p, .tensor(sa), deps: a.deps)
    sc.add(q, .tensor(sb), deps: b.deps)
    return Stmt(lines: ["let (\(p), \(q)) = (\(a.text), \(b.text))"]) { env in
      env[p] = a.eval(env)
      env[q] = b.eval(env)
    }
  }
}
