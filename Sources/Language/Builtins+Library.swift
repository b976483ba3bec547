/// The general-purpose tensor library: sorting, per-row indexing, selection, scans, a
/// stable log-sum-exp, and free parameters of models (`Runtime/Builtins/Builtins+Sorting.swift`,
/// `Builtins+Indexing.swift`, `Builtins+Library.swift`).
let library: [Builtin] = sorting + indexing + [
  Builtin("cumsum", [p("x", .tensor), p("axis", .int, .int(-1))], .differentiable, "running sums along axis") { info in
    sameKind(info, info.type(0).shape.map { axisChecked(&info, $0, param: 1) })
  }.batched(.alongLaterAxis),
  Builtin("minimum", [p("a", .real), p("b", .real)], .differentiable,
          "elementwise smaller of a and b, broadcasting (ties split the gradient evenly)", rule: pairwise),
  Builtin("maximum", [p("a", .real), p("b", .real)], .differentiable,
          "elementwise larger of a and b, broadcasting (ties split the gradient evenly)", rule: pairwise),
  Builtin("logsumexp", [p("x", .tensor), p("axis", .axes, ConstValue.none), p("keepdims", .bool, .bool(false))], .differentiable,
          "log Σ exp(x) over axis or a list of axes (all elements when no axis), without overflow", rule: reduce(integer: false)),
  Builtin("param", [p("shape", .shape), p("init", .string, .string("normal")), p("scale", .float, .float(1))], .none, kind: .layer,
          "a model's own trainable tensor (a field: let w = param(…)); init normal (σ = scale), uniform (±scale), zeros or ones") { info in
    if case .string(let s)? = info.consts.count > 1 ? info.consts[1] : nil, !parameterInits.contains(s) {
      info.fail("unknown init '\(s)': use " + parameterInits.map { "\"\($0)\"" }.joined(separator: ", "), at: 1)
    }
    let shape = info.shape(0)
    if let shape, shape.contains(where: { if case .known(let n) = $0 { return n < 0 }; return false }) {
      info.fail("param: shape \(shapeText(shape)) has a negative extent", at: 0)
    }
    return .tensor(shape)
  },
]

/// The initialisers `param(shape, init:)` knows.
public let parameterInits = ["normal", "uniform", "zeros", "ones"]

let sorting: [Builtin] = [
  Builtin("sort", [p("x", .tensor), p("axis", .int, .int(-1)), p("descending", .bool, .bool(false))], .differentiable,
          "the values sorted along axis (stable); the gradient goes back through the permutation") { info in
    sameKind(info, info.type(0).shape.map { axisChecked(&info, $0, param: 1) })
  }.batched(.alongLaterAxis),
  Builtin("argsort", [p("x", .tensor), p("axis", .int, .int(-1)), p("descending", .bool, .bool(false))], .integer,
          "IntTensor of the positions that sort x along axis (stable: ties keep their order)") { info in
    .intTensor(info.type(0).shape.map { axisChecked(&info, $0, param: 1) })
  }.batched(.alongLaterAxis),
  Builtin("topk", [p("x", .tensor), p("k", .int), p("axis", .int, .int(-1)), p("largest", .bool, .bool(true))], .differentiable,
          "(values, IntTensor indices) of the k largest (or smallest) along axis, best first; ties: the lower index first") { info in
    guard var s = info.type(0).shape else { return .tuple([sameKind(info, nil), .intTensor(nil)]) }
    s = axisChecked(&info, s, param: 2)
    if let a = info.int(2), let ax = ShapeRules.axis(a, rank: s.count), let k = info.int(1) {
      if k < 0 { info.fail("k must not be negative, got \(k)", at: 1) }
      if case .known(let n) = s[ax], k > n { info.fail("k = \(k) is larger than axis \(a) of size \(n)", at: 1) }
      s[ax] = .known(k)
    } else if let a = info.int(2), let ax = ShapeRules.axis(a, rank: s.count) {
      s[ax] = .unknown
    }
    return .tuple([sameKind(info, s), .intTensor(s)])
  },
]

