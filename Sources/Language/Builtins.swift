/// The registry: every builtin the language knows, one entry each (`Builtin`), the native
/// modules' among them. `docs/language.md`'s builtin tables are generated from it
/// (`Builtins.markdown`), and the registry tests check that every entry has an
/// implementation and every differentiable one a gradient check.
public enum Builtins {
  /// Looks a builtin up by name (the checker, when it resolves a call; tools).
  public static func named(_ name: String) -> Builtin? { table[name].map { all[$0.index] } }

  /// The entry of a builtin the compiler itself refers to (`relu` for fusion); traps at
  /// start-up when the registry lacks it.
  public static func id(_ name: String) -> BuiltinID {
    guard let id = table[name] else { preconditionFailure("the registry has no builtin '\(name)'") }
    return id
  }

  static let table: [String: BuiltinID] = {
    var t: [String: BuiltinID] = [:]
    for b in all { t[b.name] = b.id }
    return t
  }()

  /// The entries in registry order; `all[id.index].id == id`.
  public static let all: [Builtin] = {
    let groups = creation + shaping + elementwise + reductions + nn + losses + edpcnn + dataBuiltins + misc + special
      + library + parameterBuiltins + solvers + cardiac + runFolder
    return groups.enumerated().map { i, b in
      var b = b
      b.id = BuiltinID(index: i)
      return b
    }
  }()

  /// The `digits` `format(x, digits:)` takes (more than 17 say nothing more of a Float).
  public static let formatDigits = 0...17

  /// The entries of one native module, or the language's own (`nil`).
  public static func entries(of module: NativeModule?) -> [Builtin] { all.filter { $0.module == module } }
}

// MARK: Rule helpers

/// Elementwise on one input: scalars stay scalars (as Float), tensors keep their shape.
let sameAsInput: @Sendable (inout CallInfo) -> ValueType = { info in
  switch info.type(0) {
  case .int, .float: return .float
  case .tensor(let s), .intTensor(let s): return .tensor(s)
  default: return info.type(0).isLenient ? info.type(0) : .tensor(nil)
  }
}

/// A layer constructor with the rule for applying the layers it makes to an input shape.
func layer(_ b: Builtin, apply: @escaping @Sendable (LayerInfo, [Dim]) -> Result<[Dim], LayerError>) -> Builtin {
  var b = b
  b.applyRule = apply
  return b
}

/// A layer over [B, C, H, W]: C must be the layer's input channels; H and W map through `side`.
func channels(_ layer: LayerInfo, _ s: [Dim], side: (Dim) -> Dim) -> Result<[Dim], LayerError> {
  guard s.count == 4 else { return .failure(LayerError("a \(layer.kind) layer needs an input of shape [B, C, H, W], got \(shapeText(s))")) }
  if case .known(let c) = s[1], let cin = layer.inFeatures, c != cin {
    return .failure(LayerError("\(layer.kind) layer expects \(cin) input channels, got \(c) (input shape \(shapeText(s)))"))
  }
  return .success([s[0], layer.outFeatures.map(Dim.known) ?? .unknown, side(s[2]), side(s[3])])
}

/// An elementwise function of one input (`exp`, `round`): its kernel and derivative are
/// `Tensor.MapOp`'s case of the same name; `domain` is where a gradient check samples it.
func unary(_ name: String, _ meaning: String, gradient: Gradient = .differentiable, domain: ClosedRange<Double> = -2...2,
           fuses: Bool = false) -> Builtin {
  let note = gradient == .differentiable ? "" : " (no gradient: use @bypass)"
  var b = Builtin(name, [p("x", .real)], gradient, "elementwise: \(meaning)\(note)", rule: sameAsInput).batched()
  b.isElementwise = true
  b.domain = domain
  b.fusesIntoLayers = fuses
  return b
}

let scalarTensor: @Sendable (inout CallInfo) -> ValueType = { _ in .tensor([]) }

/// Tensor from a shape argument at position 0.
let fromShape: @Sendable (inout CallInfo) -> ValueType = { info in .tensor(info.shape(0)) }

