import Tensor

/// A differentiable primitive and its constant attributes.
///
/// Each case's forward kernel is in `Primitive+Forward.swift` and its vector-Jacobian product in
/// `Primitive+VJP.swift`: one switch each, so every op is found by following one enum case.
/// Constant operands that receive no gradient (targets, indices, centres) are attributes.
public enum Primitive: CustomStringConvertible {
  /// A tape input (a watched tensor or parameter).
  case leaf
  case binary(ZipOp)            // add sub mul div pow maximum minimum
  case unary(MapOp)              // neg exp log sqrt abs relu sigmoid tanh square sin cos
  case scale(Float)                // x * s
  case shift(Float)                // x + s
  case matmul
  case reduce(ReduceOp, axis: Int?, keepDims: Bool)
  case reshape([Int])
  case permute([Int])
  case slice([SliceRange])
  case concat(axis: Int)
  case pad([(Int, Int)], value: Float)
  case gather(IntTensor, axis: Int)
  /// Per-row gather: `out[p] = x[p with its axis coordinate replaced by index[p]]`.
  case takeAlong(IntTensor, axis: Int)
  /// Inputs: x, src (shaped like the index): x with src added where `takeAlong` reads.
  case scatterAdd(IntTensor, axis: Int)
  /// Inputs: a, b: `a` where `weight > 0`, else `b`; the gradient goes to `a` times `weight`
  /// and to `b` times `1 − weight` (a 0/1 mask for `where`, ½ on the ties of `maximum`).
  case select(weight: Tensor)
  /// Running sums along an axis.
  case cumsum(axis: Int)
  /// `log Σ exp` along an axis, kept with extent 1.
  case logSumExp(axis: Int)
  /// Inputs: x, value (the region's shape): x with the region of `ranges` replaced by value.
  case assignSlice([SliceRange])
  case broadcast([Int])
  /// Inputs: x [N, Cin, H, W], weight [Cout, Cin, kh, kw], optional bias [Cout].
  case conv2d(stride: Int, padding: Int)
  /// `relu(conv2d(…))` in one pass (same inputs as `conv2d`); its VJP masks the gradient by
  /// the output, so the pre-activation never has to be kept.
  case conv2dReLU(stride: Int, padding: Int)
  /// Inputs: x [N, Cin, H, W], weight [Cin, Cout, kh, kw], optional bias [Cout].
  case convTranspose2d(stride: Int, padding: Int)
  case maxPool2d(kernel: Int, stride: Int, ceil: Bool)
  /// Inputs: x [N, C, …], gamma [C], beta [C]. Training mode normalises by batch statistics
  /// and updates `running`; evaluation mode uses `running`.
  /// Batch norm, followed by a ReLU in the same passes when `relu`.
  case batchNorm2d(running: RunningStats, training: Bool, momentum: Float, eps: Float, relu: Bool)
  /// Resizes [N, C, H, W] to `size`.
  case upsample(height: Int, width: Int, mode: UpsampleMode)
  case softmax(axis: Int)
  case logSoftmax(axis: Int)
  /// Mean squared error of inputs [a, b]; a 0-d result.
  case mse
  /// Mean negative log-likelihood of log-probabilities against class indices.
  case nll(target: IntTensor, classAxis: Int?)
  /// Mean cross-entropy of logits against class indices.
  case crossEntropy(target: IntTensor, classAxis: Int?)
  /// Samples a map [B, C, H, W] on a star pattern around `centers` [B, 2].
  case starSample(centers: Tensor, rotation: Tensor?, pattern: StarPattern, interpolation: StarInterpolation)
  /// `t[…, 1:] − t[…, :-1]` along an axis.
  case diff(axis: Int)
  /// Circular moving average over axis 1 (the rays).
  case smoothCircular(window: Int)
  /// Marginals `[B, N, M]` of the Gibbs distribution over closed contours (the smoothed
  /// `dp_contour`); its VJP is the second-order pass (a Hessian-vector product).
  case dpContourSoft(delta: Int, gamma: Float)
  /// A gradient-free identity: forward passes the value, backward passes nothing.
  case stopGradient
  /// An op whose backward is a closure made by its caller (bypass estimators, surrogates).
  case custom(name: String, vjp: (Tensor) throws -> [Tensor?])

