import Foundation

/// A variable of a word function during generation.
struct WordVar {
  var name: String
  var type: WordType
  /// Assignments may target it (a loop's counter is a `var` that only its loop assigns).
  var mutable: Bool
}

/// What a word function's body may use at a point.
struct WordScope {
  var vars: [WordVar] = []
  var result: WordType
  /// `words[0..<callable]` may be called: the ones declared before (a function calls itself
  /// only where `recursiveWord` writes the call).
  var callable: Int
  var inLoop = false
  var nesting = 0

  init(result: WordType, callable: Int) {
    self.result = result
    self.callable = callable
  }

  func of(_ t: WordType) -> [WordVar] { vars.filter { $0.type == t } }
}

/// Word functions: Int, Float and Bool parameters and results, bodies of scalar arithmetic,
/// `let`/`var`, assignments, `if` (statement and expression), `while` with a counter, `for`
/// over Int ranges, `break`/`continue`, early `return`, calls of the words declared before
/// and bounded recursion — the code dpl runs in its scalar tier. `RefWordMachine` is their
/// reference; top-level calls print what it computes, and a few programs end in a call that
/// overflows or divides by zero two or three calls deep, at the place the reference names.
///
/// Everything here draws from the words' own random stream (`wordRng`): a program without
/// words is the one the generator made before they existed, and one with them differs only
/// where the words and their results go.
///
/// No Int is passed or returned where a Float is expected, and `if` expressions join equal
/// types: dpl keeps such an Int as an Int (`fn f(x: Float) -> Float { x / 4 }` gives `f(2)`
/// = 0), which the reference would flag in most programs.
extension ProgramGenerator {
  /// Runs `body` with `rng` drawing from the words' stream.
  mutating func onWordStream<T>(_ body: (inout ProgramGenerator) -> T) -> T {
    swap(&rng, &wordRng)
    defer { swap(&rng, &wordRng) }
    return body(&self)
  }

  /// In a quarter of the programs, declares 1–3 word functions, the first at line `first` of
  /// the program; their lines.
  mutating func declareWords(first: Int) -> [String] {
    onWordStream { g in g.rng.chance(0.25) ? g.wordFunctions(first: first) : [] }
  }

  mutating func wordFunctions(first: Int) -> [String] {
    var lines: [String] = []
    for _ in 0..<(1 + rng.below(3)) {
      var w = rng.chance(0.3) ? recursiveWord() : plainWord()
      w.line = first + lines.count
      w.render()
      lines += w.lines
      words.append(w)
    }
    return lines
  }

  static let wordTypes: [WordType] = [.int, .int, .float, .float, .bool]
  /// Mostly numbers: a predicate's few outcomes show little of what its loops did.
  static let resultTypes: [WordType] = [.int, .int, .int, .float, .float, .bool]

  /// Parameters `<name>a`, `<name>b`, … added to the scope.
  mutating func wordParams(_ name: String, count: Int, _ ws: inout WordScope) -> [(name: String, type: WordType)] {
    (0..<count).map { k in
      // The first parameter mostly an Int: loop bounds and calls' depths read one.
      let p = (name: name + ["a", "b", "c"][k], type: k == 0 && rng.chance(0.6) ? .int : rng.pick(Self.wordTypes))
      ws.vars.append(WordVar(name: p.name, type: p.type, mutable: false))
      return p
    }
  }

  /// A function of accumulators, loops, branches and calls.
  mutating func plainWord() -> WordFunction {
    let name = fresh("w")
    var ws = WordScope(result: rng.pick(Self.resultTypes), callable: words.count)
    let params = wordParams(name, count: 1 + rng.below(3), &ws)
    // Mostly an accumulator of the result's type, which the loops update and the value shows.
    var body: [WordStmt] = rng.chance(0.8) ? [accumulator(&ws, rng.chance(0.75) ? ws.result : nil)] : []
    body += wordBlock(rng.below(2), &ws)
    if rng.chance(0.85) { body += rng.chance(0.6) ? forLoop(&ws) : whileLoop(&ws) }
    body += wordBlock(rng.below(2), &ws)
    var value = wordExpr(ws.result, 2, ws)
    if let acc = resultAccumulator(ws), rng.chance(0.85) { value = joined(.name(acc), value, ws.result) }
    var f = WordFunction(name: name, params: params, result: ws.result, body: body, value: value)
    f.explicitReturn = rng.chance(0.3)
    return f
  }

