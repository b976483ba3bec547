import Tensor

/// The closed-contour DP on a batch of random cost maps (uniform in [0, 1), as the PyTorch benchmark draws them).
enum DPBench {
  static let all = [1, 5].map { delta in
    Benchmark(name: "dp_contour/B100_N25_M65_d\(delta)") {
      var rng = RNG(seed: 2)
      let g = rng.uniform([100, 25, 65])
      let (ms, iters) = try Measure.median(iterations: 20) { _ = try dpContour(g, delta: delta) }
      return BenchResult(medianMs: ms, figures: [("contours_per_s", 100 / (ms / 1000))], iterations: iters)
    }
  }
}