/// Reduction over `axis` (param 1: one axis or a list; none = all) with `keepdims` (param 2).
func reduce(integer: Bool) -> @Sendable (inout CallInfo) -> ValueType {
  return { info in
    let inputIsInt: Bool
    if case .intTensor = info.type(0) { inputIsInt = true } else { inputIsInt = false }
    let make: ([Dim]?) -> ValueType = { s in integer || inputIsInt ? .intTensor(s) : .tensor(s) }
    let keepdims = info.consts.count > 2 ? info.consts[2] : .bool(false)
    guard let keepdims else { return make(nil) }  // known only at run time
    let keep = keepdims == .bool(true)
    if info.isAbsent(1) { return make(keep ? info.type(0).shape.map { $0.map { _ in .known(1) } } : []) }
    guard let shape = info.type(0).shape else { return make(nil) }
    guard let axes = info.axes(1, rank: shape.count) else { return make(nil) }
    var s = shape
    for ax in axes.sorted(by: >) { if keep { s[ax] = .known(1) } else { s.remove(at: ax) } }
    return make(s)
  }
}

/// Checks that `axis` (param i) is valid for the tensor in param 0, returning the shape unchanged.
func keepShape(axisParam i: Int) -> @Sendable (inout CallInfo) -> ValueType {
  return { info in
    if let s = info.type(0).shape, let a = info.int(i), ShapeRules.axis(a, rank: s.count) == nil {
      info.fail("axis \(a) is out of range for a tensor of rank \(s.count)", at: i)
    }
    return .tensor(info.type(0).shape)
  }
}

// MARK: The table

let creation: [Builtin] = [
  Builtin("tensor", [p("data", .list)], .none, "a tensor from a nested list; Int literals give an IntTensor") { info in
    var dims: [Dim] = []
    var t = info.type(0)
    while case .list(let elem, let n) = t {
      dims.append(n.map(Dim.known) ?? .unknown)
      t = elem
    }
    return t == .int ? .intTensor(dims) : .tensor(dims)
  },
  Builtin("zeros", [p("shape", .shape)], .none, "a tensor of zeros", rule: fromShape),
  Builtin("ones", [p("shape", .shape)], .none, "a tensor of ones", rule: fromShape),
  Builtin("full", [p("shape", .shape), p("value", .float)], .none, "a tensor filled with value", rule: fromShape),
  Builtin("randn", [p("shape", .shape), p("seed", .int, ConstValue.none)], .none, kind: .effect, "standard normal samples", rule: fromShape),
  Builtin("rand", [p("shape", .shape), p("seed", .int, ConstValue.none)], .none, kind: .effect, "uniform samples in [0, 1)", rule: fromShape),
  Builtin("linspace", [p("start", .float), p("end", .float), p("count", .int)], .none, "count evenly spaced values, both ends included") { info in
    .tensor([info.int(2).map(Dim.known) ?? .unknown])
  },
  Builtin("arange", [p("count", .int)], .none, "0, 1, …, count − 1 as a Tensor") { info in
    .tensor([info.int(0).map(Dim.known) ?? .unknown])
  },
  Builtin("eye", [p("n", .int)], .none, "the n × n identity") { info in
    let d = info.int(0).map(Dim.known) ?? .unknown
    return .tensor([d, d])
  },
]