  /// `fn w(wd: Int, …)` returning early when `wd` is small, else calling itself on smaller
  /// depths: `wd - 1` (and `wd - 2`, fib-like), or each of `0..<wd` in a loop (sum-like).
  mutating func recursiveWord() -> WordFunction {
    let name = fresh("w"), index = words.count
    var ws = WordScope(result: rng.pick(Self.resultTypes), callable: words.count)
    let depth = name + "d"
    ws.vars.append(WordVar(name: depth, type: .int, mutable: false))
    let params = [(name: depth, type: WordType.int)] + wordParams(name, count: rng.below(3), &ws)
    let stop = WordExpr.binary("<=", .name(depth), .literal(.int(rng.below(2))), site: nextNode())
    var body: [WordStmt] = [.branch(stop, [.ret(wordExpr(ws.result, 1, ws))], [])]
    var f = WordFunction(name: name, params: params, result: ws.result, body: [], value: .literal(.int(0)), recursive: true)
    if rng.chance(0.5) {
      var results: [String] = []
      for k in 1...(rng.chance(0.4) ? 2 : 1) {
        let r = fresh("r")
        let smaller = WordExpr.binary("-", .name(depth), .literal(.int(k)), site: nextNode())
        body.append(.bind(r, selfCall(f, index, smaller, ws), mutable: false))
        results.append(r)
      }
      body += wordBlock(rng.below(2), &ws)
      let parts = results.map { WordExpr.name($0) } + [wordExpr(ws.result, 1, ws)]
      f.value = parts.dropFirst().reduce(parts[0]) { joined($0, $1, ws.result) }
    } else {
      body.append(accumulator(&ws, ws.result))
      let acc = ws.vars[ws.vars.count - 1].name, i = fresh("k")
      var inner = ws
      inner.inLoop = true
      inner.nesting = 1
      inner.vars.append(WordVar(name: i, type: .int, mutable: false))
      let call = selfCall(f, index, .name(i), inner)
      let update = WordStmt.assign(acc, op: "=", joined(.name(acc), call, ws.result), site: nextNode())
      body.append(.range(i, .literal(.int(0)), .name(depth), [update] + wordBlock(rng.below(2), &inner)))
      f.value = joined(.name(acc), wordExpr(ws.result, 1, ws), ws.result)
    }
    f.body = body
    return f
  }

  /// A mutable variable of the result's type, if any.
  mutating func resultAccumulator(_ ws: WordScope) -> String? {
    let accumulated = ws.vars.filter { $0.mutable && $0.type == ws.result }
    return accumulated.isEmpty ? nil : rng.pick(accumulated).name
  }

  /// `a op b` for a result of type `t`: `+ - *` on numbers, `&& || !=` on Bools.
  mutating func joined(_ a: WordExpr, _ b: WordExpr, _ t: WordType) -> WordExpr {
    .binary(rng.pick(t == .bool ? ["&&", "||", "!="] : ["+", "-", "*"]), a, b, site: nextNode())
  }

  /// A call of the recursive function `f` (word `index`) at a smaller depth.
  mutating func selfCall(_ f: WordFunction, _ index: Int, _ depth: WordExpr, _ ws: WordScope) -> WordExpr {
    .call(index, f.name, [depth] + f.params.dropFirst().map { wordExpr($0.type, 1, ws) })
  }

  mutating func wordBlock(_ count: Int, _ ws: inout WordScope) -> [WordStmt] {
    (0..<count).flatMap { _ in wordStatement(&ws) }
  }

