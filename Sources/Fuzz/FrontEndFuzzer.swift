import Foundation
import IR
import Language

/// A seeded fuzzer for the front end: mutates seed programs and generates random ones,
/// then runs each through lexer, parser, checker, lowering and the verified pass pipeline.
/// A verifier failure counts as a crash; an input taking over `slowSeconds` as a hang.
public struct Fuzzer {
  /// Results of a run.
  public struct Report: Sendable {
    public var inputs = 0
    public var parsedCleanly = 0
    public var checkedCleanly = 0
    public var lowered = 0
    public var failures: [String] = []
    public var slowest: Double = 0
    public var seconds: Double = 0
  }

  var rng: FuzzRandom
  let corpus: [String]
  public var slowSeconds = 2.0

  /// - Parameters:
  ///   - seed: the RNG seed (runs are reproducible).
  ///   - corpus: seed programs to mutate.
  public init(seed: UInt64, corpus: [String]) {
    self.rng = FuzzRandom(seed: seed)
    self.corpus = corpus.isEmpty ? ["let x = 1\nprint(x)\n"] : corpus
  }

  /// Runs `count` inputs (about half mutated seeds, half generated programs).
  public mutating func run(count: Int, progress: ((Report) -> Void)? = nil) -> Report {
    var report = Report()
    let start = Date()
    for i in 0..<count {
      let input = rng.next() % 2 == 0 ? mutate() : generate()
      let t0 = Date()
      let stage = Fuzzer.feed(input)
      let dt = Date().timeIntervalSince(t0)
      report.inputs += 1
      if stage >= 1 { report.parsedCleanly += 1 }
      if stage >= 2 { report.checkedCleanly += 1 }
      if stage >= 3 { report.lowered += 1 }
      if stage < 0 { report.failures.append("verifier failure on input #\(i):\n\(input)") }
      report.slowest = max(report.slowest, dt)
      if dt > slowSeconds { report.failures.append("slow input #\(i) (\(dt) s):\n\(input)") }
      if let progress, i % 50_000 == 0 { progress(report) }
    }
    report.seconds = Date().timeIntervalSince(start)
    return report
  }

  /// Compiles one input; returns the last stage reached (0 parse errors, 1 parsed,
  /// 2 checked, 3 lowered and optimised) or -1 when the IR verifier failed.
  public static func feed(_ source: String) -> Int {
    let c = Compilation(options: CompileOptions(searchPaths: [], readFile: { path in
      path.hasSuffix("helpers.dpl") ? "fn hard(x: Tensor) -> IntTensor { argmax(x, axis: 1) }\nfn twice(x: Tensor) -> Tensor { x * 2.0 }\n" : nil
    }))
    c.parse(source: source, path: "fuzz.dpl")
    if c.hasSyntaxErrors {
      // The language server checks what parsed of a file with syntax errors.
      _ = c.analyze()
      _ = c.renderDiagnostics()
      return 0
    }
    guard let m = c.checkAndLower() else { _ = c.renderDiagnostics(); return 1 }
    do {
      let out = try Pipeline.run(m, verify: true)
      _ = Printer.print(out)
      return 3
    } catch {
      return -1
    }
  }

  // MARK: Mutation

  static let fragments = [
    "(", ")", "[", "]", "{", "}", ",", ":", ";", "\n", ".", "..<", "@", "@bypass(ste) ", "@bypass(es, sigma: 1.0) ",
    "let ", "var ", "fn ", "model ", "if ", "else ", "for ", " in ", "while ", "return ", "break", "continue",
    "grad(x) { ", "opt.minimize { ", "eval { ", "\"", "\\(", "/*", "*/", "//", "0", "1.5", "-", "+", "*", "/", "%",
    "==", "<", ">=", "&&", "||", "!", "x", "net", "zeros([2, 3])", "tensor([1.0, 2.0])", "round(", "sum(", "relu(",
    "import helpers\n", "helpers.twice(", "config { n: Int = 3 }\n", "Tensor[B, 3]", ": Int", "-> Tensor", "_",
    "dp_contour(", "stop_gradient(", "surrogate(", "axis: ", "1e9", "99999999999999999999", "é", "\t", "((((((((((",
  ]

  mutating func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
  mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

