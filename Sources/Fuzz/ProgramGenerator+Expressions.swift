import Foundation
import Runtime

/// Tensor expressions: each production writes its dpl text and its Double meaning side by
/// side, with the shape rule that makes the result well-typed.
extension ProgramGenerator {
  /// The shapes generated values take (small, so thousands of programs run quickly).
  static let shapes: [[Int]] = [[], [2], [3], [2, 2], [2, 3], [3, 2]]

  /// Scalars multiplied or added in: dyadic, so dpl's Float32 and the reference agree.
  static let constants: [Double] = [0.5, 0.25, 1.5, 2.0, 0.75, 3.0, -0.5, 1.25, -1.5, 0.125]

  static func fmt(_ c: Double) -> String { ValueText.float(c) }

  /// A literal tensor of `shape` with dyadic entries in [-2, 2].
  mutating func literal(_ shape: [Int]) -> Term {
    let n = shape.reduce(1, *)
    let data = (0..<n).map { _ in Double(rng.below(33) - 16) / 8 }
    let t = RefTensor(shape: shape, data: data)
    if shape.isEmpty { return Term(text: "sum(tensor([\(Self.fmt(data[0]))]))", type: .tensor([]), refs: [], deps: [], eval: { _ in .tensor(t) }) }
    let text = "tensor(" + ValueText.tensor(shape, data.map(Self.fmt)) + ")"
    return Term(text: text, type: .tensor(shape), refs: [], deps: [], eval: { _ in .tensor(t) })
  }

  /// A variable of the scope holding a tensor of exactly `shape`, preferring gradient inputs.
  mutating func variable(_ shape: [Int], _ sc: Scope) -> Term? {
    let fits = sc.vars.filter { $0.type == .tensor(shape) }
    guard !fits.isEmpty else { return nil }
    let inputs = fits.filter { sc.gradInputs.contains($0.name) }
    let v = !inputs.isEmpty && rng.chance(0.6) ? rng.pick(inputs) : rng.pick(fits)
    let name = v.name
    return Term(text: name, type: v.type, refs: [name], deps: v.deps, eval: { env in env[name] })
  }

  /// A leaf: a variable, a repeated earlier expression, or a literal.
  mutating func leaf(_ shape: [Int], _ sc: Scope) -> Term {
    if rng.chance(0.25), let t = pooled(shape, sc) { return t }
    if rng.chance(0.85), let v = variable(shape, sc) { return v }
    if shape.isEmpty, rng.chance(0.7) { return reduction(to: [], 0, sc) }
    return literal(shape)
  }

  /// An expression computed earlier in scope, repeated verbatim (the pattern that made
  /// CSE reuse a value computed outside a gradient block).
  mutating func pooled(_ shape: [Int], _ sc: Scope) -> Term? {
    let names = Set(sc.vars.map(\.name))
    let fits = pool.filter { $0.type == .tensor(shape) && $0.refs.isSubset(of: names) }
    guard var t = fits.isEmpty ? nil : rng.pick(fits) else { return nil }
    // Checked after the pick, so the programs without such a repeat stay as they were.
    if sc.noBypass, mayBypass(t.text) { return nil }
    t.deps = []  // an underestimate is safe: the loss then gets a term that uses each input
    return t
  }

  /// A tensor expression of `shape`.
  mutating func tensor(_ shape: [Int], _ depth: Int, _ sc: Scope) -> Term {
    if depth <= 0 || rng.chance(0.15) { return leaf(shape, sc) }
    let d = depth - 1
    switch rng.below(22) {
    case 0, 1, 2: return smooth(tensor(shape, d, sc))
    case 3: return kinked(tensor(shape, d, sc))
    case 4: return guarded(shape, d, sc)
    case 5, 6, 7: return binary(shape, d, sc)
    case 8: return scaled(tensor(shape, d, sc), sc)
    case 19 where sc.inFunction: return scaled(tensor(shape, d, sc), sc)
    case 9: return reduction(to: shape, d, sc)
    case 10: return matmul(to: shape, d, sc) ?? binary(shape, d, sc)
    case 11: return reshaped(to: shape, d, sc) ?? smooth(tensor(shape, d, sc))
    case 12: return sliced(to: shape, d, sc) ?? binary(shape, d, sc)
    case 13: return stacked(to: shape, d, sc) ?? scaled(tensor(shape, d, sc), sc)
    case 14: return axisWise(tensor(shape, d, sc))
    case 15, 20, 21: return call(shape, d, sc) ?? binary(shape, d, sc)
    case 16: return conditional(shape, d, sc)
    case 17: return frozen(shape, d, sc)
    case 18 where !sc.noBypass: return bypass(shape, d, sc) ?? smooth(tensor(shape, d, sc))
    default: return modelCall(shape, d, sc) ?? binary(shape, d, sc)
    }
  }