  /// One statement (or a `var` and the loop that updates it).
  mutating func wordStatement(_ ws: inout WordScope) -> [WordStmt] {
    let nest = ws.nesting < 2
    switch rng.below(12) {
    case 0, 1: return [binding(&ws)]
    case 2: return [accumulator(&ws)]
    case 3, 4: return [assignment(ws) ?? accumulator(&ws)]
    case 5 where nest: return [wordIf(&ws)]
    case 6 where nest, 7 where nest: return forLoop(&ws)
    case 8 where nest: return whileLoop(&ws)
    case 9 where ws.inLoop:
      return [.branch(wordExpr(.bool, wordDepth(), ws), [rng.chance(0.5) ? .breakLoop : .continueLoop], [])]
    case 10: return [.branch(wordExpr(.bool, wordDepth(), ws), [.ret(wordExpr(ws.result, wordDepth(), ws))], [])]
    default: return [assignment(ws) ?? binding(&ws)]
    }
  }

  /// `let u = e`.
  mutating func binding(_ ws: inout WordScope) -> WordStmt {
    let t = rng.pick(Self.wordTypes), name = fresh("u")
    let e = wordExpr(t, wordDepth(), ws)
    ws.vars.append(WordVar(name: name, type: t, mutable: false))
    return .bind(name, e, mutable: false)
  }

  /// `var s = e`: an Int or Float accumulator (sometimes a Bool flag), or one of `type`.
  mutating func accumulator(_ ws: inout WordScope, _ type: WordType? = nil) -> WordStmt {
    let t = type ?? rng.pick(Self.wordTypes)
    let name = fresh("s")
    let e = rng.chance(0.5) ? wordLiteral(t) : wordExpr(t, 1, ws)
    ws.vars.append(WordVar(name: name, type: t, mutable: true))
    return .bind(name, e, mutable: true)
  }

  /// `s = e` or `s op= e` on a mutable variable (`target`, when given): an Int one takes
  /// Ints, a Float one a Float (`=`) or either (`+= -= *= /=`), a Bool one a Bool.
  mutating func assignment(_ ws: WordScope, _ target: String? = nil) -> WordStmt? {
    let targets = ws.vars.filter { $0.mutable && (target == nil || $0.name == target) }
    guard let v = targets.isEmpty ? nil : rng.pick(targets) else { return nil }
    let site = nextNode()
    switch v.type {
    case .bool: return .assign(v.name, op: "=", wordExpr(.bool, wordDepth(), ws), site: site)
    case .int:
      let op = rng.pick(["=", "+", "+", "-", "*", "/"])
      return .assign(v.name, op: op, op == "/" ? divisor(.int, 1, ws) : wordExpr(.int, wordDepth(), ws), site: site)
    case .float:
      let op = rng.pick(["=", "+", "+", "-", "*", "/"])
      if op == "/" { return .assign(v.name, op: op, divisor(.float, 1, ws), site: site) }
      let t: WordType = op == "=" || rng.chance(0.6) ? .float : .int
      return .assign(v.name, op: op, wordExpr(t, wordDepth(), ws), site: site)
    }
  }

  /// `if c { … }`, sometimes with an `else`.
  mutating func wordIf(_ ws: inout WordScope) -> WordStmt {
    let cond = wordExpr(.bool, wordDepth(), ws)
    var a = ws, b = ws
    a.nesting += 1
    b.nesting += 1
    let yes = wordBlock(rng.chance(0.7) ? 1 : 2, &a)
    return .branch(cond, yes, rng.chance(0.4) ? wordBlock(1, &b) : [])
  }

  /// The body of a loop over `index`: an update of an outer variable and a statement or
  /// two, and sometimes a `break`, `continue` or `return` before the last of them, under a
  /// condition on the index (so it holds on some iterations only) or on the data.
  mutating func loopBody(_ inner: inout WordScope, index: String) -> [WordStmt] {
    inner.inLoop = true
    inner.nesting += 1
    let start = inner  // what a jump anywhere in the body may read
    var body: [WordStmt] = []
    if let acc = rng.chance(0.7) ? resultAccumulator(inner) : nil {
      body.append(accumulate(acc, inner.result, index: index, inner))
    } else if let a = assignment(inner) {
      body.append(a)
    }
    body += wordBlock(rng.below(2) + (body.isEmpty ? 1 : 0), &inner)
    if rng.chance(0.6) {
      let jump: WordStmt
      switch rng.below(3) {
      case 0: jump = .breakLoop
      case 1: jump = .continueLoop
      default: jump = .ret(wordExpr(start.result, 1, start))
      }
      let cond: WordExpr
      if rng.chance(0.6) {
        let k = WordExpr.literal(.int(rng.below(4)))
        let i: WordExpr = rng.chance(0.3) ? .binary("%", .name(index), .literal(.int(2)), site: nextNode()) : .name(index)
        cond = .binary(rng.pick(["==", ">", ">=", "!="]), i, k, site: nextNode())
      } else {
        cond = wordExpr(.bool, wordDepth(), start)
      }
      body.insert(.branch(cond, [jump], []), at: rng.below(body.count))
    }
    return body
  }

