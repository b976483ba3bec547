import Foundation
import Runtime

/// The type of a word function's parameters, result and every value in its body.
enum WordType: Equatable {
  case int
  case float
  case bool

  var name: String {
    switch self {
    case .int: return "Int"
    case .float: return "Float"
    case .bool: return "Bool"
    }
  }
}

/// A value of the word reference.
enum WordValue: Equatable {
  case int(Int)
  case float(Double)
  case bool(Bool)

  var type: WordType {
    switch self {
    case .int: return .int
    case .float: return .float
    case .bool: return .bool
    }
  }

  /// The value as dpl's `print` shows it.
  var printed: String {
    switch self {
    case .int(let n): return String(n)
    case .float(let f): return ValueText.float(f)
    case .bool(let b): return b ? "true" : "false"
    }
  }

  /// The value as a literal in dpl source (a negative number in parentheses).
  var source: String { printed.hasPrefix("-") ? "(\(printed))" : printed }
}

/// An expression of a word function. `site` numbers an operation that can stop a run (an
/// Int overflow, a division by zero), so the reference can say where dpl must stop.
indirect enum WordExpr {
  case literal(WordValue)
  case name(String)
  case negate(WordExpr, site: Int)
  case not(WordExpr)
  case binary(String, WordExpr, WordExpr, site: Int)
  /// A call of the word function at this index (of `ProgramGenerator.words`), by name.
  case call(Int, String, [WordExpr])
  /// `if c { a } else { b }` as an expression.
  case choose(WordExpr, WordExpr, WordExpr)
}

/// A statement of a word function.
indirect enum WordStmt {
  case bind(String, WordExpr, mutable: Bool)
  /// `name = e`, or the compound `name op= e` (`op` is `+`, `-`, `*` or `/`).
  case assign(String, op: String, WordExpr, site: Int)
  /// `if c { … } else { … }` (no `else` when the second block is empty).
  case branch(WordExpr, [WordStmt], [WordStmt])
  case loop(WordExpr, [WordStmt])
  /// `for name in lo..<hi { … }`.
  case range(String, WordExpr, WordExpr, [WordStmt])
  case breakLoop
  case continueLoop
  case ret(WordExpr)
}

/// A generated word function: Int, Float and Bool parameters and result, a body of scalar
/// statements, and its text with the place of each site in it.
struct WordFunction {
  var name: String
  var params: [(name: String, type: WordType)]
  var result: WordType
  var body: [WordStmt]
  var value: WordExpr
  /// Its first parameter is a depth that every call of itself decreases.
  var recursive = false
  /// The value is written `return e` rather than `e`.
  var explicitReturn = false
  /// The program line of its `fn` line (from 1).
  var line = 0
  var lines: [String] = []
  /// Each site's line (0 for the `fn` line) and column (bytes, from 1).
  var sites: [Int: (line: Int, column: Int)] = [:]

  /// Lays the function out as dpl source, noting where each site's operator is.
  mutating func render() {
    var p = WordPrinter()
    let list = params.map { "\($0.name): \($0.type.name)" }.joined(separator: ", ")
    p.line = "fn \(name)(\(list)) -> \(result.name) {"
    p.flush()
    p.block(body, 1)
    p.line = explicitReturn ? "  return " : "  "
    p.expr(value)
    p.flush()
    p.line = "}"
    p.flush()
    (lines, sites) = (p.lines, p.sites)
  }
}

/// Writes word functions as dpl text, one operation in parentheses at a time (so the text
/// means what the tree does), recording the column of each site as it goes.
struct WordPrinter {
  var lines: [String] = []
  var line = ""
  var sites: [Int: (line: Int, column: Int)] = [:]

  mutating func flush() {
    lines.append(line)
    line = ""
  }

  /// dpl reports an operation's error at its operator (a compound assignment: its target).
  mutating func mark(_ site: Int) { sites[site] = (lines.count, line.utf8.count + 1) }

  mutating func block(_ stmts: [WordStmt], _ indent: Int) {
    for s in stmts { stmt(s, indent) }
  }

  /// ` {`, the body one level in, and the closing `}` on a line of its own.
  mutating func braced(_ body: [WordStmt], _ indent: Int) {
    line += " {"
    flush()
    block(body, indent + 1)
    line = String(repeating: "  ", count: indent) + "}"
  }

