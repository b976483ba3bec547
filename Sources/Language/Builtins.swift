/// Every builtin the language knows, in one table: labels, defaults, accepted types, the
/// result type/shape rule, and whether it is differentiable. The runtime binds its
/// implementations to these names; `docs/language.md` lists the same table.
public enum Builtins {
  /// Looks a builtin up by name.
  public static func named(_ name: String) -> Builtin? { table[name] }

  public static let table: [String: Builtin] = {
    var t: [String: Builtin] = [:]
    for b in all { t[b.name] = b }
    return t
  }()

  public static let all: [Builtin] = creation + shaping + elementwise + reductions + nn + losses + edpcnn + dataBuiltins + misc + special
    + library + solvers
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
    if let n, case .known(let v) = s[ax] { out[ax] = .known(v * n) } else { out[ax] = .unknown }
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
      if case .known(let v) = s[i], let q = info.int(1) { s[i] = .known(v + 2 * q) } else { s[i] = .unknown }
    }
    return .tensor(s)
  },
  Builtin("upsample", [p("t", .tensor), p("scale", .int, .int(2)), p("mode", .string, .string("nearest"))], .differentiable,
          "scales the last two axes by an integer factor (nearest or bilinear)") { info in
    guard var s = info.type(0).shape, s.count >= 2 else { return .tensor(info.type(0).shape) }
    for i in (s.count - 2)..<s.count {
      if case .known(let v) = s[i], let k = info.int(1) { s[i] = .known(v * k) } else { s[i] = .unknown }
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
  ["exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "sin", "cos", "square"].map { name in
    Builtin(name, [p("x", .real)], .differentiable, "elementwise \(name)", rule: sameAsInput)
  } + ["round", "floor", "ceil", "sign"].map { name in
    Builtin(name, [p("x", .real)], .nonDifferentiable, "elementwise \(name) (no gradient: use @bypass)", rule: sameAsInput)
  } + [
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
          rule: reduce(integer: true))
}

let nn: [Builtin] = [
  Builtin("dense", [p("cin", .int), p("cout", .int), p("bias", .bool, .bool(true))], .none, kind: .layer,
          "a fully connected layer [.., cin] → [.., cout]") { info in
    .layer(LayerInfo(kind: "dense", inFeatures: info.int(0), outFeatures: info.int(1)))
  },
  Builtin("conv2d", [p("cin", .int), p("cout", .int), p("kernel", .int, .int(3)), p("stride", .int, .int(1)), p("pad", .int, .int(0))],
          .none, kind: .layer, "a 2-D convolution layer [B, cin, H, W] → [B, cout, H', W']") { info in
    .layer(LayerInfo(kind: "conv2d", inFeatures: info.int(0), outFeatures: info.int(1), kernel: info.int(2), stride: info.int(3), pad: info.int(4)))
  },
  Builtin("conv_transpose2d", [p("cin", .int), p("cout", .int), p("kernel", .int, .int(2)), p("stride", .int, .int(2)), p("pad", .int, .int(0))],
          .none, kind: .layer, "a transposed 2-D convolution layer (learned upsampling)") { info in
    .layer(LayerInfo(kind: "conv_transpose2d", inFeatures: info.int(0), outFeatures: info.int(1), kernel: info.int(2), stride: info.int(3), pad: info.int(4)))
  },
  Builtin("batchnorm2d", [p("channels", .int), p("momentum", .float, .float(0.1)), p("eps", .float, .float(1e-5))], .none, kind: .layer,
          "batch normalisation over [B, C, H, W] with running statistics") { info in
    .layer(LayerInfo(kind: "batchnorm2d", inFeatures: info.int(0), outFeatures: info.int(0)))
  },
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
  },
  Builtin("star_sample", [p("map", .tensor), p("centers", .tensor), p("lines", .int, .int(25)), p("points", .int, .int(64)),
                          p("radius", .float, .float(65)), p("angle", .real, .float(0)), p("mode", .string, .string("bilinear"))],
          .differentiable, "samples map [B, H, W] (or [B, 1, H, W]) along `lines` rays from each centre → [B, lines, points]") { info in
    let b = info.type(0).shape?.first ?? .unknown
    return .tensor([b, info.int(2).map(Dim.known) ?? .unknown, info.int(3).map(Dim.known) ?? .unknown])
  },
  Builtin("smooth_circular", [p("idx", .tensor), p("window", .int, .int(5))], .differentiable,
          "circular moving average over axis 1 (rays); IntTensor input gives a Tensor") { info in .tensor(info.type(0).shape) },
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
  Builtin("center_of_mass", [p("mask", .tensor)], .none, "centres [B, 2] (row, col) of masks [B, H, W]") { info in
    .tensor([info.type(0).shape?.first ?? .unknown, .known(2)])
  },
]

