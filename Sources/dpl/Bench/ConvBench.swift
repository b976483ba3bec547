import Tensor

/// One 3×3, pad 1 convolution with bias, as the PyTorch benchmark's `conv_layer.py`: forward, and the
/// backward pass for input, weight and bias together; `/dw` is the weight and bias gradient
/// alone. Shapes are `(n, cin, cout, h, w)`: the fourth and fifth are the U-Net's deepest
/// layers (base 16 at 128²), the last two the EDPCNN surrogate's first and deepest layers on
/// its batch of 100 warped maps (25 × 39).
enum ConvBench {
  static let shapes = [(10, 16, 16, 128, 128), (10, 64, 64, 64, 64), (10, 1, 8, 128, 128), (10, 128, 128, 16, 16),
                       (10, 256, 256, 8, 8), (100, 8, 8, 25, 39), (100, 64, 64, 4, 5)]

  static let all: [Benchmark] = shapes.flatMap { (n, cin, cout, h, w) -> [Benchmark] in
    let name = n == 10 && h == w ? "conv2d/\(cin)x\(cout)_\(h)" : "conv2d/\(cin)x\(cout)_\(h)x\(w)_n\(n)"
    let flop = 2.0 * Double(n * cout * h * w * cin * 9)
    @Sendable func operands() -> (Tensor, Tensor, Tensor, Tensor) {
      var rng = RNG(seed: 0)
      let x = rng.normal([n, cin, h, w])
      let wt = rng.normal([cout, cin, 3, 3], std: (2 / Float(cin * 9)).squareRoot())
      return (x, wt, Tensor.zeros([cout]), rng.normal([n, cout, h, w]))
    }
    return [
      Benchmark(name: "\(name)/fwd") {
        let (x, w, b, _) = operands()
        let (ms, it) = try Measure.median { _ = try conv2d(x, weight: w, bias: b, padding: 1) }
        return BenchResult(medianMs: ms, figures: [("gflops", flop / ms / 1e6), ("min_ms", Measure.lastMinimum)], iterations: it)
      },
      Benchmark(name: "\(name)/bwd") {
        let (x, w, _, gy) = operands()
        let (ms, it) = try Measure.median {
          _ = try conv2dBackward(gy, x: x, weight: w, hasBias: true, stride: 1, padding: 1)
        }
        return BenchResult(medianMs: ms, figures: [("gflops", 2 * flop / ms / 1e6), ("min_ms", Measure.lastMinimum)], iterations: it)
      },
      Benchmark(name: "\(name)/dw") {
        let (x, w, _, gy) = operands()
        let (ms, it) = try Measure.median {
          _ = try conv2dBackward(gy, x: x, weight: w, hasBias: true, stride: 1, padding: 1, needInputGrad: false)
        }
        return BenchResult(medianMs: ms, figures: [("gflops", flop / ms / 1e6), ("min_ms", Measure.lastMinimum)], iterations: it)
      },
    ]
  }
}
