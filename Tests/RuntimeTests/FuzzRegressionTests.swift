import Testing
@testable import Fuzz
@testable import Runtime

/// Minimal programs for bugs the differential fuzzer found (`dpl fuzz`), each run with
/// every pass setting the fuzzer compares.
@Suite("differential fuzzer: regressions")
struct FuzzRegressionTests {
  /// Runs `source` under every pass setting; the printed lines of each.
  static func outputs(_ source: String) -> [(String, RunOutcome)] {
    DifferentialFuzzer.settings.map { setting in
      (setting.name, runProgram(source: source, skipping: setting.skipping))
    }
  }

  @Test("a gradient through the rows a `for` loop takes from an input (seed 1, program 2208)")
  func forOverRowsOfAnInput() {
    let program = """
      let x = tensor([[1.0, 2.0], [3.0, 4.0]])
      print(grad(x) {
        var s = sum(x * 0.0)
        for r in x { s = s + sum(r * r) }
        s
      })
      """
    for (name, out) in Self.outputs(program) {
      #expect(out.error == nil, "\(name): \(out.error ?? "")")
      #expect(out.lines == ["[[2.0, 4.0], [6.0, 8.0]]"], "\(name)")
    }
  }

  @Test("`eval { … }` hands back no gradient even when its value is a tracked input unchanged (seed 1, program 3637)")
  func evalOfAnInputIsAConstant() {
    let program = """
      let x = tensor([1.0, 2.0])
      print(grad(x) { sum(x * x) + sum(eval { x[:] } * x) })
      print(grad(x) { sum(x * x) + sum(eval { x } * x) })
      print(grad(x) { sum(x * x) + sum(eval { x * 1.0 } * x) })
      """
    for (name, out) in Self.outputs(program) {
      #expect(out.error == nil, "\(name): \(out.error ?? "")")
      #expect(out.lines == ["[3.0, 6.0]", "[3.0, 6.0]", "[3.0, 6.0]"], "\(name)")
    }
  }

  /// The program's lines under every setting, expected to equal `lines`.
  static func expectEverywhere(_ program: String, _ lines: [String]) {
    for (name, out) in outputs(program) {
      #expect(out.error == nil && out.lines == lines, "\(name): \(out.error ?? out.lines.joined(separator: " | "))")
    }
  }

  @Test("CSE does not reuse a value computed before a grad block inside it")
  func cseAcrossGradRegions() {
    Self.expectEverywhere("""
      let x = tensor([1.0, 2.0])
      let t = x * x
      print(grad(x) { sum(x * x) })
      """, ["[2.0, 4.0]"])
  }

  @Test("CSE does not merge a grad input with an equal binding")
  func cseMergesAGradInput() {
    Self.expectEverywhere("""
      let x = tensor([1.0, 2.0])
      let a = x * 2.0
      let b = x * 2.0
      print(grad(a) { sum(a * b) })
      """, ["[2.0, 4.0]"])
  }

  @Test("`let y = x`: y is a copy, a constant inside grad(x)")
  func aliasOfAGradInput() {
    Self.expectEverywhere("""
      let x = tensor([1.0, 2.0])
      let y = x
      print(grad(x) { sum(x * y) })
      """, ["[1.0, 2.0]"])
  }

  @Test("@bypass(ste) f(a, w): w keeps its ordinary gradient through f")
  func bypassOtherArgument() {
    Self.expectEverywhere("""
      fn hard2(a: Tensor, b: Tensor) -> Tensor { round(a * 1.7) + b * b }
      let a = tensor([0.3, -1.2])
      let w = tensor([0.5, 2.0])
      print(grad(a, w) { sum(@bypass(ste) hard2(a, w)) })
      """, ["([1.0, 1.0], [1.0, 4.0])"])
  }

  @Test("@bypass(net) over a 1-D input fits the surrogate on [samples, n]")
  func diffBypassOfAVector() {
    let out = runProgram(source: """
      model Lin(n: Int) {
        let l = dense(n, n)
        fn forward(x: Tensor) -> Tensor { l(x) }
      }
      let net = Lin(3)
      let x = tensor([0.3, -1.2, 0.8])
      print(grad(x) { sum(@bypass(net, samples: 2, fit_steps: 1, seed: 1) round(x * 1.7)) }.shape)
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["[3]"])
  }

  @Test("an estimator that reruns a bypassed call does not rerun its other arguments (seed 1, program 699331)")
  func bypassArgumentsRunOnce() {
    Self.expectEverywhere("""
      fn hard2(a: Tensor, b: Tensor) -> Tensor { round(a * 1.7) + b * b }
      fn w(a: Tensor) -> Tensor {
        print("w")
        a * 2.0
      }
      let x = tensor([0.5, 1.0])
      let y = tensor([1.0, 2.0])
      print(grad(y) { sum(@bypass(es, sigma: 0.5, samples: 3, seed: 1) hard2(x, w(y))) })
      print(grad(y) { sum(@bypass(perturbed, sigma: 0.5, samples: 2, seed: 1) hard2(x, w(y))) })
      """, ["w", "[8.0, 16.0]", "w", "[8.0, 16.0]"])
  }
}
