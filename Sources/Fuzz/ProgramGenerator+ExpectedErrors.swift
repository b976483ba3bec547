import Foundation

/// An error a generated program must stop with: at compile time (nothing runs) or at run
/// time (after the lines the reference expects). Its first line must contain every one of
/// `parts` and, when `oneOf` is not empty, at least one of `oneOf`.
public struct ExpectedError: Sendable, Equatable {
  public enum Stage: Sendable { case compile, run }
  public var stage: Stage
  public var parts: [String]
  public var oneOf: [String] = []

  func matches(_ text: String) -> Bool {
    parts.allSatisfy { text.contains($0) } && (oneOf.isEmpty || oneOf.contains { text.contains($0) })
  }

  var description: String {
    "\(stage == .compile ? "a compile" : "a run-time") error with '" + parts.joined(separator: "', '") + "'"
      + (oneOf.isEmpty ? "" : " and one of '" + oneOf.joined(separator: "', '") + "'")
  }
}

/// Programs that must fail, and how: a model some of whose layers reach the loss only
/// through an index made by `argmin`/`argmax` (the activity analysis's error naming them,
/// or with the model held in an `Any`, the run's), and IntTensor arithmetic near 2^24 and
/// 2^31 (exact, computed in Int64; leaving Int32 is a located run-time error).
extension ProgramGenerator {
  /// The last statement of a program that must fail; its lines (header and body) and error.
  mutating func failingEnd(_ header: inout [String], _ sc: inout Scope) -> (lines: [String], error: ExpectedError?) {
    // An overflow the draws did not find (its fallback prints a value) ends with a model instead.
    if rng.chance(0.5) {
      let s = intArithmetic(&sc, overflow: true)
      if let error = pendingOverflow { return (s.lines, error) }
    }
    return blockedModel(&header)
  }

  /// `model Coded` with an encoder (and sometimes a layer before it) that reaches the loss
  /// only as `cb[argmin(enc(x), axis: 1)]`, beside layers that do reach it, trained one step.
  mutating func blockedModel(_ header: inout [String]) -> (lines: [String], error: ExpectedError?) {
    let (cin, cout, codes) = (rng.pick([2, 3]), rng.pick([2, 3]), rng.pick([3, 4]))
    let blocker = rng.pick(["argmin", "argmax"])
    let pre = rng.chance(0.4)
    var layers = ["  let enc = dense(\(cin), \(codes))", "  let cb = param([\(codes), \(cout)])"]
    var blocked = ["enc.weight"]
    var inside = "x"
    if pre {
      layers.insert("  let pre = dense(\(cin), \(cin))", at: rng.below(2))
      blocked.append("pre.weight")
      inside = "tanh(pre(x))"
    }
    var value = "cb[\(blocker)(enc(\(inside)), axis: 1)]"
    if rng.chance(0.5) {
      layers.append("  let dec = dense(\(cout), \(cout))")
      value = "dec(\(value))"
    }
    if rng.chance(0.5) {
      layers.append("  let skip = dense(\(cin), \(cout))")
      value = "(\(value) + skip(x))"
    }
    header += ["model Coded() {"] + layers + ["  fn forward(x: Tensor) -> Tensor { \(value) }", "}"]
    let any = rng.chance(0.35)
    if any { header += ["model Direct() {", "  let l = dense(\(cin), \(cout))", "  fn forward(x: Tensor) -> Tensor { l(x) }", "}"] }
    let net = fresh("coded"), opt = fresh("opt")
    let x = literal([2, cin]), y = literal([2, cout])
    let lines = [any ? "let \(net) = if 2 > 1 { Coded() } else { Direct() }" : "let \(net) = Coded()",
                 "let \(opt) = \(rng.pick(["adam", "sgd"]))(\(net), lr: 0.01)",
                 "print(\(opt).minimize { mse(\(net)(\(x.text)), \(y.text)) })"]
    let error: ExpectedError
    if any {
      // The run names one blocked parameter (the first it meets).
      error = ExpectedError(stage: .run, parts: ["was read in this step but gets no gradient", "the call of '\(blocker)'"],
                            oneOf: blocked.map { "parameter '\($0)'" })
    } else {
      let names = blocked.sorted().map { "parameter '\($0)'" }.joined(separator: ", ")
      error = ExpectedError(stage: .compile, parts: ["no gradient reaches \(names): every path to the loss of 'minimize' passes through '\(blocker)'"])
    }
    return (lines, error)
  }

