import Autodiff
import Tensor

/// One U-Net training step through the Swift API — the network of the PyTorch benchmark's
/// `unet_step.py` (depth 4, padded convs, no batch norm, 1×1 out), batch 10 at 1×128×128:
/// clear gradients, forward, MSE against a fixed random target, backward, Adam.
enum UNetBench {
  static let all: [Benchmark] = [8, 16].map { base in
    Benchmark(name: "unet_step/base\(base)") {
      var rng = RNG(seed: 0)
      let net = UNet(cin: 1, cout: 1, depth: 4, base: base, batchNorm: false, rng: &rng)
      let opt = Adam(net.parameters, lr: 1e-4)
      let x = rng.normal([10, 1, 128, 128]), y = rng.normal([10, 1, 128, 128])
      func step() throws {
        opt.zeroGrad()
        let tape = Tape()
        let out = try net(Var(constant: x), on: tape)
        let loss = try tape.apply(.mse, [out, Var(constant: y)])
        try TapeProfile.measure("backward (total)") { try tape.backward(from: loss) }
        try TapeProfile.measure("adam") { try opt.step() }
      }
      try step()
      Measure.resetPeakRSS()
      _ = TapeProfile.report()
      let (ms, it) = try Measure.median(warmup: 2, iterations: 10, seconds: 0) { try step() }
      if TapeProfile.enabled { TapeProfile.print(perCall: it + 2, header: "unet_step/base\(base)") }
      return BenchResult(medianMs: ms, figures: [("peak_rss_mb", Measure.peakRSSMegabytes()), ("min_ms", Measure.lastMinimum)], iterations: it)
    }
  }
}
