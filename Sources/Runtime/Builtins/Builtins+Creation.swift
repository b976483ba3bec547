import Autodiff
import IR
import Tensor

extension BuiltinTable {
  static let creation: [String: BuiltinImpl] = [
    "tensor": { i, a, op in
      let t = try i.tensorLiteral(a[0], op)
      guard Interpreter.isIntList(a[0]) else { return .tensor(t) }
      return .intTensor(try IntTensor(shape: t.shape, scalars: try i.flatInts(a[0], op)), nil)
    },
    "zeros": { i, a, op in .tensor(Tensor.zeros(try i.shapeArg(a[0], op))) },
    "ones": { i, a, op in .tensor(Tensor.ones(try i.shapeArg(a[0], op))) },
    "full": { i, a, op in .tensor(Tensor(shape: try i.shapeArg(a[0], op), repeating: Float(try i.double(a[1], op)))) },
    "randn": { i, a, op in
      let shape = try i.shapeArg(a[0], op)
      return .tensor(try i.withSeed(a[1], op) { $0.normal(shape) })
    },
    "rand": { i, a, op in
      let shape = try i.shapeArg(a[0], op)
      return .tensor(try i.withSeed(a[1], op) { $0.uniform(shape) })
    },
    "linspace": { i, a, op in
      let n = try i.int(a[2], op, "count")
      guard n >= 0 else { throw RuntimeError("linspace: count must be ≥ 0, got \(n)", at: op.span) }
      try TensorSize.check([n], op: "linspace")
      return .tensor(Tensor.linspace(Float(try i.double(a[0], op)), Float(try i.double(a[1], op)), n))
    },
    "arange": { i, a, op in
      let n = try i.int(a[0], op, "count")
      guard n >= 0 else { throw RuntimeError("arange: count must be ≥ 0, got \(n)", at: op.span) }
      try TensorSize.check([n], op: "arange")
      return .tensor(Tensor(shape: [n]) { Float($0) })  // a Float tensor, as the checker types it
    },
    "eye": { i, a, op in
      let n = try i.int(a[0], op, "n")
      guard n >= 0 else { throw RuntimeError("eye: n must be ≥ 0, got \(n)", at: op.span) }
      try TensorSize.check([n, n], op: "eye")
      return .tensor(Tensor(shape: [n, n]) { $0 / n == $0 % n ? 1 : 0 })
    },
  ]
}

extension Interpreter {
  /// A shape argument: a list of non-negative Ints whose tensor passes `TensorSize.check`
  /// (the error names the builtin).
  func shapeArg(_ v: Value, _ op: IR.Op) throws -> [Int] {
    let s = try ints(v, op)
    try TensorSize.check(s, op: builtinName(op))
    return s
  }

  /// The name of the builtin `op` calls, for errors of a check shared by several builtins.
  func builtinName(_ op: IR.Op) -> String {
    if case .builtin(let id) = op.kind { return id.name }
    return "tensor"
  }

  /// Draws from a generator seeded by `seed` when one is given (`seed: N` with N ≥ 0 —
  /// the same numbers every time), else from the program's stream.
  func withSeed<T>(_ seed: Value, _ op: IR.Op, _ body: (inout RNG) -> T) throws -> T {
    if case .none = seed { return body(&rng) }
    var r = RNG(seed: UInt64(bitPattern: Int64(try int(seed, op, "seed"))))
    return body(&r)
  }
}
