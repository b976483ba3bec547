/// Which of the convolution strategies may run. Each computes the same convolution (the
/// kernel tests compare every one against naive loops, `Tests/TensorTests/NNKernelTests`);
/// the switches exist so a benchmark can time one against another (`dpl bench conv2d
/// --conv-off direct`) and tests can reach the portable paths on any CPU.
///
/// The strategies in force are a task-local value, bound around the work they apply to
/// (`ConvStrategies.$current.withValue(…) { … }`), and read once per convolution, when its
/// geometry is made, on the caller's thread: the workers it is split over never read it.
public struct ConvStrategies: Sendable, Equatable, CustomStringConvertible {
  /// The direct AVX-512 kernels (`ConvDirect.swift`), where the CPU has AVX-512.
  public var direct = true
  /// GEMMs cut to OpenBLAS' unpacked small-matrix size (`ConvGeometry.blockRows`).
  public var smallKernel = true
  /// Stride-1 input gradients as a convolution with the flipped kernel.
  public var flippedInputGrad = true
  /// "Same" stride-1 forward convolutions as shifted GEMMs (`ConvShifted.swift`).
  public var shifted = true
  /// Both gradients from one unfolding of `dy` (`convBackwardFlipped`).
  public var sharedBackward = true

  public init() {}

  /// Every strategy on: what programs and benchmarks run with.
  public static let all = ConvStrategies()
  /// Every strategy but the AVX-512 kernels.
  public static let portable: ConvStrategies = { var s = all; s.direct = false; return s }()
  /// None: im2col and one GEMM per block, the reference path.
  public static let plain = try! ConvStrategies(off: names)

  /// The names `--conv-off` takes, in the order `description` lists them.
  public static let names = ["direct", "small", "flip", "shifted", "shared"]

  /// Every strategy on except the named ones; an unknown name is an error listing `names`.
  public init<S: Sequence<String>>(off: S) throws {
    for name in off {
      switch name {
      case "direct": direct = false
      case "small": smallKernel = false
      case "flip": flippedInputGrad = false
      case "shifted": shifted = false
      case "shared": sharedBackward = false
      default:
        throw TensorError("conv strategies", "no strategy '\(name)'; the strategies are \(Self.names.joined(separator: ", "))")
      }
    }
  }

  /// The strategies switched off, as `--conv-off` names them ("all" when every one is on).
  public var description: String {
    let on = [direct, smallKernel, flippedInputGrad, shifted, sharedBackward]
    let off = zip(Self.names, on).filter { !$0.1 }.map(\.0)
    return off.isEmpty ? "all" : "off: " + off.joined(separator: ",")
  }

  @TaskLocal public static var current = ConvStrategies.all
}