let shaping: [Builtin] = [
  Builtin("reshape", [p("t", .tensor), p("shape", .shape)], .differentiable, "the same elements in a new shape; one dim may be -1") { info in
    guard let target = info.shape(1) else { return info.type(0) == .intTensor(nil) ? .intTensor(nil) : .tensor(nil) }
    var out = target
    if let s = info.type(0).shape, let n = ShapeRules.count(s) {
      let fixed = target.filter { $0 != .known(-1) }
      if let m = ShapeRules.count(fixed) {
        if target.count == fixed.count, m != n {
          info.fail("cannot reshape \(shapeText(s)) (\(n) elements) to \(shapeText(target)) (\(m) elements)", at: 1)
        } else if target.count == fixed.count + 1, m > 0 {
          if n % m != 0 { info.fail("cannot reshape \(shapeText(s)) (\(n) elements) to \(shapeText(target))", at: 1) }
          out = target.map { $0 == .known(-1) ? .known(n / m) : $0 }
        }
      }
    } else {
      out = target.map { $0 == .known(-1) ? .unknown : $0 }
    }
    if case .intTensor = info.type(0) { return .intTensor(out) }
    return .tensor(out)
  },
  Builtin("transpose", [p("t", .tensor), p("a", .int, .int(0)), p("b", .int, .int(1))], .differentiable, "swaps axes a and b") { info in
    guard var s = info.type(0).shape else { return .tensor(nil) }
    guard let a = info.int(1), let b = info.int(2) else { return .tensor(Array(repeating: .unknown, count: s.count)) }
    guard let x = ShapeRules.axis(a, rank: s.count), let y = ShapeRules.axis(b, rank: s.count) else {
      info.fail("transpose axes \(a) and \(b) are out of range for a tensor of rank \(s.count)", at: 1)
      return .tensor(nil)
    }
    s.swapAt(x, y)
    if case .intTensor = info.type(0) { return .intTensor(s) }
    return .tensor(s)
  },
  Builtin("concat", [p("tensors", .list), p("axis", .int, .int(0))], .differentiable, "joins tensors along an existing axis") { info in
    guard case .list(let elem, let n) = info.type(0) else { return .tensor(nil) }
    guard let s = elem.shape, let a = info.int(1) else { return .tensor(nil) }
    guard let ax = ShapeRules.axis(a, rank: s.count) else {
      info.fail("axis \(a) is out of range for tensors of rank \(s.count)", at: 1)
      return .tensor(nil)
    }
    var out = s
    if let n, case .known(let v) = s[ax] { out[ax] = ShapeRules.dim(v, times: n) } else { out[ax] = .unknown }
    if case .intTensor = elem { return .intTensor(out) }
    return .tensor(out)
  },
  Builtin("stack", [p("tensors", .list), p("axis", .int, .int(0))], .differentiable, "joins tensors along a new axis") { info in
    guard case .list(let elem, let n) = info.type(0), var s = elem.shape, let a = info.int(1),
          let ax = ShapeRules.axis(a, rank: s.count + 1) else { return .tensor(nil) }
    s.insert(n.map(Dim.known) ?? .unknown, at: ax)
    return .tensor(s)
  },
  Builtin("unsqueeze", [p("t", .tensor), p("axis", .int)], .differentiable, "inserts an axis of size 1") { info in
    guard var s = info.type(0).shape, let a = info.int(1), let ax = ShapeRules.axis(a, rank: s.count + 1) else { return sameKind(info, nil) }
    s.insert(.known(1), at: ax)
    return sameKind(info, s)
  },
  Builtin("flatten", [p("t", .tensor)], .differentiable, "keeps axis 0, flattens the rest") { info in
    guard let s = info.type(0).shape, let first = s.first else { return .tensor(nil) }
    return .tensor([first, ShapeRules.count(Array(s.dropFirst())).map(Dim.known) ?? .unknown])
  },
  Builtin("pad", [p("t", .tensor), p("pad", .int), p("value", .float, .float(0))], .differentiable, "pads the last two axes by pad on each side") { info in
    guard var s = info.type(0).shape, s.count >= 2 else { return .tensor(info.type(0).shape) }
    for i in (s.count - 2)..<s.count {
      if case .known(let v) = s[i], let q = info.int(1) { s[i] = ShapeRules.dim(q, times: 2, plus: v) } else { s[i] = .unknown }
    }
    return .tensor(s)
  },
  Builtin("upsample", [p("t", .tensor), p("scale", .int, .int(2)), p("mode", .string, .string("nearest"))], .differentiable,
          "scales the last two axes by an integer factor (nearest or bilinear)") { info in
    guard var s = info.type(0).shape, s.count >= 2 else { return .tensor(info.type(0).shape) }
    for i in (s.count - 2)..<s.count {
      if case .known(let v) = s[i], let k = info.int(1) { s[i] = ShapeRules.dim(v, times: k) } else { s[i] = .unknown }
    }
    return .tensor(s)
  },
  Builtin("diff", [p("t", .tensor), p("axis", .int, .int(-1))], .differentiable, "t[…, 1:] − t[…, :-1] along axis") { info in
    guard var s = info.type(0).shape, let a = info.int(1) else { return .tensor(nil) }
    guard let ax = ShapeRules.axis(a, rank: s.count) else {
      info.fail("axis \(a) is out of range for a tensor of rank \(s.count)", at: 1)
      return .tensor(nil)
    }
    if case .known(let v) = s[ax] { s[ax] = .known(max(0, v - 1)) }
    return .tensor(s)
  },
]