  /// Up to 300 random bytes (read as UTF-8, invalid sequences replaced), sometimes behind
  /// a `:command` of the REPL.
  public mutating func rawBytes() -> String {
    let bytes = (0..<below(300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let prefix = below(4) == 0 ? pick([":type ", ":ir ", ":help ", ":grad ", ":shape "]) : ""
    return prefix + String(decoding: bytes, as: UTF8.self)
  }

  /// One input of a mixed run: a mutated seed program, a generated one, or raw bytes.
  public mutating func nextInput() -> String {
    switch below(5) {
    case 0, 1: return mutate()
    case 2, 3: return generate()
    default: return rawBytes()
    }
  }

  /// A seed program with a few random edits.
  public mutating func mutate() -> String {
    var bytes = Array(pick(corpus).utf8)
    for _ in 0..<(1 + below(4)) {
      let n = bytes.count
      switch below(8) {
      case 0 where n > 0:
        let a = below(n), len = min(n - a, 1 + below(20))
        bytes.removeSubrange(a..<(a + len))
      case 1 where n > 0:
        let a = below(n), len = min(n - a, 1 + below(40))
        bytes.insert(contentsOf: bytes[a..<(a + len)], at: below(n))
      case 2:
        bytes.insert(contentsOf: Array(pick(Fuzzer.fragments).utf8), at: below(n + 1))
      case 3 where n > 1:
        bytes.swapAt(below(n), below(n))
      case 4:
        bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: below(n + 1))
      case 5 where n > 0:
        bytes.removeSubrange(below(n)..<n)
      case 6:
        let other = Array(pick(corpus).utf8)
        if !other.isEmpty {
          let a = below(other.count), len = min(other.count - a, 1 + below(80))
          bytes.insert(contentsOf: other[a..<(a + len)], at: below(n + 1))
        }
      default:
        let depth = 1 + below(300)
        let open = String(repeating: pick(["(", "[", "-", "!", "{"]), count: depth)
        bytes.insert(contentsOf: Array(open.utf8), at: below(n + 1))
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  // MARK: Generation

  /// A random program from a small grammar (mostly well-formed, often ill-typed).
  public mutating func generate() -> String {
    var out = ""
    if below(4) == 0 { out += "import helpers\n" }
    if below(4) == 0 { out += "config { n: Int = \(below(10)) }\n" }
    for k in 0..<3 {
      let body = below(3) == 0 ? expr(2) : "relu(l(x))"
      out += "model M\(k)(c: Int) {\n  let l = dense(c, c)\n  fn forward(x: Tensor) -> Tensor { \(body) }\n}\n"
      out += "fn f\(k)(a: Tensor, b: Int = 1) -> Tensor { \(below(3) == 0 ? expr(2) : "a * 2.0 + sum(a)") }\n"
    }
    if below(3) > 0 {
      out += "let x = tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])\nlet t = zeros([2, 3])\nlet n = 3\nvar s = 0\n"
      out += "let net = M0(3)\nlet opt = adam(net, lr: 0.1)\nlet xs = [1, 2, 3]\n"
      if below(2) == 0 { out += "let g = grad(x) { sum(f0(x) * x) }\nlet l = opt.minimize { mse(net(x), t) }\n" }
    }
    for _ in 0..<(1 + below(12)) { out += stmt(3) + "\n" }
    return out
  }

  mutating func name() -> String { pick(["x", "y", "t", "n", "i", "s", "net", "opt", "xs", "g", "l"]) }

  mutating func stmt(_ d: Int) -> String {
    switch below(d <= 0 ? 3 : 12) {
    case 0: return "let \(name()) = \(expr(3))"
    case 1: return "var \(name()) = \(expr(3))"
    case 2: return "print(\(expr(2)), \"v \\(\(expr(1)))\")"
    case 3: return "\(name()) = \(expr(3))"
    case 4: return "for \(name()) in 0..<\(below(5)) { \(stmt(d - 1)) }"
    case 5: return "while \(expr(2)) { \(stmt(d - 1)); break }"
    case 6: return "if \(expr(2)) { \(stmt(d - 1)) } else { \(stmt(d - 1)) }"
    case 7: return "fn f\(below(3))(a: \(pick(["Int", "Float", "Tensor", "Tensor[B, 3]"])), b: Int = 1) -> \(pick(["Int", "Float", "Tensor"])) { \(expr(3)) }"
    case 8: return "let \(name()) = grad(\(name())) { \(expr(3)) }"
    case 9: return "let o\(below(3)) = opt.minimize { \(expr(3)) }"
    case 10: return "let net = M\(below(3))(\(below(4)))"
    default: return "let (\(name()), \(name())) = (\(expr(2)), \(expr(2)))"
    }
  }

  mutating func expr(_ d: Int) -> String {
    if d <= 0 {
      switch below(6) {
      case 0: return String(below(10))
      case 1: return "\(below(10)).5"
      case 2: return "\"s\""
      case 3: return pick(["true", "false"])
      default: return name()
      }
    }
    switch below(16) {
    case 0: return "\(expr(d - 1)) \(pick(["+", "-", "*", "/", "%", "@", "<", "==", "&&", "||"])) \(expr(d - 1))"
    case 1: return "\(pick(["-", "!"]))\(expr(d - 1))"
    case 2: return "zeros([\(below(4)), \(below(4))])"
    case 3: return "tensor([[\(below(3)).0, 1.0], [2.0, \(below(3)).0]])"
    case 4: return "\(pick(["sum", "mean", "relu", "exp", "round", "floor", "argmax", "item", "len", "float", "int"]))(\(expr(d - 1)))"
    case 5: return "\(pick(["sum", "mean", "softmax", "argmax"]))(\(expr(d - 1)), axis: \(below(3)))"
    case 6: return "\(expr(d - 1))[\(pick(["0", ":", "1:", "0, 1", ":, 0", "argmax(x)"]))]"
    case 7: return "\(expr(d - 1)).shape"
    case 8: return "if \(expr(d - 1)) { \(expr(d - 1)) } else { \(expr(d - 1)) }"
    case 9: return "@bypass(\(pick(["ste", "es", "perturbed", "blackbox", "net", "nope"]))\(pick(["", ", sigma: 1.0", ", samples: 2", ", wrt: g"]))) \(pick(["round", "dp_contour", "floor", "f0"]))(\(expr(d - 1)))"
    case 10: return "f\(below(3))(\(expr(d - 1))\(pick(["", ", b: 2", ", c: 3"])))"
    case 11: return "net(\(expr(d - 1)))"
    case 12: return "[\(expr(d - 1)), \(expr(d - 1))]"
    case 13: return "(\(expr(d - 1)), \(expr(d - 1)))"
    case 14: return "\(pick(["stop_gradient", "surrogate", "helpers.twice", "helpers.hard", "mse"]))(\(expr(d - 1)))"
    default: return "reshape(\(expr(d - 1)), [\(below(5)), -1])"
    }
  }
}
