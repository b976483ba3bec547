import Tensor

/// The closed-contour DP on a batch of random cost maps (uniform in [0, 1), as the PyTorch
/// benchmark draws them), and its smoothed version (`dp_contour_soft`: the marginals, and
/// their vector-Jacobian product) on the same maps.
enum DPBench {
  static let all = [1, 5].map { delta in
    Benchmark(name: "dp_contour/B100_N25_M65_d\(delta)") {
      var rng = RNG(seed: 2)
      let g = rng.uniform([100, 25, 65])
      let (ms, iters) = try Measure.median(iterations: 20) { _ = try dpContour(g, delta: delta) }
      return BenchResult(medianMs: ms, figures: [("contours_per_s", 100 / (ms / 1000))], iterations: iters)
    }
  } + [1, 5].map { delta in
    Benchmark(name: "soft_dp_contour/B100_N25_M65_d\(delta)") {
      var rng = RNG(seed: 2)
      let g = rng.uniform([100, 25, 65])
      let (ms, iters) = try Measure.median(iterations: 5) { _ = try dpContourSoft(g, delta: delta, gamma: 0.1) }
      return BenchResult(medianMs: ms, figures: [("contours_per_s", 100 / (ms / 1000))], iterations: iters)
    }
  } + [1, 5].map { delta in
    Benchmark(name: "soft_dp_contour_vjp/B100_N25_M65_d\(delta)") {
      var rng = RNG(seed: 2)
      let g = rng.uniform([100, 25, 65]), u = rng.uniform([100, 25, 65])
      let (ms, iters) = try Measure.median(iterations: 5) { _ = try dpContourSoftBackward(u, g: g, delta: delta, gamma: 0.1) }
      return BenchResult(medianMs: ms, figures: [("contours_per_s", 100 / (ms / 1000))], iterations: iters)
    }
  }
}
