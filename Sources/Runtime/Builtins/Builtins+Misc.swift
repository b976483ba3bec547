import Autodiff
import Formats
import Foundation
import IR
import Language
import Tensor

extension BuiltinTable {
  static let misc: [String: BuiltinImpl] = [
    "print": { i, a, _ in
      i.output(a.map(ValueText.text).joined(separator: " ") + "\n")
      return .void
    },
    "len": { i, a, op in
      switch a[0] {
      case .list(let xs), .tuple(let xs): return .int(xs.count)
      case .string(let s): return .int(s.count)
      case .range(let lo, let hi): return .int(max(0, hi - lo))
      case .tensor(let v, _): return .int(v.shape.first ?? 1)
      case .intTensor(let t, _): return .int(t.shape.first ?? 1)
      default: throw RuntimeError("len: \(a[0].typeName) has no length", at: op.span)
      }
    },
    "item": { i, a, op in
      switch a[0] {
      case .intTensor(let t, _): return .int(Int(try t.item()))
      default: return .float(Double(try i.tensor(a[0], op).value.item()))
      }
    },
    "float": { i, a, op in
      switch a[0] {
      case .int(let n): return .float(Double(n))
      case .float: return a[0]
      default: return .tensor(try i.tensor(a[0], op))
      }
    },
    "int": { i, a, op in
      switch a[0] {
      case .int: return a[0]
      case .float(let f):
        guard f.isFinite, abs(f) < 9e18 else { throw RuntimeError("int: \(f) is not representable", at: op.span) }
        return .int(Int(f))
      default: return .intTensor(try i.intTensor(a[0], op), nil)
      }
    },
    "str": { _, a, _ in .string(ValueText.text(a[0])) },
    "format": { i, a, op in
      let digits = try i.int(a[1], op, "digits")
      guard Builtins.formatDigits.contains(digits) else {
        throw RuntimeError("format: digits must be in \(Builtins.formatDigits.lowerBound)...\(Builtins.formatDigits.upperBound), got \(digits)", at: op.span)
      }
      guard let text = ValueText.format(a[0], digits: digits) else {
        throw RuntimeError("format: expects a number or a tensor, got \(a[0].typeName)", at: op.span)
      }
      return .string(text)
    },
    "shape": { i, a, op in try i.member(a[0], "shape", op) },
    "assert": { i, a, op in
      if try !i.bool(a[0], op) { throw RuntimeError(try i.string(a[1], op), at: op.span) }
      return .void
    },
    "seed": { i, a, op in
      i.rng = RNG(seed: UInt64(bitPattern: Int64(try i.int(a[0], op, "seed"))))
      return .void
    },
    "save": { i, a, op in
      try i.save(a[0], to: i.path(a[1], op), op)
      return .void
    },
    "load": { i, a, op in
      let name: String? = if case .none = a[1] { nil } else { try i.string(a[1], op) }
      return try i.loadTensor(try i.path(a[0], op), name: name, op)
    },
    "load_into": { i, a, op in
      try i.load(into: a[0], from: i.path(a[1], op), op)
      return .void
    },
  ]
}

extension Interpreter {
  /// A path argument, relative to the working directory.
  func path(_ v: Value, _ op: IR.Op) throws -> URL {
    let p = try string(v, op)
    return p.hasPrefix("/") ? URL(fileURLWithPath: p) : workingDirectory.appendingPathComponent(p)
  }

  /// Batch-norm running statistics of a model, named after their layer's parameters.
  func runningStats(_ m: ModelInstance) -> [(String, RunningStats)] {
    m.layers.compactMap { l -> (String, RunningStats)? in
      guard let bn = l.layer as? BatchNorm2d else { return nil }
      return (String(bn.gamma.name.dropLast("weight".count)), bn.running)
    }
  }

  func statTensors(_ m: ModelInstance) -> [String: Tensor] {
    var t: [String: Tensor] = [:]
    for (prefix, r) in runningStats(m) {
      t[prefix + "running_mean"] = r.stats.mean
      t[prefix + "running_var"] = r.stats.variance
    }
    return t
  }

  /// `save(tensor | model | optimizer, path)`: safetensors, written atomically. An
  /// optimizer saves its model's parameters, its own state and its step count.
  func save(_ v: Value, to url: URL, _ op: IR.Op) throws {
    switch v {
    case .tensor(let t, _): try Safetensors.write(["tensor": t.value], metadata: [:], to: url)
    case .intTensor(let t, _): try Safetensors.write([:], ints: ["tensor": t], metadata: [:], to: url)
    case .gradient(let g):  // named as the model's checkpoints name its parameters
      try Safetensors.write(Dictionary(g.tensors, uniquingKeysWith: { a, _ in a }), metadata: [:], to: url)
    case .model(let m):
      // A DiffBypass surrogate keeps its own Adam state with it.
      try Checkpoint.save(m.parameters, optimizer: m.bypassOptimizer, extra: statTensors(m),
                          info: .init(step: 0, seed: seed), to: url)
    case .optimizer(let o):
      // The random stream goes with the optimizer, so a resumed run draws what the
      // uninterrupted one would have (bypass noise, dropout, `randn` without a seed).
      var extra: [String: String] = [:]
      if let r = rng.stateText { extra[Self.rngKey] = r }
      try Checkpoint.save(o.model.parameters, optimizer: o.optimizer, extra: statTensors(o.model),
                          info: .init(step: o.steps, seed: seed, extra: extra), to: url)
    default: throw RuntimeError("save: cannot save \(v.typeName)", at: op.span)
    }
  }

  /// `load_into(model | optimizer, path)`: restores parameters, running statistics and (for
  /// an optimizer) its state; nothing changes unless every name and shape matches.
  func load(into v: Value, from url: URL, _ op: IR.Op) throws {
    let (model, opt): (ModelInstance, OptimizerValue?)
    switch v {
    case .model(let m): (model, opt) = (m, nil)
    case .optimizer(let o): (model, opt) = (o.model, o)
    default: throw RuntimeError("load_into: expected a model or an optimizer, got \(v.typeName)", at: op.span)
    }
    let (info, extra) = try Checkpoint.load(url, into: model.parameters, optimizer: opt?.optimizer ?? model.bypassOptimizer,
                                            extra: statTensors(model))
    if opt == nil, model.bypassOptimizer == nil {  // a surrogate's optimizer state, for its next fit
      let state = try Safetensors.read(url).tensors.filter { $0.key.hasPrefix("optim.") }
      if !state.isEmpty {
        model.pendingBypassState = Dictionary(uniqueKeysWithValues: state.map { (String($0.key.dropFirst(6)), $0.value) })
      }
    }
    for (prefix, r) in runningStats(model) {
      if let mean = extra[prefix + "running_mean"], let variance = extra[prefix + "running_var"] {
        r.stats = BatchNormStats(mean: mean, variance: variance)
      }
    }
    guard let opt else { return }
    opt.steps = info.step
    if let text = info.extra[Self.rngKey] {
      guard let r = RNG(stateText: text) else {
        throw RuntimeError("load_into: \(url.path) has an unreadable random-generator state", at: op.span, exitCode: 74)
      }
      rng = r
    }
  }

  /// The checkpoint metadata key of the random generator's state.
  static let rngKey = "dpl.rng"
}
