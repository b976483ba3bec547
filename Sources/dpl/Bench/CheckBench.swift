import Foundation
import IR
import Language

/// Parses and checks a generated 2,000-line program (goal: under 100 ms).
enum CheckBench {
  static let all = [
    Benchmark(name: "check/2000_lines") {
      let source = program(lines: 2000)
      let (ms, iters) = Measure.median(iterations: 10) {
        let c = Compilation()
        c.parse(source: source, path: "bench.dpl")
        _ = c.checkAndLower()
      }
      return BenchResult(medianMs: ms, figures: [("lines_per_s", 2000 / (ms / 1000))], iterations: iters)
    },
  ]

  /// A program of about `lines` lines mixing functions, models, loops, tensors and gradients.
  static func program(lines: Int) -> String {
    var out: [String] = []
    var i = 0
    while out.count < lines {
      out += [
        "fn f\(i)(x: Tensor[B, 8], scale: Float = 1.0) -> Tensor[B, 8] {",
        "  let y = relu(x * scale + 1.0)",
        "  let z = sum(y, axis: 1)",
        "  y / (1.0 + mean(z))",
        "}",
        "model M\(i)(cin: Int) {",
        "  let l1 = dense(cin, 16)",
        "  let l2 = dense(16, 8)",
        "  fn forward(x: Tensor) -> Tensor { l2(relu(l1(x))) }",
        "}",
        "let a\(i) = randn([4, 8], seed: \(i))",
        "let w\(i) = zeros([8, 3]) + 0.5",
        "let p\(i) = (a\(i) @ w\(i)).shape",
        "var t\(i) = 0",
        "for k in 0..<3 { if k % 2 == 0 { t\(i) = t\(i) + k } else { t\(i) = t\(i) - 1 } }",
        "let g\(i) = grad(a\(i)) { sum(f\(i)(a\(i)) * 2.0) }",
        "let net\(i) = M\(i)(8)",
        "let opt\(i) = adam(net\(i), lr: 0.01)",
        "let l\(i) = opt\(i).minimize { mse(net\(i)(a\(i)), f\(i)(a\(i))) }",
        "print(\"step \\(\(i)) loss \\(l\(i)) \\(t\(i)) \\(p\(i))\")",
      ]
      i += 1
    }
    return out.joined(separator: "\n") + "\n"
  }
}