  /// tanh, sigmoid, sin, cos, square, exp of a bounded value, negation.
  mutating func smooth(_ a: Term) -> Term {
    switch rng.below(7) {
    case 0: return .map("tanh(\(a.text))", a) { x, _ in x.map(Foundation.tanh) }
    case 1: return .map("sigmoid(\(a.text))", a) { x, _ in x.map { 1 / (1 + Foundation.exp(-$0)) } }
    case 2: return .map("sin(\(a.text))", a) { x, _ in x.map(Foundation.sin) }
    case 3: return .map("cos(\(a.text))", a) { x, _ in x.map(Foundation.cos) }
    case 4: return .map("square(\(a.text))", a) { x, _ in x.map { $0 * $0 } }
    case 5: return .map("exp(tanh(\(a.text)))", a) { x, _ in x.map { Foundation.exp(Foundation.tanh($0)) } }
    default: return .map("(-\(a.text))", a) { x, _ in x.map { -$0 } }
    }
  }

  /// relu, abs, leaky_relu, clip: continuous, with kinks the reference keeps away from.
  mutating func kinked(_ a: Term) -> Term {
    switch rng.below(4) {
    case 0: return .map("relu(\(a.text))", a) { x, r in r.kink(x.maxAbsMin); return x.map { max($0, 0) } }
    case 1: return .map("abs(\(a.text))", a) { x, r in r.kink(x.maxAbsMin); return x.map(Swift.abs) }
    case 2: return .map("leaky_relu(\(a.text), slope: 0.1)", a) { x, r in r.kink(x.maxAbsMin); return x.map { $0 > 0 ? $0 : 0.1 * $0 } }
    default:
      return .map("clip(\(a.text), -1.0, 1.0)", a) { x, r in
        r.kink(x.data.map { Swift.abs(Swift.abs($0) - 1) }.min() ?? .infinity)
        return x.map { min(max($0, -1), 1) }
      }
    }
  }

  /// log, sqrt, pow and division, on arguments kept away from their poles: guarded forms
  /// safe for any value, or bare ones the reference rejects when too close.
  mutating func guarded(_ shape: [Int], _ d: Int, _ sc: Scope) -> Term {
    let a = tensor(shape, d, sc)
    switch rng.below(7) {
    case 0: return .map("log((square(\(a.text)) + 0.5))", a) { x, _ in x.map { Foundation.log($0 * $0 + 0.5) } }
    case 1: return .map("sqrt((square(\(a.text)) + 0.25))", a) { x, _ in x.map { ($0 * $0 + 0.25).squareRoot() } }
    case 2: return .map("pow((square(\(a.text)) + 0.5), 1.5)", a) { x, _ in x.map { Foundation.pow($0 * $0 + 0.5, 1.5) } }
    case 3:
      return .map("log(sigmoid(\(a.text)))", a) { x, r in
        // Float32's sigmoid underflows to 0 far below zero (its log is then -Inf).
        if (x.data.min() ?? 0) < -20 { r.reject("log of a sigmoid that underflows") }
        return x.map { -Foundation.log(1 + Foundation.exp(-$0)) }
      }
    case 4:
      let b = tensor(partner(shape), d, sc)
      return .zip("(\(a.text) / (square(\(b.text)) + 1.0))", a, b, shape: shape) { x, y, _ in RefTensor.zip(x, y) { $0 / ($1 * $1 + 1) } }
    case 5:
      return Term(text: "log(\(a.text))", type: a.type, refs: a.refs, deps: a.deps) { env in
        guard let x = a.eval(env).tensor else { env.run.reject("log of an unknown value"); return .unknown }
        if (x.data.min() ?? 1) < 0.1 { env.run.reject("log of a small value") }
        let y = x.map { Foundation.log(max($0, 1e-300)) }
        env.run.check(y)
        return .tensor(y)
      }
    default:
      let b = tensor(partner(shape), d, sc)
      return Term(text: "(\(a.text) / \(b.text))", type: .tensor(shape), refs: a.refs.union(b.refs), deps: a.deps.union(b.deps)) { env in
        let va = a.eval(env), vb = b.eval(env)
        guard let y = vb.tensor else { env.run.reject("division by an unknown value"); return .unknown }
        if y.data.contains(where: { Swift.abs($0) < 0.25 }) { env.run.reject("division by a small value") }
        guard let x = va.tensor else { return .unknown }
        let z = RefTensor.zip(x, y, /)
        env.run.check(z)
        return .tensor(z)
      }
    }
  }

