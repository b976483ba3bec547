import Foundation
import Testing
@testable import Runtime

/// Bypass gradients where the truth is known: a smooth function run as if it had no
/// gradient, whose true gradient the tape also computes.
@Suite("executor: @bypass gradients")
struct ExecBypassTests {
  /// Prints, flattened: the DiffBypass gradient, the ES gradient, the true gradient.
  static let smooth = """
    fn wobble(x: Tensor) -> Tensor { sin(x) * 2.0 + x * x * 0.5 }
    model Lin(n: Int) {
      let l = dense(n, n)
      fn forward(x: Tensor) -> Tensor { l(x) }
    }
    let x = tensor([[0.3, -1.2, 0.8, 2.0, -0.5]])
    let w = tensor([[1.0, -0.5, 2.0, 0.3, -1.0]])
    let net = Lin(5)
    print(grad(x) { sum(@bypass(net, sigma: 0.5, samples: 64, fit_steps: 200, fit_lr: 0.05) wobble(x) * w) })
    print(grad(x) { sum(@bypass(es, sigma: 0.05, samples: 200) wobble(x) * w) })
    print(grad(x) { sum(wobble(x) * w) })
    """

  @Test("net (DiffBypass) and es reach cosine similarity ≥ 0.9 with the true gradient", arguments: [0, 1, 2] as [UInt64])
  func cosineWithTruth(seed: UInt64) throws {
    let out = runProgram(source: Self.smooth, seed: seed)
    #expect(out.error == nil, "\(out.error ?? "")")
    let lines = out.lines.map(numbers)
    try #require(lines.count == 3 && lines.allSatisfy { $0.count == 5 })
    let (net, es, truth) = (lines[0], lines[1], lines[2])
    #expect(cosine(net, truth) >= 0.9, "net \(net) vs \(truth)")
    #expect(cosine(es, truth) >= 0.9, "es \(es) vs \(truth)")
  }

  @Test("the same seed replays the same bypass gradients; another seed draws other noise")
  func determinism() {
    let program = Self.smooth + """

      fn onehot_argmin(c: Tensor) -> Tensor { float(c <= min(c)) }
      let c = tensor([1.0, 1.2, 3.0])
      print(grad(c) { sum(@bypass(perturbed, sigma: 0.5, samples: 20) onehot_argmin(c) * tensor([1.0, 0.0, 0.0])) })
      """
    let a = runProgram(source: program, seed: 7), b = runProgram(source: program, seed: 7)
    let c = runProgram(source: program, seed: 8)
    #expect(a.error == nil && c.error == nil)
    #expect(a.stdout == b.stdout)
    #expect(a.lines[0] != c.lines[0] && a.lines[1] != c.lines[1] && a.lines[3] != c.lines[3])
    #expect(a.lines[2] == c.lines[2])  // the true gradient has no noise
  }

  @Test("DiffBypass of an index-valued call: fitted with cross-entropy, gradient through the expected index, surrogate()")
  func indexOutputs() {
    let program = """
      model Scorer() {
        let l = dense(4, 4)
        fn forward(x: Tensor) -> Tensor { l(x) }
      }
      let x = tensor([[0.1, 0.9, 0.3, 0.2], [0.8, 0.1, 0.0, 0.4]])
      let net = Scorer()
      let (loss, g) = value_and_grad(x) {
        let idx = @bypass(net, sigma: 0.3, samples: 32, fit_steps: 100, fit_lr: 0.05) argmax(x, axis: 1)
        sum(float(idx) * tensor([1.0, 1.0]))
      }
      print(loss)
      print(g.shape)
      // Raising entry 3 of row 0 moves the expected argmax towards 3: a positive gradient there.
      print(item(g[0, 3]) > 0.0, item(g[0, 0]) < 0.0)
      let s = grad(x) { sum(surrogate(@bypass(net, fit_steps: 0) argmax(x, axis: 1))) }
      print(s.shape)
      """
    let out = runProgram(source: program, seed: 3)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["1.0", "[2, 4]", "true true", "[2, 4]"])
  }
}