  public var description: String {
    switch self {
    case .leaf: return "leaf"
    case .binary(let b): return b.rawValue
    case .unary(let u): return u.rawValue
    case .scale(let s): return "scale(\(s))"
    case .shift(let s): return "shift(\(s))"
    case .matmul: return "matmul"
    case .reduce(let r, let axis, _): return axis.map { "\(r.rawValue)(axis: \($0))" } ?? r.rawValue
    case .reshape(let s): return "reshape\(shapeString(s))"
    case .permute(let p): return "permute\(p)"
    case .slice: return "slice"
    case .concat(let a): return "concat(axis: \(a))"
    case .pad: return "pad"
    case .gather(_, let a): return "gather(axis: \(a))"
    case .takeAlong(_, let a): return "take_along(axis: \(a))"
    case .scatterAdd(_, let a): return "scatter_add(axis: \(a))"
    case .select: return "select"
    case .cumsum(let a): return "cumsum(axis: \(a))"
    case .logSumExp(let a): return "logsumexp(axis: \(a))"
    case .assignSlice: return "assign_slice"
    case .broadcast(let s): return "broadcast\(shapeString(s))"
    case .conv2d(let s, let p): return "conv2d(stride: \(s), padding: \(p))"
    case .conv2dReLU(let s, let p): return "conv2d_relu(stride: \(s), padding: \(p))"
    case .convTranspose2d(let s, let p): return "conv_transpose2d(stride: \(s), padding: \(p))"
    case .maxPool2d(let k, let s, let c): return "max_pool2d(kernel: \(k), stride: \(s)\(c ? ", ceil" : ""))"
    case .batchNorm2d(_, let training, _, _, let relu):
      return "batch_norm2d\(relu ? "_relu" : "")(\(training ? "train" : "eval"))"
    case .upsample(let h, let w, let m): return "upsample(\(h)×\(w), \(m.rawValue))"
    case .softmax(let a): return "softmax(axis: \(a))"
    case .logSoftmax(let a): return "log_softmax(axis: \(a))"
    case .mse: return "mse"
    case .nll: return "nll"
    case .crossEntropy: return "cross_entropy"
    case .starSample(_, _, let p, let i): return "star_sample(lines: \(p.lines), points: \(p.points), \(i.rawValue))"
    case .diff(let a): return "diff(axis: \(a))"
    case .smoothCircular(let w): return "smooth_circular(window: \(w))"
    case .dpContourSoft(let d, let g): return "dp_contour_soft(delta: \(d), gamma: \(g))"
    case .stopGradient: return "stop_gradient"
    case .custom(let name, _): return name
    }
  }

  /// Whether the VJP of this op needs to read the forward output (else it can be dropped).
  var vjpNeedsOutput: Bool {
    switch self {
    case .unary(let u): return u.derivativeReads == .output
    case .binary(.pow), .reduce(.max, _, _), .reduce(.min, _, _), .softmax, .logSoftmax, .conv2dReLU, .logSumExp: return true
    case .batchNorm2d(_, let training, _, _, let relu): return relu && !training  // training: mask from x
    default: return false
    }
  }
}

extension Primitive {
  /// Whether the VJP reads the input values (else the tape keeps only their shapes, so a
  /// value nothing else needs is freed as soon as the forward pass is done with it).
  var vjpNeedsInputs: Bool {
    switch self {
    case .leaf, .stopGradient, .binary(.add), .binary(.sub), .scale, .shift, .reshape, .permute, .slice,
         .concat, .pad, .gather, .broadcast, .maxPool2d, .upsample, .softmax, .logSoftmax, .nll,
         .starSample, .diff, .smoothCircular, .custom, .takeAlong, .scatterAdd, .select, .cumsum, .assignSlice:
      return false
    case .unary(let u): return u.derivativeReads == .input
    case .reduce(let r, _, _): return r == .max || r == .min
    default: return true
    }
  }
}

/// Extra values a forward pass keeps for its backward pass.
public struct Saved {
  public var tensors: [Tensor] = []
  public var indices: IntTensor?
  public init(tensors: [Tensor] = [], indices: IntTensor? = nil) {
    self.tensors = tensors
    self.indices = indices
  }
}

/// Batch-norm running statistics, shared by a layer and the ops it records.
public final class RunningStats {
  public var stats: BatchNormStats
  public init(channels: Int) { stats = BatchNormStats(channels: channels) }
}