let indexing: [Builtin] = [
  Builtin("one_hot", [p("idx", .tensor), p("n", .int)], .nonDifferentiable, "Tensor […, n]: 1 at each index's class, 0 elsewhere") { info in
    if case .tensor = info.type(0) {
      info.fail("one_hot needs an IntTensor of class indices, got \(info.type(0)) (convert with int(…))", at: 0)
    }
    if let n = info.int(1), n < 1 { info.fail("one_hot needs at least one class, got \(n)", at: 1) }
    return .tensor(info.type(0).shape.map { $0 + [info.int(1).map(Dim.known) ?? .unknown] })
  }.batched(),
  Builtin("where", [p("cond", .tensor, noGradient: true), p("a", .real), p("b", .real)], .differentiable,
          "a where cond is nonzero (a comparison's 0/1 tensor), else b, broadcasting; the gradient goes to the side taken") { info in
    var shape: [Dim]? = info.type(0).shape
    for i in 1...2 {
      let si: [Dim]? = info.type(i).isNumericScalar ? [] : info.type(i).shape
      switch ShapeRules.broadcast(shape, si) {
      case .success(let s): shape = s
      case .failure(let e): info.fail(e.message, at: i); return .tensor(nil)
      }
    }
    return isInteger(info.type(1)) && isInteger(info.type(2)) ? .intTensor(shape) : .tensor(shape)
  },
  Builtin("gather", [p("x", .tensor), p("idx", .tensor), p("axis", .int, .int(-1))], .differentiable,
          "per-row pick along axis: out[…, j, …] = x[…, idx[…, j, …], …] (the shape of idx); the gradient adds back") { info in
    alongAxis(&info, index: 1, axis: 2)
    return sameKind(info, info.type(1).shape)
  },
  Builtin("scatter_add", [p("x", .tensor), p("idx", .tensor), p("src", .tensor), p("axis", .int, .int(-1))], .differentiable,
          "x with src added at the positions gather(…, idx, axis) reads; repeated indices accumulate") { info in
    alongAxis(&info, index: 1, axis: 3)
    if let si = info.type(1).shape, let ss = info.type(2).shape, !shapesMatch(si, ss) {
      info.fail("src of shape \(shapeText(ss)) must have the shape of idx, \(shapeText(si))", at: 2)
    }
    return sameKind(info, info.type(0).shape)
  },
]

/// Second signatures of builtin names, chosen by the checker when the call's first argument
/// is a number: `min(a, b)` and `max(a, b)` beside the reductions `min(t, axis:)`.
public let scalarForms: [String: Builtin] = Dictionary(uniqueKeysWithValues: [("min", "smaller"), ("max", "larger")].map { name, what in
  // Numbers carry no gradient in dpl (a tensor's `item` has none), so neither does this form.
  (name, Builtin(name, [p("a", .float), p("b", .float)], .none, "the \(what) of two numbers (an Int when both are)") { info in
    info.type(0) == .int && info.type(1) == .int ? .int : .float
  })
})

// MARK: Rule helpers

/// A tensor type of the input's kind (param 0): IntTensor in, IntTensor out.
func sameKind(_ info: CallInfo, _ shape: [Dim]?) -> ValueType {
  if case .intTensor = info.type(0) { return .intTensor(shape) }
  return .tensor(shape)
}

func isInteger(_ t: ValueType) -> Bool {
  if case .intTensor = t { return true }
  return t == .int
}

/// `shape`, after checking that the axis in param `param` fits it.
func axisChecked(_ info: inout CallInfo, _ shape: [Dim], param: Int) -> [Dim] {
  if let a = info.int(param), ShapeRules.axis(a, rank: shape.count) == nil {
    info.fail("axis \(a) is out of range for a tensor of rank \(shape.count)", at: param)
  }
  return shape
}

/// Dims that may be equal.
func shapesMatch(_ a: [Dim], _ b: [Dim]) -> Bool {
  a.count == b.count && zip(a, b).allSatisfy { ShapeRules.unify($0, $1) != nil }
}

/// Checks an index (param `index`) used along an axis (param `axis`) of the tensor in
/// param 0: an IntTensor of the same rank, no larger off the axis.
func alongAxis(_ info: inout CallInfo, index: Int, axis: Int) {
  if case .tensor = info.type(index) {
    info.fail("the index must be an IntTensor, got \(info.type(index)) (convert with int(…))", at: index)
    return
  }
  guard let xs = info.type(0).shape else { return }
  _ = axisChecked(&info, xs, param: axis)
  guard let s = info.type(index).shape else { return }
  guard s.count == xs.count else {
    info.fail("the index of shape \(shapeText(s)) must have the rank of x, \(shapeText(xs))", at: index)
    return
  }
  let ax = info.int(axis).flatMap { ShapeRules.axis($0, rank: xs.count) }
  for d in 0..<s.count where d != ax {
    if case .known(let m) = s[d], case .known(let n) = xs[d], m > n {
      info.fail("the index of shape \(shapeText(s)) is larger than x, \(shapeText(xs)), on axis \(d)", at: index)
      return
    }
  }
}

/// `minimum`/`maximum`: the broadcast shape; numbers give a number, integers an integer.
let pairwise: @Sendable (inout CallInfo) -> ValueType = { info in
  let (a, b) = (info.type(0), info.type(1))
  if a.isLenient || b.isLenient { return .any }
  if a.isNumericScalar && b.isNumericScalar { return a == .int && b == .int ? .int : .float }
  switch ShapeRules.broadcast(a.isNumericScalar ? [] : a.shape, b.isNumericScalar ? [] : b.shape) {
  case .success(let s): return isInteger(a) && isInteger(b) ? .intTensor(s) : .tensor(s)
  case .failure(let e):
    info.fail(e.message, at: 1)
    return .error
  }
}