  /// `acc op= (index op e)`, or `acc = (acc || c)` for a Bool: what each iteration adds.
  mutating func accumulate(_ acc: String, _ t: WordType, index: String, _ ws: WordScope) -> WordStmt {
    if t == .bool {
      let c = WordExpr.binary(rng.pick(["==", ">", "<"]), .name(index), wordExpr(.int, 1, ws), site: nextNode())
      return .assign(acc, op: "=", .binary(rng.pick(["||", "&&", "!="]), .name(acc), c, site: nextNode()), site: nextNode())
    }
    let step = wordExpr(t == .float && rng.chance(0.7) ? .float : .int, 1, ws)
    let term = WordExpr.binary(rng.pick(["+", "-", "*"]), .name(index), step, site: nextNode())
    return .assign(acc, op: rng.pick(["+", "+", "-", "*"]), term, site: nextNode())
  }

  /// An Int bound of a loop: small, or a variable (whose size the reference's step limit
  /// keeps in check), or one reduced `% 7`.
  mutating func loopBound(_ ws: WordScope) -> WordExpr {
    let ints = ws.of(.int)
    guard let v = ints.isEmpty || rng.chance(0.5) ? nil : rng.pick(ints) else { return .literal(.int(1 + rng.below(6))) }
    return rng.chance(0.5) ? .name(v.name) : .binary("%", .name(v.name), .literal(.int(7)), site: nextNode())
  }

  /// `for k in lo..<hi { … }` (after a `var` for it to update, when there is none).
  mutating func forLoop(_ ws: inout WordScope) -> [WordStmt] {
    var out = ws.vars.contains(where: \.mutable) ? [] : [accumulator(&ws)]
    let i = fresh("k")
    let lo: WordExpr = rng.chance(0.7) ? .literal(.int(0)) : wordExpr(.int, 1, ws)
    let hi = loopBound(ws)
    var inner = ws
    inner.vars.append(WordVar(name: i, type: .int, mutable: false))
    out.append(.range(i, lo, hi, loopBody(&inner, index: i)))
    return out
  }

  /// `var n = 0` and `while n < bound [&& c] { n += 1; … }`: the counter goes up first, so a
  /// `continue` cannot skip it.
  mutating func whileLoop(_ ws: inout WordScope) -> [WordStmt] {
    var out = ws.vars.contains(where: \.mutable) ? [] : [accumulator(&ws)]
    let n = fresh("n"), bound = loopBound(ws)
    out.append(.bind(n, .literal(.int(0)), mutable: true))
    ws.vars.append(WordVar(name: n, type: .int, mutable: false))
    var cond = WordExpr.binary("<", .name(n), bound, site: nextNode())
    if rng.chance(0.4) { cond = .binary("&&", cond, wordExpr(.bool, 1, ws), site: nextNode()) }
    var inner = ws
    let step = WordStmt.assign(n, op: "+", .literal(.int(1)), site: nextNode())
    out.append(.loop(cond, [step] + loopBody(&inner, index: n)))
    return out
  }

  /// How deep a statement's expressions go: one operation or two, half the time each (a
  /// word's ops cost every pass setting more than a tensor statement's do).
  mutating func wordDepth() -> Int { 1 + rng.below(2) }

