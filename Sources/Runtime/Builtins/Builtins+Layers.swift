import Autodiff
import IR
import Tensor

extension BuiltinTable {
  static let layers: [String: BuiltinImpl] = [
    "dense": { i, a, op in
      let (cin, cout) = (try i.positive(a[0], op, "cin"), try i.positive(a[1], op, "cout"))
      try TensorSize.check([cout, cin], op: "dense")
      return i.layer("dense", Dense(cin, cout, bias: try i.bool(a[2], op), rng: &i.rng))
    },
    "conv2d": { i, a, op in
      let (cin, cout, k) = (try i.positive(a[0], op, "cin"), try i.positive(a[1], op, "cout"), try i.positive(a[2], op, "kernel"))
      let (s, p) = (try i.positive(a[3], op, "stride"), try i.int(a[4], op, "pad"))
      try TensorSize.check([cout, cin, k, k], op: "conv2d")
      return i.layer("conv2d", Conv2d(cin, cout, kernel: k, stride: s, padding: p, rng: &i.rng))
    },
    "conv_transpose2d": { i, a, op in
      let (cin, cout, k) = (try i.positive(a[0], op, "cin"), try i.positive(a[1], op, "cout"), try i.positive(a[2], op, "kernel"))
      let (s, p) = (try i.positive(a[3], op, "stride"), try i.int(a[4], op, "pad"))
      try TensorSize.check([cin, cout, k, k], op: "conv_transpose2d")
      return i.layer("conv_transpose2d", ConvTranspose2d(cin, cout, kernel: k, stride: s, padding: p, rng: &i.rng))
    },
    "batchnorm2d": { i, a, op in
      let c = try i.positive(a[0], op, "channels")
      try TensorSize.check([c], op: "batchnorm2d")
      return i.layer("batchnorm2d", BatchNorm2d(c, momentum: Float(try i.double(a[1], op)), eps: Float(try i.double(a[2], op))))
    },
    "max_pool2d": { i, a, op in
      let k = try i.positive(a[1], op, "k")
      let s = try i.optionalInt(a[2], op, "stride") ?? k
      let ceil = try i.bool(a[3], op)
      return .tensor(try i.prim(.maxPool2d(kernel: k, stride: s, ceil: ceil), [try i.tensor(a[0], op)], op))
    },
    "dropout": { i, a, op in
      let x = try i.tensor(a[0], op)
      let rate = try i.double(a[1], op, "rate")
      guard rate >= 0 && rate < 1 else { throw RuntimeError("dropout: rate must be in [0, 1), got \(rate)", at: op.span) }
      guard i.training, rate > 0 else { return .tensor(x) }
      let keep = Float(1 - rate)
      let u = try i.withSeed(a[2], op) { $0.uniform(x.shape) }
      let mask = u.map { $0 < keep ? 1 / keep : 0 }
      return .tensor(try i.prim(.binary(.mul), [x, Var(constant: mask)], op))
    },
    "adam": { i, a, op in
      let m = try i.modelArg(a[0], op)
      let opt = Adam(m.parameters, lr: Float(try i.double(a[1], op, "lr")), beta1: Float(try i.double(a[2], op)),
                     beta2: Float(try i.double(a[3], op)), eps: Float(try i.double(a[4], op)))
      return .optimizer(OptimizerValue(opt, model: m))
    },
    "sgd": { i, a, op in
      let m = try i.modelArg(a[0], op)
      let opt = SGD(m.parameters, lr: Float(try i.double(a[1], op, "lr")), momentum: Float(try i.double(a[2], op)))
      return .optimizer(OptimizerValue(opt, model: m))
    },
  ]
}

extension Interpreter {
  /// A layer value whose parameters are named by their role (`weight`, `bias`); the model
  /// field that holds the layer prefixes its path.
  func layer(_ kind: String, _ l: any Layer) -> Value {
    for p in l.parameters { p.name = String(p.name.split(separator: ".").last ?? Substring(p.name)) }
    return .layer(LayerValue(kind: kind, layer: l))
  }

  func positive(_ v: Value, _ op: IR.Op, _ what: String) throws -> Int {
    let n = try int(v, op, what)
    guard n >= 1 else { throw RuntimeError("\(what) must be at least 1, got \(n)", at: op.span) }
    return n
  }

  func modelArg(_ v: Value, _ op: IR.Op) throws -> ModelInstance {
    guard case .model(let m) = v else { throw RuntimeError("expected a model, got \(v.typeName)", at: op.span) }
    return m
  }
}