/// Data sets, star placement, metrics and the run folder (`Runtime/Builtins/Builtins+Data.swift`).
/// Kind of the builtins below that have effects (files, the clock, the random stream):
/// no IR pass drops, merges or reorders them.
private let effect = BuiltinKind.effect

/// The `state` of `resume`/`checkpoint`: an optimizer or model, or a tuple of them.
private func checkpointState(_ info: inout CallInfo, _ k: Int) {
  let parts: [ValueType]
  if case .tuple(let xs) = info.type(k) { parts = xs } else { parts = [info.type(k)] }
  for t in parts {
    switch t {
    case .optimizer, .model, .any, .error: continue
    default: info.fail("a checkpoint's state is optimizers and models (one, or a tuple), got \(t)", at: k)
    }
  }
}

let dataBuiltins: [Builtin] = [
  Builtin("load_data", [p("data", .string, .string("")), p("size", .int, .int(64)), p("train_images", .int, .int(10)),
                        p("validation", .int, .int(100)), p("seed", .int, .int(0))], .none,
          "(train_x [N, 1, S, S], train_y IntTensor [N, S, S], val_x, val_y): synthetic (data \"\") or an ACDC folder; ≤ 0 means all") { info in
    let s = info.int(1).map(Dim.known) ?? .unknown
    let x = ValueType.tensor([.unknown, .known(1), s, s]), y = ValueType.intTensor([.unknown, s, s])
    return .tuple([x, y, x, y])
  },
  Builtin("batch_indices", [p("count", .int), p("batch", .int), p("step", .int), p("seed", .int, .int(0))], .none,
          "IntTensor [batch] of item indices for training step `step` (a fresh shuffle of 0..<count each epoch)") { info in
    .intTensor([info.int(1).map(Dim.known) ?? .unknown])
  },
  Builtin("lv_mask", [p("labels", .tensor)], .none, "1 where an ACDC label map is LV cavity (3), else 0, as a Tensor") { info in
    .tensor(info.type(0).shape)
  },
  Builtin("star_jitter", [p("mask", .tensor), p("spread", .float, .float(1)), p("max_angle", .float, .float(0.5))], .none, kind: effect,
          "(centers [B, 2], angles [B]): centre of mass moved inside the object (σ = spread × radius), rotation in ±max_angle") { info in
    let b = info.type(0).shape?.first ?? .unknown
    return .tuple([.tensor([b, .known(2)]), .tensor([b])])
  },
  Builtin("dice_in_box", [p("a", .tensor), p("b", .tensor), p("centers", .tensor), p("half", .float)], .none,
          "hard Dice [B] of masks > ½ inside the square of half side `half` around each centre") { info in
    .tensor([info.type(0).shape?.first ?? .unknown])
  },
  Builtin("seed_all", [p("value", .int)], .none, kind: effect, "reseeds the random generator (for programs whose config field `seed` hides `seed`)") { _ in .void },
  Builtin("clock", [], .none, kind: effect, "seconds of a monotonic clock, for timing") { _ in .float },
  Builtin("fit_losses", [p("model", .module)], .none, kind: .effect,
          "the surrogate's training loss at each fit step of its latest @bypass(net) fit ([] before any)") { _ in .tensor([.unknown]) },
  Builtin("run_path", [p("name", .string)], .none, "the path of a file in the run folder (`--out`), creating the folder") { _ in .string },
  Builtin("log_metrics", [p("step", .int), p("values", .any)], .none, kind: effect,
          "appends [(name, number)] at step to metrics.csv and updates metrics.json (val_dice, best_val_dice, steps)") { _ in .void },
  Builtin("log_info", [p("values", .any)], .none, kind: effect, "merges (name, value) pairs (a list, or a tuple when types differ; a 1-D tensor is written as a list of numbers) into the run's metrics.json") { _ in .void },
  Builtin("plot_metrics", [p("name", .string, .string("metrics.png"))], .none, kind: effect,
          "plots the loss and Dice columns of metrics.csv against the step as a PNG in the run folder") { _ in .void },
  Builtin("write_overlays", [p("name", .string), p("images", .tensor), p("truth", .tensor), p("prediction", .tensor),
                             p("maps", .any, ConstValue.none), p("rows", .int, .int(8))], .none, kind: effect,
          "PNG grid in the run folder: image, ground truth, predicted contour, CNN map per row (thesis Fig. 5.6)") { _ in .void },
  Builtin("resume", [p("state", .any)], .none, kind: effect,
          "under `dpl run FILE --resume DIR`: restores `state` (an optimizer or model, or a tuple of them) and the random stream from DIR's checkpoint, drops the metrics rows logged after it, and returns its step; else 0. Once, right before the training loop") { info in
    checkpointState(&info, 0)
    return .int
  },
  Builtin("resumed", [p("name", .string), p("default", .any)], .none, kind: effect,
          "the value `checkpoint` saved under `name` when the run is resumed, else `default` (an Int, Float, Bool or String; a Float comes back bit for bit)") { info in
    switch info.type(1) {
    case .int, .float, .bool, .string, .any, .error: break
    default: info.fail("resumed keeps an Int, Float, Bool or String, got \(info.type(1))", at: 1)
    }
    return info.type(1)
  },
  Builtin("checkpoint", [p("step", .int), p("state", .any), p("values", .any, .list([])), p("every", .int, .int(1))], .none, kind: effect,
          "when `step` is a multiple of `every`, and at the step a SIGINT/SIGTERM asked the run to stop (which then ends, exit 130), writes `state`, the [(name, value)] pairs, the random stream, the step and how the run was started to the run folder's checkpoint/, atomically; under `dpl run` it needs an earlier `resume`") { info in
    checkpointState(&info, 1)
    return .void
  },
  Builtin("progress", [p("step", .int), p("total", .int), p("values", .any, .list([]))], .none, kind: effect,
          "a progress bar on stderr (redrawn on a terminal) with [(name, number)]; a `seconds` entry gives the time left") { _ in .void },
]