  mutating func stmt(_ s: WordStmt, _ indent: Int) {
    let pad = String(repeating: "  ", count: indent)
    line = pad
    switch s {
    case .bind(let n, let e, let mutable):
      line += (mutable ? "var " : "let ") + n + " = "
      expr(e)
    case .assign(let n, let op, let e, let site):
      mark(site)
      line += n + (op == "=" ? " = " : " \(op)= ")
      expr(e)
    case .branch(let c, let a, let b):
      line += "if "
      expr(c)
      line += " {"
      flush()
      block(a, indent + 1)
      if !b.isEmpty {
        line = pad + "} else {"
        flush()
        block(b, indent + 1)
      }
      line = pad + "}"
    case .loop(let c, let body):
      line += "while "
      expr(c)
      braced(body, indent)
    case .range(let i, let lo, let hi, let body):
      line += "for \(i) in "
      expr(lo)
      line += "..<"
      expr(hi)
      braced(body, indent)
    case .breakLoop: line += "break"
    case .continueLoop: line += "continue"
    case .ret(let e):
      line += "return "
      expr(e)
    }
    flush()
  }

  mutating func expr(_ e: WordExpr) {
    switch e {
    case .literal(let v): line += v.source
    case .name(let n): line += n
    case .negate(let a, let site):
      line += "("
      mark(site)
      line += "-"
      expr(a)
      line += ")"
    case .not(let a):
      line += "(!"
      expr(a)
      line += ")"
    case .binary(let op, let a, let b, let site):
      line += "("
      expr(a)
      line += " "
      mark(site)
      line += op + " "
      expr(b)
      line += ")"
    case .call(_, let name, let args):
      line += name + "("
      for (k, a) in args.enumerated() {
        if k > 0 { line += ", " }
        expr(a)
      }
      line += ")"
    case .choose(let c, let a, let b):
      line += "(if "
      expr(c)
      line += " { "
      expr(a)
      line += " } else { "
      expr(b)
      line += " })"
    }
  }
}

/// Runs word functions as docs/language.md and docs/runtime.md say dpl does, written apart
/// from dpl's own `ScalarArithmetic`: Int arithmetic is exact or stops the run at the
/// operator ("integer overflow: a * b is outside the 64-bit Int range", "integer division by
/// zero"), `Int / Int` truncates toward zero and `%` takes the dividend's sign (as Swift's),
/// an Int with a Float computes in Float (Double), comparisons mix them the same way, and
/// `&&`, `||` and `if` evaluate only what they need.
struct RefWordMachine {
  let words: [WordFunction]
  var steps = 0
  var depth = 0
  /// The largest magnitude of a Float met (the printed line's tolerance scales with it).
  var scale = 0.0

  /// Steps of one top-level call: enough for loops and recursion, few enough that a debug
  /// build runs thousands of programs quickly.
  static let stepLimit = 3_000
  static let depthLimit = 40
  /// Floats beyond this are not compared (their text gets long, and little is learnt).
  static let floatLimit = 1e12

  enum Stop: Error {
    /// dpl must stop the run here: the message, in word `word` at `site`.
    case fault(String, word: Int, site: Int)
    /// The reference cannot vouch for the run (a non-finite Float, too many steps).
    case reject(String)
  }

  /// How a statement ends.
  enum Flow {
    case next
    case broke
    case continued
    case returned(WordValue)
  }

  init(words: [WordFunction]) { self.words = words }

  mutating func call(_ k: Int, _ args: [WordValue]) throws -> WordValue {
    depth += 1
    defer { depth -= 1 }
    guard depth <= Self.depthLimit else { throw Stop.reject("recursion too deep") }
    let f = words[k]
    var vars: [String: WordValue] = [:]
    for (p, v) in zip(f.params, args) { vars[p.name] = v }
    if case .returned(let v) = try run(f.body, &vars, k) { return v }
    return try eval(f.value, vars, k)
  }

  mutating func tick() throws {
    steps += 1
    if steps > Self.stepLimit { throw Stop.reject("too many steps") }
  }

  mutating func run(_ stmts: [WordStmt], _ vars: inout [String: WordValue], _ k: Int) throws -> Flow {
    for s in stmts {
      try tick()
      switch s {
      case .bind(let n, let e, _):
        vars[n] = try eval(e, vars, k)
      case .assign(let n, let op, let e, let site):
        let v = try eval(e, vars, k)
        guard let old = vars[n] else { throw Stop.reject("unbound \(n)") }
        vars[n] = op == "=" ? v : try apply(op, old, v, site, k)
      case .branch(let c, let a, let b):
        let flow = try run(try truth(c, vars, k) ? a : b, &vars, k)
        if case .next = flow { continue }
        return flow
      case .loop(let c, let body):
        loop: while try truth(c, vars, k) {
          try tick()
          switch try run(body, &vars, k) {
          case .broke: break loop
          case .returned(let v): return .returned(v)
          case .next, .continued: continue
          }
        }
      case .range(let i, let lo, let hi, let body):
        guard case .int(let a) = try eval(lo, vars, k), case .int(let b) = try eval(hi, vars, k) else {
          throw Stop.reject("a range of non-Ints")
        }
        var j = a
        loop: while j < b {
          try tick()
          vars[i] = .int(j)
          switch try run(body, &vars, k) {
          case .broke: break loop
          case .returned(let v): return .returned(v)
          case .next, .continued: j += 1
          }
        }
      case .breakLoop: return .broke
      case .continueLoop: return .continued
      case .ret(let e): return .returned(try eval(e, vars, k))
      }
    }
    return .next
  }

