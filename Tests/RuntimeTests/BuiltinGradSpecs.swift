import Autodiff
import Language
import Tensor

/// How one differentiable builtin is called in its finite-difference check
/// (`BuiltinGradCheckTests`).
///
/// The check compiles `setup` followed by `fn f(x0: Tensor, x1: Tensor, …) -> Tensor { call }`
/// and calls `f` through the interpreter, so the builtin runs as a user's program runs it:
/// checker, lowering (defaults filled in), passes (fusion), dispatch and the runtime's
/// implementation. `x0, x1, …` are the differentiated arguments; fixed arguments (targets,
/// centres, options) are written into `call` or bound in `setup`.
struct GradSpec: CustomStringConvertible {
  /// Names the case in failure messages (the builtin and what is special about the call).
  var label: String
  /// The builtin the case is filed under (set by the table); the compiled program must call it.
  var builtin: String?
  /// Top-level dpl run before the check: layers, models and constant tensors `f` reads.
  var setup = ""
  /// The body of `f`: an expression over `x0, x1, …`.
  var call: String
  /// The differentiated arguments `x0, x1, …`.
  var inputs: [GradInput]
  /// Also check the gradients of the parameters of every layer or model `setup` binds.
  var parameters = false
  /// Seeds the inputs' values. Cases with a ReLU after a layer use a seed whose
  /// pre-activations stay ≥ 0.03 from the kink at 0 (the layer's initial parameters come
  /// from the program's seed, 1), so no step of ±h crosses it.
  var seed: UInt64 = 100
  /// Runs `f` in training mode (batch statistics, dropout on).
  var training = false
  /// Calls `f` once in training mode before the check (moves batch-norm running statistics
  /// away from their initial values, so an evaluation-mode check is not a trivial one).
  var warmup = false
  /// The finite-difference step.
  var h: Float = 1e-2
  /// An element passes when `|analytic − numeric| ≤ atol + rtol·|numeric|`.
  var atol = 2e-3
  var rtol = 1e-2

  var description: String { label }
}

/// A differentiated argument: its shape and how its values are drawn.
struct GradInput {
  enum Values {
    /// Uniform in `lo ..< hi`; with `signs`, each element's sign is flipped at random (keeps
    /// |x| ≥ lo: away from the kinks of abs, relu and friends when lo > 0).
    case uniform(lo: Float, hi: Float, signs: Bool)
    /// Distinct values `spacing` apart in a fixed random order, centred on 0: no ties for
    /// max, min and max pooling, even after a step of ±h (keep spacing > 2h).
    case distinct(spacing: Float)
  }
  var shape: [Int]
  var values: Values

  /// Uniform in −1 ..< 1.
  static func any(_ shape: [Int]) -> GradInput { GradInput(shape: shape, values: .uniform(lo: -1, hi: 1, signs: false)) }
  /// Uniform in lo ..< hi.
  static func range(_ shape: [Int], _ lo: Float, _ hi: Float) -> GradInput {
    GradInput(shape: shape, values: .uniform(lo: lo, hi: hi, signs: false))
  }
  /// |x| in lo ..< hi, both signs.
  static func awayFromZero(_ shape: [Int], _ lo: Float = 0.1, _ hi: Float = 1.5) -> GradInput {
    GradInput(shape: shape, values: .uniform(lo: lo, hi: hi, signs: true))
  }
  static func distinct(_ shape: [Int], spacing: Float = 0.05) -> GradInput {
    GradInput(shape: shape, values: .distinct(spacing: spacing))
  }

  func make(seed: UInt64) -> Tensor {
    var rng = RNG(seed: seed)
    let n = shape.reduce(1, *)
    switch values {
    case .uniform(let lo, let hi, let signs):
      let u = rng.uniform(shape, lo: lo, hi: hi)
      guard signs else { return u }
      let s = rng.uniform(shape)
      return Tensor(shape: shape) { i in s[flat: i] < 0.5 ? -u[flat: i] : u[flat: i] }
    case .distinct(let spacing):
      var order = Array(0..<n)
      for j in stride(from: n - 1, to: 0, by: -1) { order.swapAt(j, rng.int(below: j + 1)) }
      return Tensor(shape: shape) { i in (Float(order[i]) - Float(n - 1) / 2) * spacing }
    }
  }
}

