import Tensor

/// Training-mode batch norm + ReLU, forward and backward, on the EDPCNN surrogate's feature
/// maps (100 warped maps): the 8-channel map at 25 × 39 and the 64-channel one at 4 × 5.
/// Against the fit profile's per-call times these show how much of a call is the kernel.
enum BatchNormBench {
  static let shapes = [[100, 8, 25, 39], [100, 64, 4, 5]]

  static let all: [Benchmark] = shapes.flatMap { shape -> [Benchmark] in
    let name = "batchnorm/\(shape[1])_\(shape[2])x\(shape[3])_n\(shape[0])"
    let c = shape[1]
    @Sendable func operands() -> (Tensor, Tensor, Tensor, Tensor) {
      var rng = RNG(seed: 0)
      return (rng.normal(shape), rng.normal([c]), rng.normal([c]), rng.normal(shape))
    }
    return [
      Benchmark(name: "\(name)/fwd") {
        let (x, gamma, beta, _) = operands()
        var running = BatchNormStats(channels: c)
        let (ms, it) = try Measure.median {
          _ = try batchNorm2dTraining(x, gamma: gamma, beta: beta, running: &running, relu: true)
        }
        return BenchResult(medianMs: ms, figures: [("min_ms", Measure.lastMinimum)], iterations: it)
      },
      Benchmark(name: "\(name)/bwd") {
        let (x, gamma, beta, dy) = operands()
        var running = BatchNormStats(channels: c)
        let saved = try batchNorm2dTraining(x, gamma: gamma, beta: beta, running: &running, relu: true)
        let (ms, it) = try Measure.median {
          _ = try batchNorm2dBackward(dy, x: x, gamma: gamma, mean: saved.mean, invstd: saved.invstd, reluBeta: beta)
        }
        return BenchResult(medianMs: ms, figures: [("min_ms", Measure.lastMinimum)], iterations: it)
      },
    ]
  }
}