  mutating func truth(_ e: WordExpr, _ vars: [String: WordValue], _ k: Int) throws -> Bool {
    guard case .bool(let b) = try eval(e, vars, k) else { throw Stop.reject("a condition that is not a Bool") }
    return b
  }

  mutating func eval(_ e: WordExpr, _ vars: [String: WordValue], _ k: Int) throws -> WordValue {
    try tick()
    switch e {
    case .literal(let v): return v
    case .name(let n):
      guard let v = vars[n] else { throw Stop.reject("unbound \(n)") }
      return v
    case .negate(let a, let site):
      switch try eval(a, vars, k) {
      case .int(let x):
        guard x != .min else { throw Stop.fault(Self.overflow("-(\(x))"), word: k, site: site) }
        return .int(-x)
      case .float(let x): return .float(-x)
      case .bool: throw Stop.reject("negating a Bool")
      }
    case .not(let a): return .bool(!(try truth(a, vars, k)))
    case .binary(let op, let a, let b, let site):
      if op == "&&" || op == "||" {
        let x = try truth(a, vars, k)
        if x == (op == "||") { return .bool(x) }
        return .bool(try truth(b, vars, k))
      }
      let x = try eval(a, vars, k)
      return try apply(op, x, try eval(b, vars, k), site, k)
    case .call(let j, _, let args):
      var values: [WordValue] = []
      for a in args { values.append(try eval(a, vars, k)) }
      return try call(j, values)
    case .choose(let c, let a, let b):
      return try eval(try truth(c, vars, k) ? a : b, vars, k)
    }
  }

  static func overflow(_ what: String) -> String { "integer overflow: \(what) is outside the 64-bit Int range" }

  /// `x op y`, for a binary operator or a compound assignment's.
  mutating func apply(_ op: String, _ x: WordValue, _ y: WordValue, _ site: Int, _ k: Int) throws -> WordValue {
    switch (x, y) {
    case (.int(let a), .int(let b)):
      if let c = Self.compare(op, a, b) { return .bool(c) }
      let (r, over): (Int, Bool)
      switch op {
      case "+": (r, over) = a.addingReportingOverflow(b)
      case "-": (r, over) = a.subtractingReportingOverflow(b)
      case "*": (r, over) = a.multipliedReportingOverflow(by: b)
      case "/", "%":
        guard b != 0 else { throw Stop.fault("integer division by zero", word: k, site: site) }
        (r, over) = op == "/" ? a.dividedReportingOverflow(by: b) : a.remainderReportingOverflow(dividingBy: b)
      default: throw Stop.reject("Int \(op)")
      }
      if over { throw Stop.fault(Self.overflow("\(a) \(op) \(b)"), word: k, site: site) }
      return .int(r)
    case (.bool(let a), .bool(let b)):
      switch op {
      case "==": return .bool(a == b)
      case "!=": return .bool(a != b)
      default: throw Stop.reject("Bool \(op)")
      }
    default:
      guard let a = Self.real(x), let b = Self.real(y) else { throw Stop.reject("\(op) of a Bool and a number") }
      if let c = Self.compare(op, a, b) { return .bool(c) }
      let r: Double
      switch op {
      case "+": r = a + b
      case "-": r = a - b
      case "*": r = a * b
      case "/": r = a / b
      case "%": r = a.truncatingRemainder(dividingBy: b)
      default: throw Stop.reject("Float \(op)")
      }
      guard r.isFinite, Swift.abs(r) <= Self.floatLimit else { throw Stop.reject("Float \(r)") }
      scale = max(scale, Swift.abs(a), Swift.abs(b), Swift.abs(r))
      return .float(r)
    }
  }

  /// A number as a Float: an Int meeting a Float is converted to the nearest Double.
  static func real(_ v: WordValue) -> Double? {
    switch v {
    case .int(let n): return Double(n)
    case .float(let f): return f
    case .bool: return nil
    }
  }

  static func compare<T: Comparable>(_ op: String, _ a: T, _ b: T) -> Bool? {
    switch op {
    case "==": return a == b
    case "!=": return a != b
    case "<": return a < b
    case "<=": return a <= b
    case ">": return a > b
    case ">=": return a >= b
    default: return nil
    }
  }
}