let elementwise: [Builtin] =
  [
    unary("exp", "eˣ"), unary("log", "the natural logarithm", domain: 0.2...3), unary("sqrt", "the square root", domain: 0.2...3),
    unary("abs", "|x|"), unary("relu", "max(x, 0)", fuses: true), unary("sigmoid", "1 / (1 + e⁻ˣ)"), unary("tanh", "the hyperbolic tangent"),
    unary("sin", "the sine"), unary("cos", "the cosine"), unary("square", "x²"), unary("softplus", "log(1 + eˣ), a smooth relu"),
    unary("round", "to the nearest integer, ties to even", gradient: .nonDifferentiable),
    unary("floor", "rounded down", gradient: .nonDifferentiable), unary("ceil", "rounded up", gradient: .nonDifferentiable),
    unary("sign", "−1, 0 or 1", gradient: .nonDifferentiable),
  ] + [
    Builtin("pow", [p("x", .real), p("exponent", .float)], .differentiable, "elementwise power", rule: sameAsInput),
    Builtin("clip", [p("x", .real), p("lo", .float), p("hi", .float)], .differentiable, "clamps into [lo, hi]", rule: sameAsInput),
    Builtin("leaky_relu", [p("x", .real), p("slope", .float, .float(0.01))], .differentiable, "max(x, slope·x)", rule: sameAsInput),
    Builtin("softmax", [p("t", .tensor), p("axis", .int, .int(-1))], .differentiable, "softmax along axis", rule: keepShape(axisParam: 1)),
    Builtin("log_softmax", [p("t", .tensor), p("axis", .int, .int(-1))], .differentiable, "log of softmax along axis", rule: keepShape(axisParam: 1)),
  ]

let reductions: [Builtin] = ["sum", "mean", "max", "min"].map { name in
  Builtin(name, [p("t", .tensor), p("axis", .axes, ConstValue.none), p("keepdims", .bool, .bool(false))], .differentiable,
          "\(name) over axis, or over several axes given as a list (all elements when no axis: a 0-d tensor)"
            + (name == "max" || name == "min" ? "; \(name)(a, b) of two numbers is the \(name == "max" ? "larger" : "smaller") one" : ""),
          rule: reduce(integer: false))
} + ["argmax", "argmin"].map { name in
  Builtin(name, [p("t", .tensor), p("axis", .int, ConstValue.none), p("keepdims", .bool, .bool(false))], .integer,
          "index of the \(name == "argmax" ? "largest" : "smallest") element along axis (flat index when no axis)",
          rule: reduce(integer: true)).batched(.alongLaterAxis)
}

