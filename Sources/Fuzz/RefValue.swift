import Foundation
import Runtime

/// The static type of a generated value.
indirect enum GenType: Equatable {
  case tensor([Int])
  case int
  case float
  case tuple([GenType])
  /// A model instance (index into the generator's models).
  case model(Int)
  case optimizer(Int)
}

/// A value of the reference evaluation: known exactly (in Double), or `unknown` where the
/// reference cannot follow dpl (model parameters, bypass estimators).
enum RefValue {
  case tensor(RefTensor)
  case int(Int)
  case float(Double)
  case tuple([RefValue])
  /// Printed as is (string interpolation, a shape).
  case text(String)
  case unknown

  var tensor: RefTensor? {
    if case .tensor(let t) = self { return t }
    return nil
  }

  var isKnown: Bool {
    switch self {
    case .unknown: return false
    case .tuple(let xs): return xs.allSatisfy(\.isKnown)
    default: return true
    }
  }

  /// The value as dpl's `print` shows it (numbers in full Double precision).
  var printed: String {
    switch self {
    case .tensor(let t): return ValueText.tensor(t.shape, t.data.map { ValueText.float($0) })
    case .int(let n): return String(n)
    case .float(let f): return ValueText.float(f)
    case .tuple(let xs): return "(" + xs.map(\.printed).joined(separator: ", ") + ")"
    case .text(let s): return s
    case .unknown: return "?"
    }
  }
}

/// One line the program is expected to print: checked against the reference (`known`,
/// with the magnitude the tolerance scales with) or only compared across pass settings;
/// `lost` ends what the reference can tell (a branch it cannot decide prints more lines one
/// way than the other), so nothing from there on is compared with it.
enum ExpectedLine: Equatable {
  case known(String, scale: Double)
  /// Known to the character (IntTensor values, where a tolerance would hide Float32 rounding).
  case exact(String)
  case opaque
  case lost
}

/// Bookkeeping of one reference evaluation (a whole program, or one run of a gradient
/// block's body while finite differences are taken).
final class RefRun {
  /// Why the evaluation cannot stand for dpl's (a value out of range, a branch too close
  /// to its threshold); the generator then draws another statement.
  var rejected: String?
  /// The smallest distance of a kink argument (relu, abs, max, …) from its kink.
  var kinkMargin = Double.infinity
  /// Set when a value the reference cannot follow (a bypass estimator) reached a gradient.
  var opaqueGradient = false
  /// The largest magnitude met (the tolerance of gradients scales with it).
  var maxMagnitude = 0.0
  /// Values of `stop_gradient`, `eval` and straight-through nodes, per node, in the order
  /// they were met; recorded by the base run of a gradient block, replayed by its
  /// finite-difference runs (where those nodes are constants).
  var frozen: [Int: [RefValue]] = [:]
  var replaying = false
  var cursor: [Int: Int] = [:]
  /// Lines printed (nil while replaying: a block's prints happen once).
  var output: [ExpectedLine]?
  /// Gradients the reference computed by finite differences.
  var checkedGradients = 0

  init(output: [ExpectedLine]? = []) { self.output = output }

  static let limit = 1e3

  func reject(_ why: String) { if rejected == nil { rejected = why } }

  /// Rejects values that are not finite or too large for Float32 to agree closely.
  func check(_ t: RefTensor) {
    let m = t.maxAbs
    if !m.isFinite || m > RefRun.limit { reject("magnitude \(m)") }
    maxMagnitude = max(maxMagnitude, m)
  }

  /// A discontinuity (a branch, `round`) whose argument is `distance` from its threshold.
  func boundary(_ distance: Double) { if distance < 1e-3 { reject("too close to a threshold") } }

  func kink(_ distance: Double) { kinkMargin = min(kinkMargin, distance) }

  /// The frozen value of node `id` (replaying), or `compute()` recorded as it. A replay
  /// still runs `compute()`: the frozen nodes inside it (a `stop_gradient` in a function
  /// that `eval { … }` calls) must take their recorded values in the base run's order.
  func frozen(_ id: Int, _ compute: () -> RefValue) -> RefValue {
    if replaying {
      _ = compute()
      let k = cursor[id, default: 0]
      cursor[id] = k + 1
      if let list = frozen[id], k < list.count { return list[k] }
      return .unknown
    }
    let v = compute()
    frozen[id, default: []].append(v)
    return v
  }
}

/// Variables of a reference evaluation, with the run they belong to.
final class RefEnv {
  var vars: [String: RefValue]
  let run: RefRun

  init(vars: [String: RefValue] = [:], run: RefRun) {
    self.vars = vars
    self.run = run
  }

  subscript(name: String) -> RefValue {
    get { vars[name] ?? .unknown }
    set { vars[name] = newValue }
  }
}

/// A generated expression: its dpl text, its type, the names it reads, the gradient
/// inputs it depends on differentiably, and its meaning in Double (`eval`).
struct Term {
  var text: String
  var type: GenType
  var refs: Set<String>
  var deps: Set<String>
  var eval: (RefEnv) -> RefValue

  var shape: [Int] {
    if case .tensor(let s) = type { return s }
    return []
  }

  /// A tensor term computed from one tensor operand (unknown stays unknown).
  static func map(_ text: String, _ a: Term, shape: [Int]? = nil, deps: Bool = true,
                  _ f: @escaping (RefTensor, RefRun) -> RefTensor) -> Term {
    Term(text: text, type: .tensor(shape ?? a.shape), refs: a.refs, deps: deps ? a.deps : [], eval: { env in
      guard let x = a.eval(env).tensor else { return .unknown }
      let y = f(x, env.run)
      env.run.check(y)
      return .tensor(y)
    })
  }

  /// A tensor term computed from two operands.
  static func zip(_ text: String, _ a: Term, _ b: Term, shape: [Int],
                  _ f: @escaping (RefTensor, RefTensor, RefRun) -> RefTensor) -> Term {
    Term(text: text, type: .tensor(shape), refs: a.refs.union(b.refs), deps: a.deps.union(b.deps), eval: { env in
      let va = a.eval(env), vb = b.eval(env)
      guard let x = va.tensor, let y = vb.tensor else { return .unknown }
      let z = f(x, y, env.run)
      env.run.check(z)
      return .tensor(z)
    })
  }
}

/// A generated statement: its lines of dpl text and its effect on a reference evaluation.
struct Stmt {
  var lines: [String]
  var exec: (RefEnv) -> Void
}

/// SplitMix64: the fuzzer's seeded generator (runs are reproducible from the seed).
struct FuzzRandom {
  var state: UInt64
  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in 0..<n (0 when n ≤ 0).
  mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }

  /// True with probability `p`.
  mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) < p * 1_000_000 }

  mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
}
