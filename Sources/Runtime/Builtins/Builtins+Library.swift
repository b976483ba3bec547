import Autodiff
import IR
import Language
import Tensor

/// `cumsum`, `minimum`/`maximum`, `logsumexp`, `param`, and reductions over several axes.
extension BuiltinTable {
  static let library: [String: BuiltinImpl] = {
    var t: [String: BuiltinImpl] = [:]
    t["cumsum"] = { i, a, op in
      let axis = try i.int(a[1], op, "axis")
      if case .intTensor(let x, nil) = a[0] {
        return .intTensor(try x.cumsum(axis: axis), nil)
      }
      return .tensor(try i.prim(.cumsum(axis: axis), [try i.tensor(a[0], op)], op))
    }
    for (name, isMax) in [("minimum", false), ("maximum", true)] {
      t[name] = { i, a, op in
        switch (a[0], a[1]) {
        case (.int(let x), .int(let y)): return .int(isMax ? Swift.max(x, y) : Swift.min(x, y))
        case (.int, .float), (.float, .int), (.float, .float):
          let (x, y) = (try i.double(a[0], op), try i.double(a[1], op))
          return .float(x.isNaN || y.isNaN ? .nan : (isMax ? Swift.max(x, y) : Swift.min(x, y)))
        default: break
        }
        if let x = try Interpreter.integerValue(a[0], op), let y = try Interpreter.integerValue(a[1], op) {
          return .intTensor(try x.zip(y, isMax ? .maximum : .minimum), nil)  // exact, as all Int32 arithmetic
        }
        let (x, y) = (try i.tensor(a[0], op), try i.tensor(a[1], op))
        let w = try Tensor.extremumWeight(x.value, y.value, max: isMax)
        return .tensor(try i.prim(.select(weight: w), [x, y], op))
      }
    }
    t["logsumexp"] = { i, a, op in
      let y = try i.reduce(try i.tensor(a[0], op), axes: a[1], keepDims: try i.bool(a[2], op), op) { x, axis in
        var s = x.shape
        s.remove(at: axis)
        return try i.prim(.reshape(s), [try i.prim(.logSumExp(axis: axis), [x], op)], op)
      }
      return .tensor(y)
    }
    t["param"] = { i, a, op in
      let shape = try i.ints(a[0], op)
      try TensorSize.check(shape, op: "param")
      let scale = Float(try i.double(a[2], op, "scale"))
      let value: Tensor
      switch try i.string(a[1], op) {
      case "normal": value = i.rng.normal(shape, std: scale)
      case "uniform": value = i.rng.uniform(shape, lo: -scale, hi: scale)
      case "zeros": value = Tensor(shape: shape, repeating: 0)
      case "ones": value = Tensor(shape: shape, repeating: 1)
      case let other:
        throw RuntimeError("param: unknown init '\(other)'", at: op.span,
                           notes: ["use " + parameterInits.joined(separator: ", ")])
      }
      return .parameter(Parameter("", value))  // the model field holding it names it
    }
    return t
  }()
}

extension Interpreter {
  /// The axes an `axis:` argument names, in increasing order: none (every axis), one Int,
  /// or a list of distinct axes; negative ones count from the end.
  func reductionAxes(_ arg: Value, rank: Int, _ op: IR.Op) throws -> [Int] {
    if case .none = arg { return Array(0..<rank) }
    var axes: [Int] = []
    for a in try ints(arg, op, "axis") {
      guard let ax = ShapeRules.axis(a, rank: rank) else {
        throw RuntimeError("axis \(a) is out of range for a tensor of rank \(rank)", at: op.span)
      }
      guard !axes.contains(ax) else { throw RuntimeError("axis \(a) is given twice", at: op.span) }
      axes.append(ax)
    }
    return axes.sorted()
  }

  /// A reduction over the axes an `axis:` argument names: none (every element), one, or a
  /// list. Several axes are moved to the end and merged, so `reduceOne(x, axis)` — which
  /// reduces one axis and drops it — runs once, and ties of max and min are shared among
  /// all the reduced elements, as for one axis.
  func reduce(_ v: Var, axes arg: Value, keepDims: Bool, _ op: IR.Op,
              _ reduceOne: (Var, Int) throws -> Var) throws -> Var {
    let shape = v.shape, rank = shape.count
    let axes = try reductionAxes(arg, rank: rank, op)
    if axes.isEmpty { return v }
    var kept = shape
    for ax in axes { kept[ax] = 1 }
    let rest = (0..<rank).filter { !axes.contains($0) }
    var x = v
    if axes.count > 1 {
      if rest + axes != Array(0..<rank) { x = try prim(.permute(rest + axes), [x], op) }
      x = try prim(.reshape(rest.map { shape[$0] } + [axes.reduce(1) { $0 * shape[$1] }]), [x], op)
    }
    let y = try reduceOne(x, axes.count > 1 ? rest.count : axes[0])
    return keepDims && y.shape != kept ? try prim(.reshape(kept), [y], op) : y
  }
}