  /// An expression of type `t`.
  mutating func wordExpr(_ t: WordType, _ d: Int, _ ws: WordScope) -> WordExpr {
    if d <= 0 || rng.chance(0.2) { return wordLeaf(t, ws) }
    let e = d - 1
    switch (t, rng.below(10)) {
    case (.int, 0...2): return .binary(rng.pick(["+", "-", "*"]), wordExpr(.int, e, ws), wordExpr(.int, e, ws), site: nextNode())
    case (.int, 3...4): return .binary(rng.pick(["/", "%"]), wordExpr(.int, e, ws), divisor(.int, e, ws), site: nextNode())
    case (.float, 0...1): return .binary(rng.pick(["+", "-", "*"]), wordExpr(.float, e, ws), wordExpr(.float, e, ws), site: nextNode())
    case (.float, 2...3):
      // An Int with a Float gives a Float, on either side.
      var (a, b) = (wordExpr(.float, e, ws), wordExpr(.int, e, ws))
      if rng.chance(0.5) { swap(&a, &b) }
      return .binary(rng.pick(["+", "-", "*"]), a, b, site: nextNode())
    case (.float, 4):
      // An Int dividend needs a Float divisor (Int / Int truncates).
      let real = rng.chance(0.8)
      let a = wordExpr(real ? .float : .int, e, ws)
      return .binary(rng.chance(0.85) ? "/" : "%", a, divisor(.float, e, ws, int: real), site: nextNode())
    case (.int, 5), (.float, 5): return .negate(wordExpr(t, e, ws), site: nextNode())
    case (_, 6...7): return wordCall(t, e, ws) ?? wordLeaf(t, ws)
    case (_, 8): return .choose(wordExpr(.bool, e, ws), wordExpr(t, e, ws), wordExpr(t, e, ws))
    case (.bool, 0...2):
      let types: (WordType, WordType) = rng.pick([(.int, .int), (.int, .int), (.float, .float), (.int, .float), (.float, .int)])
      return .binary(rng.pick(["<", "<=", ">", ">=", "==", "!="]), wordExpr(types.0, e, ws), wordExpr(types.1, e, ws), site: nextNode())
    case (.bool, 3): return .not(wordExpr(.bool, e, ws))
    case (.bool, 4...5): return .binary(rng.pick(["&&", "||", "==", "!="]), wordExpr(.bool, e, ws), wordExpr(.bool, e, ws), site: nextNode())
    case (.bool, 9):
      // A division its left side guards: `&&` and `||` must not evaluate the right one.
      let d = wordExpr(.int, e, ws), guarded = rng.chance(0.5)
      let quotient = WordExpr.binary(rng.pick(["/", "%"]), wordExpr(.int, e, ws), d, site: nextNode())
      let test = WordExpr.binary(rng.pick(["<", ">", "=="]), quotient, wordLiteral(.int), site: nextNode())
      let zero = WordExpr.binary(guarded ? "!=" : "==", d, .literal(.int(0)), site: nextNode())
      return .binary(guarded ? "&&" : "||", zero, test, site: nextNode())
    default: return wordLeaf(t, ws)
    }
  }

  /// A variable of type `t`, or a literal.
  mutating func wordLeaf(_ t: WordType, _ ws: WordScope) -> WordExpr {
    let vars = ws.of(t)
    if !vars.isEmpty, rng.chance(0.75) { return .name(rng.pick(vars).name) }
    return wordLiteral(t)
  }

  /// A small Int, a dyadic Float or a Bool.
  mutating func wordLiteral(_ t: WordType) -> WordExpr {
    switch t {
    case .int: return .literal(.int(rng.below(13) - 3))
    case .float: return .literal(.float(rng.pick(Self.constants)))
    case .bool: return .literal(.bool(rng.chance(0.5)))
    }
  }

  /// What `/` and `%` divide by: mostly a nonzero literal (for a Float dividend, an Int
  /// one too when `int`), else any expression (the reference draws again when it is zero).
  mutating func divisor(_ t: WordType, _ d: Int, _ ws: WordScope, int: Bool = true) -> WordExpr {
    if rng.chance(0.3) { return wordExpr(t, d, ws) }
    if t == .int || (int && rng.chance(0.3)) { return .literal(.int(rng.pick([2, 3, 5, 7, -2, -3, 4]))) }
    return .literal(.float(rng.pick([2.0, 0.5, 4.0, -2.0, 1.5, 0.25])))
  }

