import Autodiff
import Foundation
import IR
import Language
import Runtime
import Tensor

/// Interpreter overhead: the U-Net training step of `unet_step/base16` (depth 4, padded
/// convs, no batch norm, batch 10 at 1×128×128, MSE, Adam) written in dpl with
/// `stdlib/nn.dpl`, against the same step through the Swift API, measured in one run with
/// the two interleaved so both see the same machine load. Figures: the Swift step's median
/// and the ratio dpl / Swift (the bar: ≤ 1.05).
enum InterpreterBench {
  static let program = """
    import nn
    let net = nn.UNet(1, 1, depth: 4, base: 16, batchnorm: false)
    let opt = adam(net, lr: 1e-4)
    let x = randn([10, 1, 128, 128], seed: 1)
    let y = randn([10, 1, 128, 128], seed: 2)
    fn step() -> Float { opt.minimize { mse(net(x), y) } }
    """

  static let all: [Benchmark] = [
    Benchmark(name: "interp/unet_step") {
      let (module, compilation) = Compiler.compile(source: program, path: "unet_step.dpl", options: FrontEnd.options())
      guard let module else { throw BenchError(compilation.renderDiagnostics()) }
      let interpreter = Interpreter(module: module)
      try interpreter.run()
      let dplStep = { _ = try interpreter.call(function: "step") }

      var rng = RNG(seed: 0)
      let net = UNet(cin: 1, cout: 1, depth: 4, base: 16, batchNorm: false, rng: &rng)
      let opt = Adam(net.parameters, lr: 1e-4)
      let x = rng.normal([10, 1, 128, 128]), y = rng.normal([10, 1, 128, 128])
      let swiftStep = {
        opt.zeroGrad()
        let tape = Tape()
        let loss = try tape.apply(.mse, [try net(Var(constant: x), on: tape), Var(constant: y)])
        try tape.backward(from: loss)
        try opt.step()
      }
      for _ in 0..<2 { try swiftStep(); try dplStep() }
      var dpl: [Double] = [], swift: [Double] = []
      for _ in 0..<8 {
        swift.append(try time(swiftStep))
        dpl.append(try time(dplStep))
      }
      let (d, s) = (median(dpl), median(swift))
      return BenchResult(medianMs: d, figures: [("swift_ms", s), ("ratio", d / s)], iterations: dpl.count)
    }
  ]

  static func time(_ body: () throws -> Void) throws -> Double {
    let t0 = Measure.now()
    try body()
    return Double(Measure.now() - t0) / 1e6
  }

  static func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
  }
}

struct BenchError: Error, CustomStringConvertible {
  let description: String
  init(_ d: String) { description = d }
}
