import Language

extension OpKind {
  /// True when the op has no effect besides its result and gives the same result for the
  /// same operands (so DCE may drop it and CSE may merge it).
  public var isPure: Bool {
    switch self {
    case .const, .binary, .unary, .list, .tuple, .index, .member, .range, .format, .stopGradient, .surrogate, .config:
      return true
    case .builtin(let id):
      return id.builtin.kind == .function  // `.effect` builtins are never pure
    default:
      return false
    }
  }

  /// Reads that are free of effects but may change between two executions (never merged).
  var isRemovableRead: Bool {
    switch self {
    case .varGet, .globalGet, .fieldGet: return true
    default: return false
    }
  }
}

extension Region {
  /// Calls `visit` on every op, recursively, in order.
  package func forEachOp(_ visit: (Op) -> Void) {
    for op in ops {
      visit(op)
      for r in op.regions { r.forEachOp(visit) }
    }
  }

  /// Rewrites every operand through `map` (recursively).
  mutating func substitute(_ map: [ValueID: ValueID]) {
    guard !map.isEmpty else { return }
    for i in ops.indices {
      ops[i].operands = ops[i].operands.map { resolve($0, map) }
      for j in ops[i].regions.indices { ops[i].regions[j].substitute(map) }
    }
  }

  /// Number of ops, recursively.
  var opCount: Int {
    var n = 0
    forEachOp { _ in n += 1 }
    return n
  }
}

/// Follows a substitution chain to its end.
func resolve(_ v: ValueID, _ map: [ValueID: ValueID]) -> ValueID {
  var v = v
  var steps = 0
  while let w = map[v], w != v, steps < 10_000 {
    v = w
    steps += 1
  }
  return v
}

extension Function {
  /// How many times each value is used as an operand.
  func useCounts() -> [ValueID: Int] {
    var uses: [ValueID: Int] = [:]
    body.forEachOp { op in for o in op.operands { uses[o, default: 0] += 1 } }
    return uses
  }

  /// The type of every value defined in the function.
  func valueTypes() -> [ValueID: ValueType] {
    var t: [ValueID: ValueType] = [:]
    for (p, ty) in zip(body.params, paramTypes) { t[p] = ty }
    body.forEachOp { op in if let r = op.result { t[r] = op.type } }
    return t
  }
}

extension Op {
  /// A `bypass` op's operands by role: the bypassed inputs, the strategy value (a model for
  /// DiffBypass, or a String naming the strategy), and the option values in the order of
  /// its option names.
  public var bypassOperands: (inputs: ArraySlice<ValueID>, model: ValueID?, options: ArraySlice<ValueID>)? {
    guard case .bypass(let s, _, let k) = kind, operands.count >= k else { return nil }
    let model = (s == "model" || s == BypassInfo.dynamic) && operands.count > k ? operands[k] : nil
    let first = k + (model == nil ? 0 : 1)
    return (operands[..<k], model, operands[min(first, operands.count)...])
  }
}

extension ValueType {
  /// True when a value of this type can hold no tensor: a scalar, a string, a range, a
  /// function, or a list or tuple of those. `Any` may hold one.
  var holdsNoTensor: Bool {
    switch self {
    case .int, .float, .bool, .string, .void, .range, .function, .builtin, .module: return true
    case .list(let e, _): return e.holdsNoTensor
    case .tuple(let es): return es.allSatisfy(\.holdsNoTensor)
    default: return false
    }
  }
}

extension IRModule {
  /// False when no value of the program can be a tensor, a layer or a model — scalar code,
  /// which never reaches a BLAS kernel — so `dpl run` need not load OpenBLAS for it.
  public var mayComputeTensors: Bool {
    !functions.allSatisfy { f in
      var scalar = f.resultType.holdsNoTensor && f.paramTypes.allSatisfy(\.holdsNoTensor)
      f.body.forEachOp { op in scalar = scalar && op.type.holdsNoTensor }
      return scalar
    }
  }
}