  /// A call of an earlier word returning `t` (a recursive one at a small depth).
  mutating func wordCall(_ t: WordType, _ d: Int, _ ws: WordScope) -> WordExpr? {
    let fits = (0..<ws.callable).filter { words[$0].result == t }
    guard let k = fits.isEmpty ? nil : rng.pick(fits) else { return nil }
    let f = words[k]
    var args: [WordExpr] = []
    for (j, p) in f.params.enumerated() {
      if f.recursive, j == 0 {
        let ints = ws.of(.int)
        let small = ints.isEmpty || rng.chance(0.6) ? nil : rng.pick(ints)
        args.append(small.map { .binary("%", .name($0.name), .literal(.int(4)), site: nextNode()) } ?? .literal(.int(rng.below(5))))
      } else {
        args.append(wordExpr(p.type, d, ws))
      }
    }
    return .call(k, f.name, args)
  }
}

/// Top-level calls of the words, and programs that stop inside one.
extension ProgramGenerator {
  /// Half the time (always for the `last`), a top-level use of the words, if any; its lines.
  mutating func wordUse(_ sc: inout Scope, _ env: RefEnv, last: Bool = false) -> [String] {
    guard !words.isEmpty else { return [] }
    return onWordStream { g in last || g.rng.chance(0.5) ? g.wordStatement(&sc, env, last: last) : [] }
  }

  /// `print` of one or two calls (or of one interpolated into a string), or `let z = call`
  /// for later tensor expressions to scale by (never the last). Drawn again while the
  /// reference stops or cannot vouch for a call.
  mutating func wordStatement(_ sc: inout Scope, _ env: RefEnv, last: Bool) -> [String] {
    for _ in 0..<8 {
      var m = RefWordMachine(words: words)
      var calls: [(text: String, value: WordValue)] = []
      do {
        for _ in 0..<(rng.chance(0.3) ? 2 : 1) { calls.append(try topCall(&m, sc, env)) }
      } catch {
        continue
      }
      // A Float line is compared within a tolerance: no Int beside it, which is exact.
      if calls.count == 2, (calls[0].value.type == .float) != (calls[1].value.type == .float) { calls.removeLast() }
      let first = calls[0]
      if !last, calls.count == 1, rng.chance(0.25), let small = Self.smallNumber(first.value) {
        // Only small values: tensors scaled by large ones would be drawn again.
        let z = fresh("z")
        sc.add(z, first.value.type == .int ? .int : .float)
        env[z] = small
        return ["let \(z) = \(first.text)"]
      }
      var text = calls.map(\.value.printed).joined(separator: " ")
      var line = "print(\(calls.map(\.text).joined(separator: ", ")))"
      if calls.count == 1, rng.chance(0.15) {
        text = "w " + text
        line = "print(\"w \\(\(first.text))\")"
      }
      let floats = calls.compactMap { c -> Double? in if case .float(let f) = c.value { return Swift.abs(f) }; return nil }
      env.run.output?.append(floats.isEmpty ? .exact(text) : .known(text, scale: max(m.scale, floats.max() ?? 0)))
      return [line]
    }
    return []
  }

  /// An Int or Float of magnitude at most 16, as a reference value.
  static func smallNumber(_ v: WordValue) -> RefValue? {
    switch v {
    case .int(let n) where Swift.abs(n) <= 16: return .int(n)
    case .float(let f) where Swift.abs(f) <= 16: return .float(f)
    default: return nil
    }
  }