  /// A shape that broadcasts against `shape` to give `shape`.
  mutating func partner(_ shape: [Int]) -> [Int] {
    var options: [[Int]] = [shape, shape, []]
    if shape.count == 2 { options.append([shape[1]]) }
    return rng.pick(options)
  }

  /// `a + b`, `a - b`, `a * b` with broadcasting (either side may be the smaller one), or
  /// against a `keepdims` reduction.
  mutating func binary(_ shape: [Int], _ d: Int, _ sc: Scope) -> Term {
    var a = tensor(shape, d, sc)
    var b: Term
    if shape.count == 2, rng.chance(0.15) {
      let inner = tensor(shape, d, sc)
      let f = rng.pick(["sum", "mean"])
      b = .map("\(f)(\(inner.text), axis: 1, keepdims: true)", inner, shape: [shape[0], 1]) { x, _ in
        x.reduce(axis: 1, keepdims: true) { xs in f == "sum" ? xs.reduce(0, +) : xs.reduce(0, +) / Double(xs.count) }
      }
    } else {
      b = tensor(partner(shape), d, sc)
    }
    if rng.chance(0.5) { swap(&a, &b) }
    let op = rng.pick(["+", "-", "*"])
    return .zip("(\(a.text) \(op) \(b.text))", a, b, shape: shape) { x, y, _ in
      RefTensor.zip(x, y) { op == "+" ? $0 + $1 : op == "-" ? $0 - $1 : $0 * $1 }
    }
  }

  /// A tensor times, plus or minus a constant, an Int loop variable or a Float parameter.
  mutating func scaled(_ a: Term, _ sc: Scope) -> Term {
    let op = rng.pick(["*", "+", "-"])
    let k = scalar(sc)
    let swapped = op == "-" && rng.chance(0.3)
    var t = Term.map(swapped ? "(\(k.text) - \(a.text))" : "(\(a.text) \(op) \(k.text))", a) { x, _ in x }
    t.refs.formUnion(k.refs)
    t.eval = { env in
      let va = a.eval(env)
      guard let x = va.tensor, let v = k.eval(env) else { return .unknown }
      let y = swapped ? x.map { v - $0 } : x.map { op == "*" ? $0 * v : op == "+" ? $0 + v : $0 - v }
      env.run.check(y)
      return .tensor(y)
    }
    return t
  }

  /// A number: a constant, an Int loop variable or Float parameter, or arithmetic on them
  /// (`(s * 2.0)`, `(-s)`: constants the fold pass meets once a call is inlined).
  mutating func scalar(_ sc: Scope) -> (text: String, refs: Set<String>, eval: (RefEnv) -> Double?) {
    let vars = sc.vars.filter { $0.type == .int || $0.type == .float }
    let c = rng.pick(Self.constants)
    guard !vars.isEmpty, rng.chance(0.6) else { return (Self.fmt(c), [], { _ in c }) }
    let s = rng.pick(vars).name
    let read: (RefEnv) -> Double? = { env in
      switch env[s] {
      case .int(let n): return Double(n)
      case .float(let f): return f
      default: return nil
      }
    }
    switch rng.below(4) {
    case 0: return ("(\(s) * \(Self.fmt(c)))", [s], { env in read(env).map { $0 * c } })
    case 1: return ("(-\(s))", [s], { env in read(env).map { -$0 } })
    case 2: return ("(\(s) + \(Self.fmt(c)))", [s], { env in read(env).map { $0 + c } })
    default: return (s, [s], read)
    }
  }

