import Tensor

extension Primitive {
  /// The vector-Jacobian product: given the gradient `g` of the output, the gradient of
  /// each input (nil where an input gets none). Results may have the broadcast output's
  /// shape; the tape sums them to each input's shape (`Tensor.sum(toShape:)`), the one
  /// place where un-broadcasting happens.
  ///
  /// This switch is the table of gradient rules: one entry per differentiable primitive.
  /// `shapes` are the inputs' shapes; `x` holds their values only when `vjpNeedsInputs` (the
  /// tape drops them otherwise, so rules that need no input value read only `shapes`).
  /// `active[k]` says whether input `k` needs a gradient at all (rules with a costly
  /// input gradient — the convolutions — skip it when not).
  func vjp(_ x: [Tensor], shapes: [[Int]], _ y: Tensor, _ saved: Saved, _ g: Tensor,
           active: [Bool] = []) throws -> [Tensor?] {
    let needsInputGrad = active.first ?? true
    switch self {
    case .leaf: return []
    case .stopGradient: return [nil]
    case .binary(let op):
      // Read only by the rules that keep their inputs (not add or sub: `vjpNeedsInputs`).
      var a: Tensor { x[0] }
      var b: Tensor { x[1] }
      switch op {
      case .add: return [g, g]
      case .sub: return [g, g.map(.neg)]
      case .mul: return [try g * b, try g * a]
      case .div:
        let ga = try g / b
        return [ga, try (ga * a / b).map(.neg)]
      case .pow:
        // d/da a^b = b a^(b-1) = b y / a ; d/db = y log a
        let ga = try g * b * (try a.zip(b.zip(scalar: 1, .sub), .pow))
        let gb = try g * y * a.map(.log)
        return [ga, gb]
      case .maximum, .minimum:
        let pick = try a.zip(b, op == .maximum ? .greaterEqual : .lessEqual)
        return [try g * pick, try g * pick.zip(scalar: -1, .mul).zip(scalar: 1, .add)]
      case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual:
        throw TensorError(op.rawValue, "comparison has no gradient")
      case .mod:  // `%` on tensors is computed off the tape
        throw TensorError(op.rawValue, "the remainder is not differentiated")
      }
    case .unary(let op):
      switch op {  // the activations of large maps have vectorised loops of their own
      case .neg: return [g.map(.neg)]
      case .relu: return [try reluBackward(g, y)]
      case .sigmoid: return [try sigmoidBackward(g, y: y)]
      case .tanh: return [try tanhBackward(g, y: y)]
      default: return [try g.mapBackward(op, x: x.first, y: y)]
      }
    case .scale(let s): return [g * s]
    case .shift: return [g]
    case .matmul: return try matmulVJP(x[0], x[1], g)
    case .reduce(let op, let axis, let keep):
      let shape = shapes[0]
      var gk = g
      if let axis, !keep {  // put the reduced axis back as extent 1
        var s = shape
        s[axis < 0 ? axis + shape.count : axis] = 1
        gk = try g.reshaped(s)
      } else if axis == nil {
        gk = try g.reshaped(shape.map { _ in 1 })
      }
      switch op {
      case .sum: return [try gk.broadcast(to: shape)]
      case .mean: return [try gk.broadcast(to: shape) * (Float(gk.count) / Float(max(shape.reduce(1, *), 1)))]
      case .max, .min:
        // Split the gradient evenly among tied extreme elements.
        let a = x[0]
        let yk = try y.reshaped(gk.shape)
        let hit = try a.zip(yk, .equal)
        let ties = try hit.reduce(.sum, axis: axis, keepDims: true)
        return [try hit * (gk / ties)]
      }
    case .reshape: return [try g.reshaped(shapes[0])]
    case .permute(let p):
      var inv = [Int](repeating: 0, count: p.count)
      for (i, d) in p.enumerated() { inv[d] = i }
      return [try g.permuted(inv)]
    case .slice(let r): return [try Tensor.unslice(g, ranges: r, shape: shapes[0])]
    case .concat(let axis):
      var out: [Tensor?] = []
      var lo = 0
      let ax = axis < 0 ? axis + g.rank : axis
      for (k, part) in shapes.enumerated() {
        defer { lo += part[ax] }
        // A constant part (the zero pad of ceil-mode pooling) needs no gradient.
        guard k >= active.count || active[k] else { out.append(nil); continue }
        var ranges = [SliceRange](repeating: .all, count: ax)
        ranges.append(SliceRange(lo, lo + part[ax]))
        out.append(try g.sliced(ranges))
      }
      return out
    case .pad(let p, _): return [try g.padded(p.map { (-$0.0, -$0.1) })]
    case .gather(let i, let a): return [Tensor.ungather(g, index: i, axis: a, shape: shapes[0])]
    case .takeAlong(let i, let a): return [try Tensor(shape: shapes[0], repeating: 0).scatteringAdd(i, g, axis: a)]
    case .scatterAdd(let i, let a): return [g, try g.takingAlong(i, axis: a)]
    case .select(let w): return [try g * w, try g * w.map(.neg).zip(scalar: 1, .add)]
    case .cumsum(let a): return [try g.cumsum(axis: a, reverse: true)]
    case .logSumExp: return [try g * (x[0] - y).map(.exp)]  // softmax along the axis
    case .assignSlice(let r):
      let region = try g.sliced(r)
      return [try g.assigningSlice(Tensor(shape: region.shape, repeating: 0), ranges: r), region]
    case .broadcast: return [g]
    case .conv2d(let s, let p):
      let r = try conv2dBackward(g, x: x[0], weight: x[1], hasBias: x.count > 2, stride: s, padding: p,
                                 needInputGrad: needsInputGrad)
      return [r.dx, r.dw] + (x.count > 2 ? [r.db] : [])
    case .conv2dReLU(let s, let p):
      let r = try conv2dReLUBackward(g, y: y, x: x[0], weight: x[1], hasBias: x.count > 2, stride: s,
                                     padding: p, needInputGrad: needsInputGrad)
      return [r.dx, r.dw] + (x.count > 2 ? [r.db] : [])
    case .convTranspose2d(let s, let p):
      let r = try convTranspose2dBackward(g, x: x[0], weight: x[1], hasBias: x.count > 2, stride: s, padding: p,
                                          needInputGrad: needsInputGrad)
      return [r.dx, r.dw] + (x.count > 2 ? [r.db] : [])
    case .maxPool2d:
      guard let idx = saved.indices else { throw TensorError("max_pool2d", "no saved indices") }
      return [try maxPool2dBackward(g, indices: idx, inputShape: shapes[0])]
    case .batchNorm2d(let running, let training, _, let eps, let relu):
      if training {
        let r = try batchNorm2dBackward(g, x: x[0], gamma: x[1], mean: saved.tensors[0], invstd: saved.tensors[1],
                                        reluBeta: relu ? x[2] : nil)
        return [r.dx, r.dgamma, r.dbeta]
      }
      return try batchNormEvalVJP(relu ? try reluBackward(g, y) : g, x: x[0], gamma: x[1], stats: running.stats, eps: eps)
    case .upsample(_, _, let m): return [try upsampleBackward(g, inputShape: shapes[0], mode: m)]
    case .softmax(let a): return [try softmaxBackward(g, y: y, axis: a)]
    case .logSoftmax(let a): return [try logSoftmaxBackward(g, y: y, axis: a)]
    case .mse:
      let r = try mseBackward(g, x[0], x[1])
      return [r.da, r.db]
    case .nll(let t, let a): return [try nllBackward(g, inputShape: shapes[0], target: t, classAxis: a)]
    case .crossEntropy(let t, let a): return [try crossEntropyBackward(g, logits: x[0], target: t, classAxis: a)]
    case .starSample(let c, let r, let p, let i):
      return [try starSampleBackward(g, centers: c, rotation: r, pattern: p, interpolation: i,
                                     height: shapes[0][2], width: shapes[0][3])]
    case .diff(let a): return [try diffBackward(g, axis: a)]
    case .smoothCircular(let w): return [try smoothCircularBackward(g, window: w)]
    case .dpContourSoft(let d, let gamma): return [try dpContourSoftBackward(g, g: x[0], delta: d, gamma: gamma)]
    case .custom(_, let rule): return try rule(g)
    }
  }
}

/// Gradients of a batched matrix product (both operands rank ≥ 2; the tape reshapes
/// vectors before recording).
func matmulVJP(_ a: Tensor, _ b: Tensor, _ g: Tensor) throws -> [Tensor?] {
  let ga = try g.matmul(b.transposed(-1, -2))
  let gb = try a.transposed(-1, -2).matmul(g)
  return [ga, gb]
}

/// Evaluation-mode batch norm is a per-channel affine map `x·a + b` with
/// `a = gamma/√(var + eps)`; its gradients follow directly.
func batchNormEvalVJP(_ g: Tensor, x: Tensor, gamma: Tensor, stats: BatchNormStats, eps: Float) throws -> [Tensor?] {
  let c = gamma.count
  let perChannel = [1, c] + Array(repeating: 1, count: max(0, x.rank - 2))
  let std = try stats.variance.zip(scalar: eps, .add).map(.sqrt).reshaped(perChannel)
  let xhat = try (x - stats.mean.reshaped(perChannel)) / std
  func channelSum(_ t: Tensor) throws -> Tensor { try t.sum(toShape: perChannel).reshaped([c]) }
  let dx = try g * (gamma.reshaped(perChannel) / std)
  return [dx, try channelSum(g * xhat), try channelSum(g)]
}
