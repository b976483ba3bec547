import Foundation
import Testing
@testable import Runtime

/// `@bypass` calls with several tensor arguments: `wrt:` picks the bypassed ones however
/// they were passed; every other active argument gets the call's ordinary gradient.
@Suite("executor: @bypass with several arguments")
struct ExecBypassInputsTests {
  func run(_ source: String, seed: UInt64 = 0) -> [[Float]] {
    let out = runProgram(source: source, seed: seed)
    #expect(out.error == nil, "\(out.error ?? "")")
    return out.lines.map(numbers)
  }

  @Test("an argument that is not bypassed gets the call's exact gradient")
  func capturedArgumentExact() throws {
    let lines = run("""
      fn q(z: Tensor, c: Tensor) -> Tensor { round(z) * c * c }
      let z = tensor([0.4, 1.6, -2.7])
      let c = tensor([2.0, 3.0, -1.0])
      let w = tensor([1.0, -2.0, 0.5])
      let (gz, gc) = grad(z, c) { sum(@bypass(ste) q(z, c) * w) }
      print(gz)
      print(gc)
      print(2.0 * round(z) * c * w)
      """)
    try #require(lines.count == 3)
    #expect(lines[0] == [1.0, -2.0, 0.5], "ste passes the output's gradient to z")
    #expect(lines[1] == lines[2], "c: 2·round(z)·c·w")
  }

  @Test("the ordinary gradient matches central finite differences (check_grad)")
  func capturedArgumentFiniteDifferences() throws {
    let lines = run("""
      fn q(z: Tensor, c: Tensor) -> Tensor { round(z) * sin(c) + c * c * 0.5 }
      let z = tensor([0.4, 1.6])
      let c = tensor([0.7, -1.3])
      print(check_grad(c) { sum(@bypass(es, seed: 1) q(z, c)) })
      """)
    try #require(lines.count == 1 && lines[0].count == 1)
    #expect(lines[0][0] < 1e-2, "\(lines)")
  }

  @Test("inside minimize a trainable argument that is not bypassed is trained as without the bypass")
  func trainableArgument() throws {
    let program = { (loss: String) in """
      fn q(z: Tensor, c: Tensor) -> Tensor { round(z) * c }
      model Lin() {
        let l = dense(2, 2)
        fn forward(x: Tensor) -> Tensor { l(x) }
      }
      let x = tensor([[0.5, -1.0], [2.0, 0.25]])
      let z = tensor([[1.4, -0.6], [2.2, 0.9]])
      let net = Lin()
      let opt = sgd(net, lr: 0.05)
      for i in 0..<5 { print(opt.minimize { \(loss) }) }
      """ }
    let bypassed = run(program("mse(@bypass(ste) q(z, net(x)), x)"))
    let plain = run(program("mse(round(z) * net(x), x)"))
    #expect(bypassed.count == 5)
    #expect(bypassed == plain)
    #expect(bypassed[4][0] < bypassed[0][0], "the loss falls")
  }

  @Test("wrt names a parameter passed by position; the other argument keeps its gradient")
  func wrtPositional() throws {
    let lines = run("""
      fn pick(w: Tensor, b: Tensor) -> Tensor { w * round(b) }
      let w = tensor([1.0, 2.0])
      let b = tensor([0.3, 1.7])
      let (gw, gb) = grad(w, b) { sum(@bypass(ste, wrt: b) pick(w, b)) }
      print(gw)
      print(gb)
      """)
    #expect(lines == [[0.0, 2.0], [1.0, 1.0]])
  }

  @Test("es and perturbed estimate every input named in wrt", arguments: ["es", "perturbed"])
  func severalInputs(strategy: String) throws {
    let lines = run("""
      fn f(a: Tensor, b: Tensor) -> Tensor { tanh(a) * b + b * b * 0.25 }
      let a = tensor([0.3, -0.8, 1.1])
      let b = tensor([1.5, 0.4, -0.7])
      let w = tensor([1.0, -1.0, 0.5])
      let (ga, gb) = grad(a, b) { sum(@bypass(\(strategy), wrt: [a, b], sigma: 0.05, samples: 4000, seed: 3) f(a, b) * w) }
      let (ta, tb) = grad(a, b) { sum(f(a, b) * w) }
      print(ga)
      print(ta)
      print(gb)
      print(tb)
      """)
    try #require(lines.count == 4)
    #expect(cosine(lines[0], lines[1]) >= 0.9, "a: \(lines[0]) vs \(lines[1])")
    #expect(cosine(lines[2], lines[3]) >= 0.9, "b: \(lines[2]) vs \(lines[3])")
  }

