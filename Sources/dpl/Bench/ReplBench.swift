import Interactive
import Language

/// The REPL's `:compare` on a 256 × 2 input (goal: under 2 s): the smoothed reference's
/// evaluations and the default surrogate's fits, the two costs that grow with the input.
enum ReplBench {
  static let all = [
    Benchmark(name: "repl/compare_256x2") {
      let session = Session()
      session.output = { _ in }
      session.log = { _ in }
      _ = session.run("let x = randn([256, 2], seed: 1)")
      var failure: Error?
      let (ms, iters) = Measure.median(warmup: 0, iterations: 3, seconds: 0) {
        do { _ = try session.compare("sum(@bypass(es) round(x) * x)", wrt: ["x"]) } catch { failure = error }
      }
      if let failure { throw failure }
      return BenchResult(medianMs: ms, figures: [("min_ms", Measure.lastMinimum)], iterations: iters)
    },
  ]
}