let nn: [Builtin] = [
  layer(Builtin("dense", [p("cin", .int), p("cout", .int), p("bias", .bool, .bool(true))], .none, kind: .layer,
                "a fully connected layer [.., cin] → [.., cout]") { info in
    let bias: Bool? = switch info.consts.count > 2 ? info.consts[2] : nil { case .bool(let b)?: b; default: nil }
    return .layer(LayerInfo(maker: info.callee, inFeatures: info.int(0), outFeatures: info.int(1), bias: bias))
  }) { layer, s in
    guard let last = s.last else { return .failure(LayerError("a dense layer needs an input of rank at least 1")) }
    if case .known(let v) = last, let cin = layer.inFeatures, v != cin {
      return .failure(LayerError("dense layer expects \(cin) input features, got \(v) (input shape \(shapeText(s)))"))
    }
    return .success(s.dropLast() + [layer.outFeatures.map(Dim.known) ?? .unknown])
  },
  layer(Builtin("conv2d", [p("cin", .int), p("cout", .int), p("kernel", .int, .int(3)), p("stride", .int, .int(1)), p("pad", .int, .int(0))],
                .none, kind: .layer, "a 2-D convolution layer [B, cin, H, W] → [B, cout, H', W']") { info in
    .layer(LayerInfo(maker: info.callee, inFeatures: info.int(0), outFeatures: info.int(1), kernel: info.int(2), stride: info.int(3), pad: info.int(4), bias: true))
  }) { layer, s in
    channels(layer, s) { ShapeRules.convOut($0, kernel: layer.kernel, stride: layer.stride, pad: layer.pad) }
  },
  layer(Builtin("conv_transpose2d", [p("cin", .int), p("cout", .int), p("kernel", .int, .int(2)), p("stride", .int, .int(2)), p("pad", .int, .int(0))],
                .none, kind: .layer, "a transposed 2-D convolution layer (learned upsampling)") { info in
    .layer(LayerInfo(maker: info.callee, inFeatures: info.int(0), outFeatures: info.int(1), kernel: info.int(2), stride: info.int(3), pad: info.int(4), bias: true))
  }) { layer, s in
    channels(layer, s) { ShapeRules.convTransposeOut($0, kernel: layer.kernel, stride: layer.stride, pad: layer.pad) }
  },
  layer(Builtin("batchnorm2d", [p("channels", .int), p("momentum", .float, .float(0.1)), p("eps", .float, .float(1e-5))], .none, kind: .layer,
                "batch normalisation over [B, C, H, W] with running statistics") { info in
    .layer(LayerInfo(maker: info.callee, inFeatures: info.int(0), outFeatures: info.int(0), bias: true))
  }) { layer, s in channels(layer, s) { $0 } },
  Builtin("max_pool2d", [p("t", .tensor), p("k", .int, .int(2)), p("stride", .int, ConstValue.none),
                         p("ceil", .bool, .bool(false))], .differentiable,
          "max pooling over the last two axes with a k × k window (ceil: PyTorch's ceil_mode)") { info in
    guard var s = info.type(0).shape, s.count >= 2 else { return .tensor(info.type(0).shape) }
    let k = info.int(1), st = info.isAbsent(2) ? k : info.int(2)
    let ceil: Bool? = info.consts.count > 3 ? (info.consts[3] == .bool(true) ? true : info.consts[3] == .bool(false) ? false : nil) : false
    for i in (s.count - 2)..<s.count {
      s[i] = ceil == false ? ShapeRules.convOut(s[i], kernel: k, stride: st, pad: 0)
        : ceil == true ? ShapeRules.poolOutCeil(s[i], kernel: k, stride: st) : .unknown
    }
    return .tensor(s)
  },
  Builtin("dropout", [p("t", .tensor), p("rate", .float, .float(0.5)), p("seed", .int, ConstValue.none)], .differentiable, kind: .effect,
          "zeroes elements with probability rate while training", rule: sameAsInput),
  Builtin("adam", [p("model", .module), p("lr", .float, .float(1e-3)), p("beta1", .float, .float(0.9)), p("beta2", .float, .float(0.999)),
                   p("eps", .float, .float(1e-8))], .none, kind: .optimizer, "the Adam optimizer over a model's parameters") { _ in .optimizer },
  Builtin("sgd", [p("model", .module), p("lr", .float, .float(0.01)), p("momentum", .float, .float(0))], .none, kind: .optimizer,
          "stochastic gradient descent with momentum") { _ in .optimizer },
]

let losses: [Builtin] = [
  Builtin("mse", [p("prediction", .tensor), p("target", .tensor)], .differentiable, "mean squared error, a 0-d tensor") { info in
    if case .failure(let e) = ShapeRules.broadcast(info.type(0).shape, info.type(1).shape) { info.fail(e.message, at: 1) }
    return .tensor([])
  },
  Builtin("nll", [p("logp", .tensor), p("target", .tensor)], .differentiable, "negative log-likelihood of class log-probabilities on the last axis", rule: scalarTensor),
  Builtin("cross_entropy", [p("logits", .tensor), p("target", .tensor)], .differentiable, "cross-entropy of logits on axis 1 (or the last axis)", rule: scalarTensor),
  Builtin("dice", [p("a", .tensor), p("b", .tensor)], .differentiable, "soft Dice overlap 2|a·b| / (|a| + |b|), a 0-d tensor", rule: scalarTensor),
]

