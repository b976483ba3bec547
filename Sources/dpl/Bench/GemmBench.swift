import Tensor

/// Single-precision matrix multiply through OpenBLAS, split over both cores.
enum GemmBench {
  static let all = [512, 1024, 2048].map { n in
    Benchmark(name: "sgemm/\(n)") {
      var rng = RNG(seed: 1)
      let a = rng.normal([n, n]), b = rng.normal([n, n])
      let (ms, iters) = try Measure.median(iterations: n >= 2048 ? 5 : 10) { _ = try a.matmul(b) }
      let gflops = 2 * Double(n * n * n) / (ms / 1000) / 1e9
      return BenchResult(medianMs: ms, figures: [("gflops", gflops)], iterations: iters)
    }
  }
}
