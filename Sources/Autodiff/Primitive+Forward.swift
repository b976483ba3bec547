import Tensor

extension Primitive {
  /// Runs the forward kernel. Throws `TensorError` on a shape or argument error.
  public func forward(_ x: [Tensor]) throws -> (Tensor, Saved) {
    switch self {
    case .leaf, .stopGradient: return (x[0], Saved())
    case .binary(let b): return (try x[0].zip(x[1], b), Saved())
    case .unary(let u): return (x[0].map(u), Saved())
    case .scale(let s): return (x[0].zip(scalar: s, .mul), Saved())
    case .shift(let s): return (x[0].zip(scalar: s, .add), Saved())
    case .matmul: return (try x[0].matmul(x[1]), Saved())
    case .reduce(let r, let axis, let keep): return (try x[0].reduce(r, axis: axis, keepDims: keep), Saved())
    case .reshape(let s): return (try x[0].reshaped(s), Saved())
    case .permute(let p): return (try x[0].permuted(p), Saved())
    case .slice(let r): return (try x[0].sliced(r), Saved())
    case .concat(let a): return (try Tensor.concat(x, axis: a), Saved())
    case .pad(let p, let v): return (try x[0].padded(p, value: v), Saved())
    case .gather(let i, let a): return (try x[0].gathered(i, axis: a), Saved())
    case .takeAlong(let i, let a): return (try x[0].takingAlong(i, axis: a), Saved())
    case .scatterAdd(let i, let a): return (try x[0].scatteringAdd(i, x[1], axis: a), Saved())
    case .select(let w): return (try Tensor.select(w, x[0], x[1]), Saved())
    case .cumsum(let a): return (try x[0].cumsum(axis: a), Saved())
    case .logSumExp(let a): return (try x[0].logSumExp(axis: a), Saved())
    case .assignSlice(let r): return (try x[0].assigningSlice(x[1], ranges: r), Saved())
    case .broadcast(let s): return (try x[0].broadcast(to: s), Saved())
    case .conv2d(let s, let p):
      return (try kConv2d(x[0], weight: x[1], bias: x.count > 2 ? x[2] : nil, stride: s, padding: p), Saved())
    case .conv2dReLU(let s, let p):
      return (try kConv2d(x[0], weight: x[1], bias: x.count > 2 ? x[2] : nil, stride: s, padding: p, relu: true), Saved())
    case .convTranspose2d(let s, let p):
      return (try kConvTranspose2d(x[0], weight: x[1], bias: x.count > 2 ? x[2] : nil, stride: s, padding: p), Saved())
    case .maxPool2d(let k, let s, let c):
      let (y, idx) = try kMaxPool2d(x[0], kernel: k, stride: s, ceil: c)
      return (y, Saved(indices: idx))
    case .batchNorm2d(let running, let training, let momentum, let eps, let relu):
      if training {
        let r = try batchNorm2dTraining(x[0], gamma: x[1], beta: x[2], running: &running.stats, momentum: momentum,
                                        eps: eps, relu: relu)
        return (r.y, Saved(tensors: [r.mean, r.invstd]))
      }
      return (try batchNorm2dInference(x[0], gamma: x[1], beta: x[2], running: running.stats, eps: eps, relu: relu), Saved())
    case .upsample(let h, let w, let m): return (try kUpsample(x[0], size: (h, w), mode: m), Saved())
    case .softmax(let a): return (try kSoftmax(x[0], axis: a), Saved())
    case .logSoftmax(let a): return (try kLogSoftmax(x[0], axis: a), Saved())
    case .mse: return (try kMSE(x[0], x[1]), Saved())
    case .nll(let t, let a): return (try kNLL(x[0], target: t, classAxis: a), Saved())
    case .crossEntropy(let t, let a): return (try kCrossEntropy(x[0], target: t, classAxis: a), Saved())
    case .starSample(let c, let r, let p, let i):
      return (try kStarSample(x[0], centers: c, rotation: r, pattern: p, interpolation: i), Saved())
    case .diff(let a): return (try kDiff(x[0], axis: a), Saved())
    case .smoothCircular(let w): return (try kSmoothCircular(x[0], window: w), Saved())
    case .dpContourSoft(let d, let g): return (try kDPContourSoft(x[0], delta: d, gamma: g), Saved())
    case .custom(let name, _):
      throw TensorError(name, "a custom op has no forward kernel; record it with Tape.custom")
    }
  }
}