  /// sum/mean/max/min of a larger tensor (over an axis, or all of it for a 0-d result),
  /// `mse`, or a dot product.
  mutating func reduction(to shape: [Int], _ d: Int, _ sc: Scope) -> Term {
    var sources: [([Int], Int?)] = []
    switch shape {
    case []: sources = [[2], [3], [2, 2], [2, 3], [3, 2]].map { ($0, nil) }
    case [2]: sources = [([2, 3], 1), ([3, 2], 0), ([2, 2], 0), ([2, 2], -1)]
    case [3]: sources = [([2, 3], 0), ([3, 2], 1), ([3, 2], -1)]
    default: break
    }
    guard !sources.isEmpty else { return binary(shape, d, sc) }
    let (src, axis) = rng.pick(sources)
    if shape.isEmpty, rng.chance(0.15) {
      // cross_entropy / nll of class scores [2, k] against Int class literals.
      let k = rng.pick([2, 3])
      let targets = [rng.below(k), rng.below(k)]
      let a = tensor([2, k], d, sc)
      let target = "tensor([\(targets[0]), \(targets[1])])"
      let viaNLL = rng.chance(0.5)
      let text = viaNLL ? "nll(log_softmax(\(a.text), axis: -1), \(target))" : "cross_entropy(\(a.text), \(target))"
      return .map(text, a, shape: []) { x, _ in
        var total = 0.0
        for (row, t) in zip(0..<2, targets) {
          let xs = Array(x.data[(row * k)..<(row * k + k)])
          total -= Foundation.log(RefTensor.softmax(xs)[t])
        }
        return RefTensor(scalar: total / 2)
      }
    }
    if shape.isEmpty, rng.chance(0.2) {
      let a = tensor(src, d, sc), b = tensor(src, d, sc)
      return .zip("mse(\(a.text), \(b.text))", a, b, shape: []) { x, y, _ in
        RefTensor(scalar: Swift.zip(x.data, y.data).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(x.count))
      }
    }
    if shape.isEmpty, src.count == 1, rng.chance(0.2) {
      let a = tensor(src, d, sc), b = tensor(src, d, sc)
      return .zip("(\(a.text) @ \(b.text))", a, b, shape: []) { x, y, _ in RefTensor.matmul(x, y) }
    }
    let a = tensor(src, d, sc)
    let f = rng.pick(["sum", "sum", "mean", "max", "min"])
    let axisText = axis.map { ", axis: \($0)" } ?? ""
    return .map("\(f)(\(a.text)\(axisText))", a, shape: shape) { x, r in
      x.reduce(axis: axis, keepdims: false) { xs in
        switch f {
        case "sum": return xs.reduce(0, +)
        case "mean": return xs.reduce(0, +) / Double(xs.count)
        default:
          let sorted = xs.sorted(by: f == "max" ? (>) : (<))
          if sorted.count > 1 { r.kink(Swift.abs(sorted[0] - sorted[1])) }
          return sorted[0]
        }
      }
    }
  }

  /// `a @ b` for the pairs of shapes that give `shape`.
  mutating func matmul(to shape: [Int], _ d: Int, _ sc: Scope) -> Term? {
    let pairs: [([Int], [Int])]
    switch shape {
    case []: pairs = [([3], [3]), ([2], [2])]
    case [2]: pairs = [([2, 3], [3]), ([2, 2], [2]), ([3], [3, 2])]
    case [3]: pairs = [([3, 2], [2]), ([2], [2, 3])]
    case [2, 2]: pairs = [([2, 3], [3, 2]), ([2, 2], [2, 2])]
    case [2, 3]: pairs = [([2, 2], [2, 3])]
    case [3, 2]: pairs = [([3, 2], [2, 2])]
    default: return nil
    }
    let (sa, sb) = rng.pick(pairs)
    let a = tensor(sa, d, sc), b = tensor(sb, d, sc)
    return .zip("(\(a.text) @ \(b.text))", a, b, shape: shape) { x, y, _ in RefTensor.matmul(x, y) }
  }