  /// A call of a word (returning `type`, when given) with top-level arguments: literals,
  /// the words' earlier results (`z…`) and `k0`, or (`nested`) calls; run in `m`.
  mutating func topCall(_ m: inout RefWordMachine, _ sc: Scope, _ env: RefEnv, returning type: WordType? = nil,
                        nested: Bool = true) throws -> (text: String, value: WordValue) {
    let fits = words.indices.filter { type == nil || words[$0].result == type }
    guard !fits.isEmpty else { throw RefWordMachine.Stop.reject("no word returns \(type?.name ?? "")") }
    let k = rng.pick(fits), f = words[k]
    var texts: [String] = [], values: [WordValue] = []
    for (j, p) in f.params.enumerated() {
      let a: (text: String, value: WordValue)
      if f.recursive, j == 0 {
        let n = rng.below(7)
        a = (String(n), .int(n))
      } else if nested, rng.chance(0.15), let c = try? topCall(&m, sc, env, returning: p.type, nested: false) {
        a = c
      } else if let v = knownArgument(p.type, sc, env), rng.chance(0.3) {
        a = v
      } else {
        let v: WordValue
        switch p.type {
        case .int: v = .int(rng.below(12) - 2)
        case .float: v = .float(rng.pick(Self.constants))
        case .bool: v = .bool(rng.chance(0.5))
        }
        a = (v.printed, v)
      }
      texts.append(a.text)
      values.append(a.value)
    }
    return ("\(f.name)(\(texts.joined(separator: ", ")))", try m.call(k, values))
  }

  /// A top-level name holding a value of `type` the reference knows exactly: the words'
  /// results bound by `wordUse` (`z…`) and `k0` (a `grad` block's Float loss is only close).
  mutating func knownArgument(_ type: WordType, _ sc: Scope, _ env: RefEnv) -> (text: String, value: WordValue)? {
    let known = sc.vars.filter { $0.name == "k0" || $0.name.hasPrefix("z") }.compactMap { v -> (String, WordValue)? in
      switch env[v.name] {
      case .int(let n) where type == .int: return (v.name, .int(n))
      case .float(let x) where type == .float: return (v.name, .float(x))
      default: return nil
      }
    }
    return known.isEmpty ? nil : rng.pick(known)
  }

  /// For 6% of the programs with words, the end of one that must stop two or three calls
  /// deep: `print(w(…))`, where `w` calls another word (which may call a third) that
  /// overflows an Int or divides by zero. The words go in the header from line `first`; the
  /// error names what the reference stopped at: the operation, its operands and its place.
  mutating func failingWords(first: Int) -> (header: [String], lines: [String], error: ExpectedError)? {
    guard !words.isEmpty else { return nil }
    return onWordStream { g in g.rng.chance(0.06) ? g.stoppingChain(first: first) : nil }
  }

  /// The words and the call of `failingWords`; nil when none of the draws stops.
  mutating func stoppingChain(first: Int) -> (header: [String], lines: [String], error: ExpectedError)? {
    let saved = words
    for _ in 0..<6 {
      words = saved
      var header: [String] = []
      for depth in 0..<(2 + rng.below(2)) {
        var w = depth == 0 ? hazardWord() : callerWord(words.count - 1)
        w.line = first + header.count
        w.render()
        header += w.lines
        words.append(w)
      }
      let top = words.count - 1
      let args = words[top].params.map { _ in rng.below(10) }
      var m = RefWordMachine(words: words)
      do {
        _ = try m.call(top, args.map { .int($0) })
      } catch RefWordMachine.Stop.fault(let message, let k, let site) {
        guard let at = words[k].sites[site] else { continue }
        // `DifferentialFuzzer` compiles every program as fuzz.dpl.
        let place = "fuzz.dpl:\(words[k].line + at.line):\(at.column)"
        let call = "print(\(words[top].name)(\(args.map(String.init).joined(separator: ", "))))"
        return (header, [call], ExpectedError(stage: .run, parts: ["\(place): error: \(message)"]))
      } catch {}
    }
    words = saved
    return nil
  }