/// One or more finite-difference cases for every differentiable builtin of
/// `Language.Builtins` and every layer builtin (whose layers are differentiable in their
/// input and parameters). `BuiltinGradCheckTests` fails for a builtin missing here.
enum BuiltinGradSpecs {
  static let table: [String: [GradSpec]] = {
    var t: [String: [GradSpec]] = [:]
    func add(_ name: String, _ specs: GradSpec...) { add(name, specs) }
    func add(_ name: String, _ specs: [GradSpec]) {
      t[name, default: []] += specs.map { s in
        var s = s
        s.builtin = name
        return s
      }
    }

    // Elementwise entries, from the registry: inside each one's domain, away from 0 (the
    // kinks of abs and relu) when the domain spans it.
    for b in Builtins.all where b.isElementwise && b.gradient == .differentiable {
      let (lo, hi) = (Float(b.domain.lowerBound), Float(b.domain.upperBound))
      let input: GradInput = lo > 0 ? .range([2, 5], lo, min(hi, lo + 2)) : .awayFromZero([2, 5], 0.1, min(-lo, hi, 1.5))
      add(b.name, GradSpec(label: b.name, call: "\(b.name)(x0)", inputs: [input], h: 1e-3))
    }
    add("pow", GradSpec(label: "pow 2.5", call: "pow(x0, 2.5)", inputs: [.range([2, 4], 0.3, 2)], h: 1e-3),
        GradSpec(label: "pow -1", call: "pow(x0, -1.0)", inputs: [.range([5], 0.5, 2)], h: 1e-3))
    add("clip", GradSpec(label: "clip", call: "clip(x0, -0.5, 0.5)", inputs: [.distinct([3, 4], spacing: 0.13)]))
    add("leaky_relu", GradSpec(label: "leaky_relu", call: "leaky_relu(x0, slope: 0.2)", inputs: [.awayFromZero([2, 5])]))
    add("softmax", GradSpec(label: "softmax last", call: "softmax(x0)", inputs: [.any([3, 4])]),
        GradSpec(label: "softmax axis 1", call: "softmax(x0, axis: 1)", inputs: [.any([2, 3, 4])]))
    add("log_softmax", GradSpec(label: "log_softmax last", call: "log_softmax(x0)", inputs: [.any([3, 4])]),
        GradSpec(label: "log_softmax axis 0", call: "log_softmax(x0, axis: 0)", inputs: [.any([3, 4])]))

    // Reductions: max and min on distinct values (no ties).
    for name in ["sum", "mean", "max", "min"] {
      add(name, GradSpec(label: "\(name) all", call: "\(name)(x0)", inputs: [.distinct([3, 4])]),
          GradSpec(label: "\(name) axis 1", call: "\(name)(x0, axis: 1)", inputs: [.distinct([2, 3, 4])]),
          GradSpec(label: "\(name) axis -1 keepdims", call: "\(name)(x0, axis: -1, keepdims: true)", inputs: [.distinct([2, 3, 4])]))
    }

    // Shaping.
    add("reshape", GradSpec(label: "reshape", call: "reshape(x0, [4, -1])", inputs: [.any([2, 3, 2])]))
    add("transpose", GradSpec(label: "transpose", call: "transpose(x0, 0, 2)", inputs: [.any([2, 3, 4])]))
    add("concat", GradSpec(label: "concat axis 1", call: "concat([x0, x1], axis: 1)", inputs: [.any([2, 3]), .any([2, 2])]),
        GradSpec(label: "concat axis 0", call: "concat([x0, x1, x0])", inputs: [.any([1, 3]), .any([2, 3])]))
    add("stack", GradSpec(label: "stack", call: "stack([x0, x1], axis: 1)", inputs: [.any([2, 3]), .any([2, 3])]))
    add("unsqueeze", GradSpec(label: "unsqueeze", call: "unsqueeze(x0, -1)", inputs: [.any([2, 3])]))
    add("flatten", GradSpec(label: "flatten", call: "flatten(x0)", inputs: [.any([2, 3, 2])]))
    // One process: the whole tensor (under mpirun, a slice: the `slice` primitive's gradient).
    add("shard", GradSpec(label: "run.shard", setup: "import run", call: "run.shard(x0) * 2.0", inputs: [.any([3, 2])]))
    add("pad", GradSpec(label: "pad", call: "pad(x0, 2, value: 0.5)", inputs: [.any([1, 2, 3, 2])]))
    add("upsample", GradSpec(label: "upsample nearest", call: "upsample(x0, scale: 2)", inputs: [.any([1, 2, 3, 2])]),
        GradSpec(label: "upsample bilinear", call: "upsample(x0, scale: 3, mode: \"bilinear\")", inputs: [.any([1, 2, 3, 2])]))
    add("diff", GradSpec(label: "diff last", call: "diff(x0)", inputs: [.any([2, 3, 4])]),
        GradSpec(label: "diff axis 1", call: "diff(x0, axis: 1)", inputs: [.any([2, 3, 4])]))
    add("float", GradSpec(label: "float", call: "float(x0)", inputs: [.any([3])]))

    // Pooling and dropout.
    add("max_pool2d", GradSpec(label: "max_pool2d 2", call: "max_pool2d(x0, 2)", inputs: [.distinct([2, 2, 4, 6])]),
        GradSpec(label: "max_pool2d 3 stride 2 ceil", call: "max_pool2d(x0, 3, stride: 2, ceil: true)", inputs: [.distinct([1, 2, 5, 6])]))
    add("dropout", GradSpec(label: "dropout training", call: "dropout(x0, rate: 0.4, seed: 3)", inputs: [.any([4, 5])], training: true),
        GradSpec(label: "dropout evaluation", call: "dropout(x0, rate: 0.4, seed: 3)", inputs: [.any([4, 5])]))

    // Losses: every tensor argument that takes a gradient (both sides of mse and dice).
    add("mse", GradSpec(label: "mse", call: "mse(x0, x1)", inputs: [.any([3, 4]), .any([3, 4])]),
        GradSpec(label: "mse broadcast", call: "mse(x0, x1)", inputs: [.any([3, 4]), .any([4])]))
    let targets = "let t = tensor([1, 0, 3, 2])\nlet t3 = tensor([[0, 2, 1], [1, 1, 0]])"
    add("nll", GradSpec(label: "nll", setup: targets, call: "nll(x0, t)", inputs: [.any([4, 5])]),
        GradSpec(label: "nll of log_softmax", setup: targets, call: "nll(log_softmax(x0), t)", inputs: [.any([4, 5])]))
    add("cross_entropy", GradSpec(label: "cross_entropy", setup: targets, call: "cross_entropy(x0, t)", inputs: [.any([4, 5])]),
        GradSpec(label: "cross_entropy class axis 1", setup: targets, call: "cross_entropy(x0, t3)", inputs: [.any([2, 4, 3])]))
    add("dice", GradSpec(label: "dice", call: "dice(x0, x1)", inputs: [.range([2, 3, 3], 0.1, 1), .range([2, 3, 3], 0.1, 1)]))

    // EDPCNN: the map is differentiated; centres, rotation and the pattern are fixed.
    let centres = "let c = tensor([[4.2, 3.9], [4.6, 4.1]])\nlet r = tensor([0.1, -0.3])"
    add("star_sample",
        GradSpec(label: "star_sample bilinear [B, H, W]", setup: centres,
                 call: "star_sample(x0, c, lines: 5, points: 4, radius: 3.3, angle: r)", inputs: [.any([2, 9, 9])]),
        GradSpec(label: "star_sample nearest [B, 1, H, W]", setup: centres,
                 call: "star_sample(x0, c, lines: 6, points: 3, radius: 3.0, angle: 0.2, mode: \"nearest\")", inputs: [.any([2, 1, 9, 9])]))
    add("smooth_circular", GradSpec(label: "smooth_circular", call: "smooth_circular(x0, window: 3)", inputs: [.any([2, 7])]))
    add("dp_contour_soft",
        GradSpec(label: "dp_contour_soft", call: "dp_contour_soft(x0, delta: 1, gamma: 0.5)", inputs: [.any([2, 5, 4])]),
        GradSpec(label: "dp_contour_soft δ 2, one ray of a batch", call: "dp_contour_soft(x0, delta: 2, gamma: 1.5)[:, 2]",
                 inputs: [.any([3, 4, 6])]))

    // Layers: differentiable in the input and in their parameters.
    add("dense",
        GradSpec(label: "dense", setup: "let l = dense(3, 4)", call: "l(x0)", inputs: [.any([2, 3])], parameters: true),
        GradSpec(label: "dense no bias, [B, N, cin]", setup: "let l = dense(3, 2, bias: false)", call: "l(x0)",
                 inputs: [.any([2, 4, 3])], parameters: true),
        GradSpec(label: "relu(dense)", setup: "let l = dense(3, 4)", call: "relu(l(x0))", inputs: [.any([2, 3])], parameters: true,
                 seed: 106))
    add("conv2d",
        GradSpec(label: "conv2d pad 1", setup: "let l = conv2d(2, 3, kernel: 3, pad: 1)", call: "l(x0)",
                 inputs: [.any([2, 2, 5, 4])], parameters: true),
        GradSpec(label: "conv2d stride 2", setup: "let l = conv2d(2, 3, kernel: 3, stride: 2)", call: "l(x0)",
                 inputs: [.any([1, 2, 6, 5])], parameters: true),
        GradSpec(label: "relu(conv2d) (fused)", setup: "let l = conv2d(2, 3, kernel: 3, pad: 1)", call: "relu(l(x0))",
                 inputs: [.any([1, 2, 4, 4])], parameters: true, seed: 105))
    add("conv_transpose2d",
        GradSpec(label: "conv_transpose2d", setup: "let l = conv_transpose2d(3, 2)", call: "l(x0)",
                 inputs: [.any([2, 3, 3, 2])], parameters: true),
        GradSpec(label: "conv_transpose2d kernel 3 stride 1 pad 1", setup: "let l = conv_transpose2d(2, 2, kernel: 3, stride: 1, pad: 1)",
                 call: "l(x0)", inputs: [.any([1, 2, 3, 3])], parameters: true))
    let bn = "let l = batchnorm2d(2)"
    add("batchnorm2d",
        GradSpec(label: "batchnorm2d training", setup: bn, call: "l(x0)", inputs: [.any([3, 2, 2, 3])], parameters: true,
                 training: true, h: 1e-3, atol: 5e-3, rtol: 2e-2),
        GradSpec(label: "batchnorm2d evaluation", setup: bn, call: "l(x0)", inputs: [.any([3, 2, 2, 3])], parameters: true,
                 warmup: true, h: 1e-3, atol: 5e-3, rtol: 2e-2),
        GradSpec(label: "relu(batchnorm2d) training (fused)", setup: bn, call: "relu(l(x0))", inputs: [.any([3, 2, 2, 3])],
                 parameters: true, seed: 104, training: true, h: 1e-3, atol: 5e-3, rtol: 2e-2))

    // The DiffBypass surrogate's output net(x) is differentiable in x (its parameters are
    // held constant there; fit_steps: 0 keeps the network fixed between evaluations).
    add("surrogate", GradSpec(label: "surrogate", setup: """
      model Net() {
        let l = dense(3, 3)
        fn forward(x: Tensor) -> Tensor { tanh(l(x)) }
      }
      let net = Net()
      """, call: "surrogate(@bypass(net, fit_steps: 0, samples: 1) round(x0))", inputs: [.any([2, 3])]))
    for (name, specs) in library { add(name, specs) }
    return t
  }()