  /// transpose, reshape or unsqueeze from another shape.
  mutating func reshaped(to shape: [Int], _ d: Int, _ sc: Scope) -> Term? {
    switch shape {
    case [2, 3], [3, 2]:
      let other = [shape[1], shape[0]]
      let a = tensor(other, d, sc)
      if rng.chance(0.5) { return .map("transpose(\(a.text), 0, 1)", a, shape: shape) { x, _ in x.transposed() } }
      return .map("reshape(\(a.text), [\(shape[0]), \(shape[1])])", a, shape: shape) { x, _ in RefTensor(shape: shape, data: x.data) }
    case [2, 2]:
      let a = tensor(shape, d, sc)
      return .map("transpose(\(a.text), 0, 1)", a) { x, _ in x.transposed() }
    case [3]:
      // [2] joined with one element made 1-D by unsqueeze.
      let a = tensor([2], d, sc), b = tensor([], d, sc)
      return .zip("concat([\(a.text), unsqueeze(\(b.text), axis: 0)], axis: 0)", a, b, shape: [3]) { x, y, _ in
        RefTensor(shape: [3], data: x.data + y.data)
      }
    default: return nil
    }
  }

  /// Indexing and slicing with constant bounds (negative ones too).
  mutating func sliced(to shape: [Int], _ d: Int, _ sc: Scope) -> Term? {
    typealias I = RefTensor.Item
    var options: [([Int], String, [I])] = []
    switch shape {
    case []: options = [([3], "[1]", [.at(1)]), ([2], "[-1]", [.at(-1)]), ([2, 3], "[1, 2]", [.at(1), .at(2)])]
    case [2]:
      options = [([3], "[0:2]", [.slice(0, 2)]), ([3], "[1:]", [.slice(1, nil)]), ([3], "[-2:]", [.slice(-2, nil)]),
                 ([2, 3], "[:, 1]", [.slice(nil, nil), .at(1)]), ([3, 2], "[2]", [.at(2)]), ([2, 2], "[:, -1]", [.slice(nil, nil), .at(-1)])]
    case [3]: options = [([2, 3], "[0]", [.at(0)]), ([2, 3], "[-1, :]", [.at(-1), .slice(nil, nil)]), ([3, 2], "[:, 0]", [.slice(nil, nil), .at(0)])]
    case [2, 2]: options = [([2, 3], "[:, 1:]", [.slice(nil, nil), .slice(1, nil)]), ([3, 2], "[:2]", [.slice(nil, 2)]), ([2, 3], "[:, :-1]", [.slice(nil, nil), .slice(nil, -1)])]
    case [2, 3]: options = [([2, 3], "[:, :]", [.slice(nil, nil), .slice(nil, nil)])]
    case [3, 2]: options = [([3, 2], "[0:3]", [.slice(0, 3)])]
    default: return nil
    }
    let (src, text, items) = rng.pick(options)
    let a = tensor(src, d, sc)
    return .map("\(a.text)\(text)", a, shape: shape) { x, _ in x.index(items) }
  }

  /// stack of two tensors, or diff along an axis.
  mutating func stacked(to shape: [Int], _ d: Int, _ sc: Scope) -> Term? {
    switch shape {
    case [2], [2, 2], [2, 3]:
      let inner = Array(shape.dropFirst())
      let a = tensor(inner, d, sc), b = tensor(inner, d, sc)
      return .zip("stack([\(a.text), \(b.text)])", a, b, shape: shape) { x, y, _ in RefTensor.stack([x, y], axis: 0) }
    case [3, 2]:
      let a = tensor([3], d, sc), b = tensor([3], d, sc)
      return .zip("stack([\(a.text), \(b.text)], axis: 1)", a, b, shape: shape) { x, y, _ in RefTensor.stack([x, y], axis: 1) }
    default:
      break
    }
    let sources: [([Int], Int)]
    switch shape {
    case [2]: sources = [([3], -1)]
    case [2, 2]: sources = [([2, 3], -1), ([3, 2], 0)]
    default: return nil
    }
    let (src, axis) = rng.pick(sources)
    let a = tensor(src, d, sc)
    return .map("diff(\(a.text), axis: \(axis))", a, shape: shape) { x, _ in x.diff(axis: axis) }
  }