let misc: [Builtin] = [
  Builtin("print", [], variadic: true, .none, kind: .effect, "writes its arguments to stdout separated by spaces") { _ in .void },
  Builtin("len", [p("value", .any)], .none, "length of a list, tuple, or axis 0 of a tensor") { _ in .int },
  Builtin("item", [p("t", .tensor)], .none, "the value of a one-element tensor (Float, or Int for an IntTensor)") { info in
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
  },
  Builtin("int", [p("x", .real)], .integer, "truncates to Int (Tensor → IntTensor)") { info in
    if case .tensor(let s) = info.type(0) { return .intTensor(s) }
    if case .intTensor = info.type(0) { return info.type(0) }
    return .int
  },
  Builtin("str", [p("x", .any)], .none, "the printed form of a value") { _ in .string },
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
          "grad(x, …) { loss }: gradient of a scalar block w.r.t. tensors (a tuple for several)") { _ in .any },
  Builtin("value_and_grad", [], variadic: true, .none, kind: .special,
          "value_and_grad(x, …) { loss }: (loss, gradient)") { _ in .any },
  Builtin("check_grad", [], variadic: true, .none, kind: .special,
          "check_grad(x, net, …, eps:, directions:) { loss }: largest relative error of the tape gradient against central finite differences (a Float)") { _ in .float },
  Builtin("eval", [], .none, kind: .special, "eval { … }: runs a block in evaluation mode, without recording") { _ in .any },
  Builtin("stop_gradient", [p("x", .any)], .none, kind: .special, "the value, with no gradient, on purpose") { info in info.type(0) },
  Builtin("surrogate", [p("y", .any)], .differentiable, kind: .special,
          "the DiffBypass surrogate's output net(x) for a value made by @bypass(net) f(x)") { _ in .tensor(nil) },
]