  @Test("a DiffBypass model of two inputs is fitted to both")
  func modelOfTwoInputs() throws {
    let lines = run("""
      fn f(a: Tensor, b: Tensor) -> Tensor { a * 2.0 - b * 3.0 }
      model Two() {
        let la = dense(3, 3)
        let lb = dense(3, 3)
        fn forward(a: Tensor, b: Tensor) -> Tensor { la(a) + lb(b) }
      }
      let a = tensor([[0.3, -0.8, 1.1]])
      let b = tensor([[1.5, 0.4, -0.7]])
      let w = tensor([[1.0, -1.0, 0.5]])
      let net = Two()
      let (ga, gb) = grad(a, b) { sum(@bypass(net, wrt: [a, b], sigma: 0.5, samples: 64, fit_steps: 300, fit_lr: 0.05) f(a, b) * w) }
      print(ga)
      print(gb)
      """)
    try #require(lines.count == 2)
    #expect(cosine(lines[0], [2.0, -2.0, 1.0]) >= 0.9, "a: \(lines[0])")
    #expect(cosine(lines[1], [-3.0, 3.0, -1.5]) >= 0.9, "b: \(lines[1])")
  }

  @Test("ste and blackbox refuse several inputs at compile time", arguments: ["ste", "blackbox"])
  func singleInputStrategies(strategy: String) {
    let out = runProgram(source: """
      fn f(a: Tensor, b: Tensor) -> Tensor { round(a + b) }
      let a = tensor([0.3])
      let b = tensor([1.5])
      print(grad(a, b) { sum(@bypass(\(strategy), wrt: [a, b]) f(a, b)) })
      """)
    #expect(out.error?.contains("4:\(39 + strategy.count): error: '\(strategy)' cannot route a gradient to 2 inputs") == true, "\(out.error ?? "")")
  }

  @Test("wrt names unknown or repeated parameters: located errors")
  func wrtErrors() {
    let out = runProgram(source: """
      fn f(a: Tensor, b: Tensor) -> Tensor { round(a + b) }
      let a = tensor([0.3])
      print(grad(a) { sum(@bypass(es, wrt: [a, c]) f(a, a)) })
      print(grad(a) { sum(@bypass(es, wrt: [a, a]) f(a, a)) })
      """)
    let text = out.error ?? ""
    #expect(text.contains("3:42: error: 'wrt' must name a parameter of 'f'"), "\(text)")
    #expect(text.contains("4:42: error: 'a' is named twice in 'wrt'"), "\(text)")
  }

  @Test("in minimize, a model read inside the bypassed call gets its gradient, or a located error")
  func modelInsideTheCall() throws {
    let program = { (body: String) in """
      model Lin() {
        let l = dense(2, 2)
        fn forward(x: Tensor) -> Tensor { l(x) }
      }
      let net = Lin()
      fn f(z: Tensor) -> Tensor { \(body) }
      let x = tensor([[0.5, -1.0], [2.0, 0.25]])
      let opt = sgd(net, lr: 0.05)
      for i in 0..<3 { print(opt.minimize { mse(@bypass(ste) f(x), x) }) }
      """ }
    let plain = { (body: String) in program(body).replacingOccurrences(of: "@bypass(ste) f(x)", with: "f(x)") }
    // round(z) is constant in the parameters: the recorded call carries their exact gradient.
    let bypassed = run(program("round(z) * net(z)"))
    #expect(bypassed.count == 3 && bypassed == run(plain("round(z) * net(z)")))
    let out = runProgram(source: program("round(net(z))"))
    #expect(out.error?.contains("error: model parameters used inside the bypassed call get no gradient") == true, "\(out.error ?? "")")
  }
}