  /// softmax or log_softmax along an axis.
  mutating func axisWise(_ a: Term) -> Term {
    guard !a.shape.isEmpty else { return smooth(a) }
    let axis = a.shape.count == 2 && rng.chance(0.3) ? 0 : -1
    if rng.chance(0.5) {
      return .map("softmax(\(a.text), axis: \(axis))", a) { x, _ in x.alongAxis(axis, RefTensor.softmax) }
    }
    return .map("log_softmax(\(a.text), axis: \(axis))", a) { x, _ in
      x.alongAxis(axis) { xs in RefTensor.softmax(xs).map { Foundation.log($0) } }
    }
  }

  /// `if COND { a } else { b }` as an expression: on an Int (a loop variable) or on data.
  mutating func conditional(_ shape: [Int], _ d: Int, _ sc: Scope) -> Term {
    let a = tensor(shape, d, sc), b = tensor(shape, d, sc)
    let cond = condition(d, sc)
    var t = Term(text: "(if \(cond.text) { \(a.text) } else { \(b.text) })", type: .tensor(shape),
                 refs: a.refs.union(b.refs).union(cond.refs), deps: a.deps.intersection(b.deps), eval: { _ in .unknown })
    t.eval = { env in
      switch cond.eval(env) {
      case .some(true): return a.eval(env)
      case .some(false): return b.eval(env)
      case .none:
        Self.undecided(env, [{ _ = a.eval($0) }, { _ = b.eval($0) }])
        return .unknown
      }
    }
    return t
  }

  /// A Bool condition: on a loop variable, or `item(reduction) > c` on data (the
  /// reference rejects values too close to the threshold).
  mutating func condition(_ d: Int, _ sc: Scope) -> (text: String, refs: Set<String>, eval: (RefEnv) -> Bool?) {
    let ints = sc.vars.filter { $0.type == .int }
    if !ints.isEmpty, rng.chance(0.5) {
      let i = rng.pick(ints).name, k = rng.below(3)
      return ("\(i) > \(k)", [i], { env in if case .int(let n) = env[i] { return n > k }; return nil })
    }
    if rng.chance(0.25) {
      // A condition the fold pass decides: on constants, or on a Float parameter that an
      // inlined call binds to a constant.
      let floats = sc.vars.filter { $0.type == .float }
      let c = Double(rng.below(9) - 4) / 4 + 0.125
      if let s = floats.isEmpty ? nil : rng.pick(floats).name {
        return ("\(s) > \(Self.fmt(c))", [s], { env in
          guard case .float(let v) = env[s] else { return nil }
          env.run.boundary(Swift.abs(v - c))
          return v > c
        })
      }
      let (p, q) = (rng.below(4), rng.below(4))
      let op = rng.pick(["<", ">=", "==", "!="])
      let value = op == "<" ? p < q : op == ">=" ? p >= q : op == "==" ? p == q : p != q
      let text = rng.chance(0.3) ? "(\(p) \(op) \(q) && true)" : "\(p) \(op) \(q)"
      return (text, [], { _ in value })
    }
    let e = tensor([], max(d - 1, 0), sc)
    let c = Double(rng.below(9) - 4) / 4
    return ("item(\(e.text)) > \(Self.fmt(c))", e.refs, { env in
      guard let v = e.eval(env).tensor?.data.first else { return nil }
      env.run.boundary(Swift.abs(v - c))
      return v > c
    })
  }

  /// `stop_gradient(a)` or `eval { a }`: constants inside a gradient block.
  mutating func frozen(_ shape: [Int], _ d: Int, _ sc: Scope) -> Term {
    let a = tensor(shape, d, sc)
    let id = nextNode()
    let text = rng.chance(0.5) ? "stop_gradient(\(a.text))" : "eval { \(a.text) }"
    return Term(text: text, type: a.type, refs: a.refs, deps: [], eval: { env in env.run.frozen(id) { a.eval(env) } })
  }
}

extension RefTensor {
  /// The smallest absolute value: the distance of elementwise kinks at 0.
  var maxAbsMin: Double { data.map(Swift.abs).min() ?? .infinity }
}