  /// `print(a op b)` on IntTensors near 2^24 and 2^31: exact in Int64 in the reference. With
  /// `overflow`, the result leaves Int32 (the run's error names the first such element).
  mutating func intArithmetic(_ sc: inout Scope, overflow: Bool) -> Stmt {
    pendingOverflow = nil
    for _ in 0..<40 {
      let n = 1 + rng.below(3)
      let a = (0..<n).map { _ in edgeInt() }
      let op = rng.pick(["+", "-", "*", "/", "%", "neg", "sum", "maximum", ">", "scalar"])
      var b: [Int64] = (0..<n).map { _ in op == "*" ? rng.pick([2, -2, 3, 46341, -1, 1, 0]) : edgeInt() }
      if op == "/" || op == "%" { b = (0..<n).map { _ in rng.pick([2, 3, -2, -3, -1, 7]) } }
      let k = Int64(rng.pick([1, -1, 2, 3]))
      let at = "tensor(\(Self.ints(a)))", bt = "tensor(\(Self.ints(b)))"
      let text: String, name: String, values: [Int64], rendered: ([Int64]) -> String
      let list: ([Int64]) -> String = { Self.ints($0) }
      switch op {
      case "neg": (text, name, values, rendered) = ("(-\(at))", "neg", a.map { -$0 }, list)
      case "sum": (text, name, values, rendered) = ("sum(\(at))", "sum", [a.reduce(0, +)], { String($0[0]) })
      case "maximum": (text, name, values, rendered) = ("maximum(\(at), \(bt))", "maximum", zip(a, b).map { max($0, $1) }, list)
      case ">": (text, name, values, rendered) = ("(\(at) > \(bt))", ">", zip(a, b).map { $0 > $1 ? 1 : 0 },
                                                   { "[" + $0.map { $0 == 1 ? "1.0" : "0.0" }.joined(separator: ", ") + "]" })
      case "scalar": (text, name, values, rendered) = ("(\(at) + \(k))", "add", a.map { $0 + k }, list)
      default:
        let f: (Int64, Int64) -> Int64
        switch op {
        case "+": (name, f) = ("add", { $0 + $1 })
        case "-": (name, f) = ("sub", { $0 - $1 })
        case "*": (name, f) = ("mul", { $0 * $1 })
        case "/": (name, f) = ("div", { $0 / $1 })
        default: (name, f) = ("mod", { x, y in let r = x % y; return r != 0 && (r < 0) != (y < 0) ? r + y : r })
        }
        (text, values, rendered) = ("(\(at) \(op) \(bt))", zip(a, b).map(f), list)
      }
      let bad = values.firstIndex { Int32(exactly: $0) == nil }
      guard (bad != nil) == overflow else { continue }
      let line = "print(\(text))"
      if let bad {
        let detail: String
        switch op {
        case "neg": detail = "neg: -(\(a[bad])) = \(values[bad])"
        case "sum": detail = "sum: the sum \(values[0])"
        case "scalar": detail = "add: \(a[bad]) + \(k) = \(values[bad])"
        default: detail = "\(name): \(a[bad]) \(op) \(b[bad]) = \(values[bad])"
        }
        pendingOverflow = ExpectedError(stage: .run, parts: [detail + " is outside the Int32 range -2147483648...2147483647"])
        return Stmt(lines: [line]) { _ in }
      }
      let shown = rendered(values)
      return Stmt(lines: [line]) { env in env.run.output?.append(.exact(shown)) }
    }
    return Stmt(lines: ["print(tensor([16777217]) + 1)"]) { env in env.run.output?.append(.exact("[16777218]")) }
  }

  /// An Int near 2^24 or 2^31 (either sign), near 2^30, or small.
  mutating func edgeInt() -> Int64 {
    let d = Int64(rng.below(5) - 2)
    switch rng.below(5) {
    case 0: return (rng.chance(0.5) ? 1 : -1) * (16_777_216 + d)
    case 1: return 2_147_483_647 - Int64(rng.below(3))
    case 2: return -2_147_483_648 + Int64(rng.below(3))
    case 3: return 1_073_741_824 + d
    default: return d
    }
  }

  static func ints(_ xs: [Int64]) -> String { "[" + xs.map(String.init).joined(separator: ", ") + "]" }
}