let edpcnn: [Builtin] = [
  Builtin("dp_contour", [p("g", .tensor), p("delta", .int, .int(1))], .integer,
          "indices [B, N] of the closed contour minimising Σ g[b, n, v_n] with |v_n − v_(n+1 mod N)| ≤ delta") { info in
    guard let s = info.type(0).shape else { return .intTensor([.unknown, .unknown]) }
    if s.count != 3 { info.fail("dp_contour needs g of shape [B, N, M], got \(shapeText(s))", at: 0); return .intTensor(nil) }
    return .intTensor([s[0], s[1]])
  }.batched(),
  Builtin("dp_contour_soft", [p("g", .tensor), p("delta", .int, .int(1)), p("gamma", .float, .float(1))], .differentiable,
          "marginals [B, N, M] of the Gibbs distribution ∝ exp(−Σ g[b, n, v_n] / gamma) over dp_contour's closed contours: rows sum to 1, gamma → 0 gives dp_contour's contour") { info in
    guard let s = info.type(0).shape else { return .tensor([.unknown, .unknown, .unknown]) }
    if s.count != 3 { info.fail("dp_contour_soft needs g of shape [B, N, M], got \(shapeText(s))", at: 0); return .tensor(nil) }
    return .tensor(s)
  }.batched(),
  Builtin("star_sample", [p("map", .tensor), p("centers", .tensor), p("lines", .int, .int(25)), p("points", .int, .int(64)),
                          p("radius", .float, .float(65)), p("angle", .real, .float(0)), p("mode", .string, .string("bilinear"))],
          .differentiable, "samples map [B, H, W] (or [B, 1, H, W]) along `lines` rays from each centre → [B, lines, points]") { info in
    let b = info.type(0).shape?.first ?? .unknown
    return .tensor([b, info.int(2).map(Dim.known) ?? .unknown, info.int(3).map(Dim.known) ?? .unknown])
  },
  Builtin("smooth_circular", [p("idx", .tensor), p("window", .int, .int(5))], .differentiable,
          "circular moving average over axis 1 (rays); IntTensor input gives a Tensor") { info in .tensor(info.type(0).shape) }.batched(),
  Builtin("star_targets", [p("mask", .tensor), p("centers", .tensor), p("lines", .int, .int(25)), p("points", .int, .int(64)),
                           p("radius", .float, .float(65)), p("angle", .real, .float(0))], .integer,
          "ground-truth ray indices [B, lines] of a mask's boundary") { info in
    .intTensor([info.type(0).shape?.first ?? .unknown, info.int(2).map(Dim.known) ?? .unknown])
  },
  Builtin("rasterize", [p("indices", .tensor), p("centers", .tensor), p("points", .int, .int(64)), p("radius", .float, .float(65)),
                        p("size", .int, .int(64)), p("angle", .real, .float(0))], .nonDifferentiable,
          "fills the star polygon given by ray indices → mask [B, size, size]") { info in
    let d = info.int(4).map(Dim.known) ?? .unknown
    return .tensor([info.type(0).shape?.first ?? .unknown, d, d])
  },
  Builtin("largest_component", [p("mask", .tensor), p("connectivity", .int, .int(8))], .nonDifferentiable,
          "the largest 4- or 8-connected component of each mask > ½ [B, H, W] (or [B, 1, H, W]) as a 0/1 mask of the same shape") { info in
    .tensor(info.type(0).shape)
  },
]

/// Training utilities: batches, the random stream, the clock, a surrogate's fit.
let dataBuiltins: [Builtin] = [
  Builtin("batch_indices", [p("count", .int), p("batch", .int), p("step", .int), p("seed", .int, .int(0))], .none,
          "IntTensor [batch] of item indices for training step `step` (a fresh shuffle of 0..<count each epoch)") { info in
    .intTensor([info.int(1).map(Dim.known) ?? .unknown])
  },
  Builtin("seed_all", [p("value", .int)], .none, kind: .effect, "reseeds the random generator (for programs whose config field `seed` hides `seed`)") { _ in .void },
  Builtin("clock", [], .none, kind: .effect, "seconds of a monotonic clock, for timing") { _ in .float },
  Builtin("fit_losses", [p("model", .module)], .none, kind: .effect,
          "the surrogate's training loss at each fit step of its latest @bypass(net) fit ([] before any)") { _ in .tensor([.unknown]) },
  Builtin("fit_fidelity", [p("model", .module)], .none, kind: .effect,
          "(agreement, error) of the surrogate against the function on the fresh noise of its latest @bypass(net) fit, before the fit's first update: argmax agreement and mean |index error| for index outputs, R² and mean |error| for real ones ((-1.0, -1.0) before any)") { _ in
    .tuple([.float, .float])
  },
]