  /// The operators, indexing and slicing (not builtins, so not enumerated, but on every
  /// user's gradient path).
  static let operators: [GradSpec] = [
    GradSpec(label: "a + b broadcast", call: "x0 + x1", inputs: [.any([2, 3]), .any([3])]),
    GradSpec(label: "a - b broadcast", call: "x0 - x1", inputs: [.any([2, 1]), .any([1, 3])]),
    GradSpec(label: "a * b broadcast", call: "x0 * x1", inputs: [.any([2, 3]), .any([2, 1])]),
    GradSpec(label: "a / b", call: "x0 / x1", inputs: [.any([2, 3]), .awayFromZero([2, 3], 0.5, 1.5)]),
    GradSpec(label: "scalar * a + scalar", call: "2.5 * x0 + 1.0", inputs: [.any([4])]),
    GradSpec(label: "scalar / a", call: "1.0 / x0", inputs: [.awayFromZero([4], 0.5, 1.5)]),
    GradSpec(label: "-a", call: "-x0", inputs: [.any([4])]),
    GradSpec(label: "a @ b", call: "x0 @ x1", inputs: [.any([2, 3]), .any([3, 4])]),
    GradSpec(label: "a @ b batched", call: "x0 @ x1", inputs: [.any([2, 2, 3]), .any([3, 2])]),
    GradSpec(label: "vector @ matrix", call: "x0 @ x1", inputs: [.any([3]), .any([3, 2])]),
    GradSpec(label: "t[i]", call: "x0[1]", inputs: [.any([3, 4])]),
    GradSpec(label: "t[:, 1:]", call: "x0[:, 1:]", inputs: [.any([3, 4])]),
    GradSpec(label: "t[idx] (IntTensor)", setup: "let idx = tensor([2, 0, 2])", call: "x0[idx]", inputs: [.any([3, 2])]),
    GradSpec(label: "t[:, idx] (IntTensor of rank 2)", setup: "let idx = tensor([[1, 0], [1, 1]])", call: "x0[:, idx]", inputs: [.any([2, 3, 2])]),
    GradSpec(label: "t[rows, cols] paired, repeats", setup: "let r = tensor([0, 2, 0])\nlet c = tensor([1, 0, 1])",
             call: "x0[r, c]", inputs: [.any([3, 2, 2])]),
    GradSpec(label: "t[rows, :, cols] paired, broadcast, apart", setup: "let r = tensor([[1], [0]])\nlet c = tensor([2, 0, 1])",
             call: "x0[r, :, c]", inputs: [.any([2, 2, 3])]),
    GradSpec(label: "t[:, rows, 1, cols] paired around an Int", setup: "let r = tensor([1, 0])\nlet c = tensor([[0, 1]])",
             call: "x0[:, r, 1, c]", inputs: [.any([2, 2, 2, 2])]),
    GradSpec(label: "a composite: x used three times", call: "sum(x0 * x0, axis: 0) + mean(tanh(x0 @ transpose(x0, 0, 1)))",
             inputs: [.any([3, 3])]),
  ]
}