  /// `fn w(wa: Int, wb: Int) -> Int` that stops for nearly any arguments: a product grown
  /// past Int64 in a loop, a division by zero where the loop's counter meets `wb % 3 + 2`,
  /// or a subtraction below Int.min.
  ///
  /// The chain's words hold no generated statements: an operation whose value is unused
  /// (`let u = a / b`) may be removed by `dce` before it stops the run, so every operation
  /// that can stop one here is one whose value the result needs.
  mutating func hazardWord() -> WordFunction {
    let name = fresh("w")
    let (a, b) = (name + "a", name + "b")
    var body: [WordStmt] = []
    let s = fresh("s"), i = fresh("k")
    let zero = WordExpr.literal(.int(0))
    switch rng.below(4) {
    case 0, 1:
      let big = WordExpr.literal(.int(rng.pick([1_000_003, 50_000_017, 2_147_483_647])))
      let times = WordExpr.literal(.int(rng.pick([1_009, 30_011, 99_991])))
      body.append(.bind(s, .binary("+", .name(a), big, site: nextNode()), mutable: true))
      let grown = WordExpr.binary("+", .binary("*", .name(s), times, site: nextNode()), .name(i), site: nextNode())
      let step: WordStmt = rng.chance(0.5) ? .assign(s, op: "*", times, site: nextNode()) : .assign(s, op: "=", grown, site: nextNode())
      body.append(.range(i, zero, .literal(.int(4 + rng.below(4))), [step]))
    case 2:
      // `wb % 3 + 2` is 0…4 for any `wb`; the loop's counter meets it.
      let at = WordExpr.binary("+", .binary("%", .name(b), .literal(.int(3)), site: nextNode()), .literal(.int(2)), site: nextNode())
      let gap = WordExpr.binary("-", .name(i), at, site: nextNode())
      let q = WordExpr.binary(rng.pick(["/", "%"]), rng.chance(0.5) ? .name(a) : .literal(.int(1_000)), gap, site: nextNode())
      body.append(.bind(s, zero, mutable: true))
      body.append(.range(i, zero, .literal(.int(5 + rng.below(3))), [.assign(s, op: "+", q, site: nextNode())]))
    default:
      let square = WordExpr.binary("+", .binary("*", .name(a), .name(a), site: nextNode()), .literal(.int(2)), site: nextNode())
      body.append(.bind(s, .binary("-", .literal(.int(-Int.max)), square, site: nextNode()), mutable: false))
    }
    let value = WordExpr.binary("%", .name(s), .literal(.int(1_000)), site: nextNode())
    return WordFunction(name: name, params: [(a, .int), (b, .int)], result: .int, body: body, value: value)
  }

  /// `fn w(wa: Int[, wb: Int]) -> Int` calling word `callee` once or in a loop, and
  /// returning what it gave combined with its own arithmetic.
  mutating func callerWord(_ callee: Int) -> WordFunction {
    let name = fresh("w"), f = words[callee]
    var ws = WordScope(result: .int, callable: 0)
    let params = (0..<(1 + rng.below(2))).map { k in (name: name + ["a", "b"][k], type: WordType.int) }
    ws.vars = params.map { WordVar(name: $0.name, type: .int, mutable: false) }
    let r = fresh("r")
    var body: [WordStmt]
    if rng.chance(0.5) {
      body = [.bind(r, .call(callee, f.name, f.params.map { _ in plainArgument(ws) }), mutable: false)]
    } else {
      let i = fresh("k")
      var inner = ws
      inner.vars.append(WordVar(name: i, type: .int, mutable: false))
      let call = WordExpr.call(callee, f.name, f.params.map { _ in plainArgument(inner) })
      body = [.bind(r, .literal(.int(0)), mutable: true),
              .range(i, .literal(.int(0)), .literal(.int(1 + rng.below(3))), [.assign(r, op: "+", call, site: nextNode())])]
    }
    ws.vars.append(WordVar(name: r, type: .int, mutable: false))
    return WordFunction(name: name, params: params, result: .int, body: body, value: joined(.name(r), wordExpr(.int, 1, ws), .int))
  }

  /// An argument that cannot stop the run: a variable, a literal, or their sum (an argument
  /// the callee ignores is dead once the call is inlined).
  mutating func plainArgument(_ ws: WordScope) -> WordExpr {
    let leaf = wordLeaf(.int, ws)
    return rng.chance(0.5) ? leaf : .binary(rng.pick(["+", "-"]), leaf, wordLeaf(.int, ws), site: nextNode())
  }
}