let misc: [Builtin] = [
  Builtin("print", [], variadic: true, .none, kind: .effect, "writes its arguments to stdout separated by spaces") { _ in .void },
  Builtin("len", [p("value", .any)], .none, "length of a list, tuple, or axis 0 of a tensor") { _ in .int },
  Builtin("item", [p("t", .tensor)], .nonDifferentiable, "the value of a one-element tensor (Float, or Int for an IntTensor)") { info in
    if case .intTensor = info.type(0) { return .int }
    if let s = info.type(0).shape, let n = ShapeRules.count(s), n != 1 {
      info.fail("item needs a one-element tensor, got shape \(shapeText(s))", at: 0)
    }
    return .float
  },
  Builtin("float", [p("x", .real)], .differentiable, "converts to Float (IntTensor → Tensor)") { info in
    if case .intTensor(let s) = info.type(0) { return .tensor(s) }
    if case .tensor = info.type(0) { return info.type(0) }
    return .float
  }.batched(),
  Builtin("int", [p("x", .real)], .integer, "truncates to Int (Tensor → IntTensor)") { info in
    if case .tensor(let s) = info.type(0) { return .intTensor(s) }
    if case .intTensor = info.type(0) { return info.type(0) }
    return .int
  }.batched(),
  Builtin("str", [p("x", .any)], .none, "the printed form of a value") { _ in .string },
  Builtin("format", [p("x", .real), p("digits", .int, .int(4))], .none,
          "a number or tensor as text with `digits` digits after the point (each element of a tensor; Ints as they are; a nonzero value that would show as 0, or one of 1e16 or more, in scientific notation)") { info in
    if let d = info.int(1), !Builtins.formatDigits.contains(d) {
      info.fail("digits must be in \(Builtins.formatDigits.lowerBound)...\(Builtins.formatDigits.upperBound), got \(d)", at: 1)
    }
    return .string
  },
  Builtin("shape", [p("t", .tensor)], .none, "the shape as a list of Ints (same as t.shape)") { info in
    .list(.int, count: info.type(0).shape?.count)
  },
  Builtin("save", [p("value", .any), p("path", .string)], .none, kind: .effect, "writes a tensor, a model's parameters, or an optimizer's model, state, step and random stream (safetensors)") { _ in .void },
  Builtin("load", [p("path", .string), p("name", .string, ConstValue.none)], .none, kind: .effect,
          "reads a tensor: a safetensors file (name: one of several tensors), .npy, or .csv of numbers (a 2-D Tensor)") { _ in .any },
  Builtin("load_into", [p("model", .any), p("path", .string)], .none, kind: .effect, "loads a model's parameters (an optimizer: also its state, step and the random stream) from a checkpoint") { _ in .void },
  Builtin("assert", [p("condition", .bool), p("message", .string, .string("assertion failed"))], .none, kind: .effect, "stops with an error when false") { _ in .void },
  Builtin("seed", [p("value", .int)], .none, kind: .effect, "reseeds the default random generator") { _ in .void },
]

/// Forms with their own checking rules (trailing blocks, gradient control).
let special: [Builtin] = [
  Builtin("grad", [], variadic: true, .none, kind: .special,
          "gradient of a scalar block w.r.t. tensors (a tuple for several)") { _ in .any }
    .written(as: "grad(x, …) { loss }"),
  Builtin("value_and_grad", [], variadic: true, .none, kind: .special, "(loss, gradient)") { _ in .any }
    .written(as: "value_and_grad(x, …) { loss }"),
  Builtin("check_grad", [], variadic: true, .none, kind: .special,
          "largest relative error of the tape gradient against central finite differences (a Float)") { _ in .float }
    .written(as: "check_grad(x, net, net.codebook, …, eps: float = 0.01, directions: int, bypass: string = \"exact\") { loss }"),
  Builtin("eval", [], .none, kind: .special, "runs a block in evaluation mode, without recording") { _ in .any }
    .written(as: "eval { … }"),
  Builtin("stop_gradient", [p("x", .any)], .none, kind: .special, "the value, with no gradient, on purpose") { info in info.type(0) },
  Builtin("surrogate", [p("y", .any)], .differentiable, kind: .special,
          "the DiffBypass surrogate's output net(x) for a value made by @bypass(net) f(x)") { _ in .tensor(nil) },
]

// MARK: The docs table

extension Builtins {
  /// The Markdown table of one module's entries (the language's own for nil), as
  /// `docs/language.md` shows it; a registry test keeps the docs equal to this.
  public static func markdownTable(of module: NativeModule?) -> String {
    var lines = ["| builtin | parameters (label: accepts = default) | gradient | kind | @bypass batches | meaning |",
                 "|---|---|---|---|---|---|"]
    for b in entries(of: module) {
      let params = b.parametersText
      let batches = switch b.batching {
      case .none: ""
      case .alongAxis0: "axis 0"
      case .alongLaterAxis: "axis 0 (along a later axis)"
      }
      let cells = ["`\(b.qualifiedName)`", params, b.gradient.rawValue, b.kind.rawValue, batches, b.summary]
      lines.append("| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
