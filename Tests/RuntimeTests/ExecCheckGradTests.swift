import Foundation
import Testing
@testable import Runtime

/// `check_grad(x, …) { loss }` through whole programs: what it returns for correct and
/// deliberately wrong gradients, how it treats `@bypass` calls, randomness and output, and
/// its errors.
@Suite("executor: check_grad")
struct ExecCheckGradTests {
  /// Runs `source`, returning stdout lines, stderr and the error text.
  func run(_ source: String) -> (lines: [String], stderr: String, error: String?) {
    var stderr = ""
    let out = runProgram(source: source, path: "cg.dpl") { i in i.log = { stderr += $0 } }
    return (out.lines, stderr, out.error)
  }

  func number(_ line: String) throws -> Double { try #require(Double(line), "not a number: \(line)") }

  @Test("a correct smooth block gives a small error (golden values)")
  func smooth() throws {
    let r = run("""
      let x = tensor([0.5, -1.2, 2.0, 0.3])
      let w = tensor([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6], [-0.7, 0.8]])
      print(check_grad(x) { sum(tanh(x) * x) })
      print(check_grad(x, w) { sum(sigmoid(x @ w)) + mean(exp(w)) })
      print(check_grad(x, eps: 1e-3) { sum(sin(x) * cos(x)) })
      print(check_grad(x) { sum(x * x) })
      """)
    #expect(r.error == nil, "\(r.error ?? "")")
    let errors = try r.lines.map(number)
    #expect(errors.count == 4)
    for e in errors { #expect(e >= 0 && e < 1e-2, "\(errors)") }
    // Golden: a quadratic's central difference is exact up to Float32 rounding.
    #expect(errors.last.map { $0 < 1e-4 } == true, "\(errors)")
    #expect(r.stderr.isEmpty, "no note without @bypass: \(r.stderr)")
  }

  @Test("the block's inputs are its own: an expression also computed outside, nested and looped checks")
  func inputsAreTheRegions() throws {
    // The block reads its inputs as region parameters, so CSE cannot hand it the value of
    // `x * x` computed outside (off the tape).
    let r = run("""
      let x = tensor([0.3, -0.8])
      let y = x * x
      print(check_grad(x) { sum(x * x) } < 1e-2)
      print(check_grad(x) {
        assert(check_grad(x) { sum(x * x * x) } < 1e-2, "the nested check, at every point")
        sum(exp(x))
      } < 1e-2)
      fn inFunction(v: Tensor) -> Float { check_grad(v) { sum(tanh(v) * y) } }
      print(inFunction(x) < 1e-2)
      """)
    #expect(r.error == nil, "\(r.error ?? "")")
    #expect(r.lines == ["true", "true", "true"], "\(r.lines)")
    // Its value has no gradient: on a path to a loss it is a located compile error.
    let nested = run("let x = tensor([0.3, -0.8])\nprint(grad(x) { sum(x) * check_grad(x) { sum(x * x) } })")
    #expect(nested.error?.hasPrefix("cg.dpl:2:26: error: 'check_grad' has no gradient, but it lies on a path from 'x' to the loss of 'grad'") == true,
            "\(nested.error ?? "")")
  }

  @Test("Float32 rounding of a large loss is not reported as an error")
  func roundingFloor() throws {
    // Σ over 1000 elements: the loss is ~600, so one ulp is ~6e-5 and the differences of
    // near-zero gradient elements are rounding; this scored 0.61 before the floor.
    let r = run("""
      let x = randn([1000], seed: 1)
      print(check_grad(x) { sum(tanh(x) * x) })
      print(check_grad(x) { sum(x * stop_gradient(x)) })
      """)
    #expect(r.error == nil, "\(r.error ?? "")")
    let errors = try r.lines.map(number)
    #expect(errors[0] < 1e-2, "\(errors)")
    #expect(errors[1] > 0.4, "a wrong gradient is still caught: \(errors)")
  }

  @Test("a tape gradient that differs from the function is caught")
  func wrongGradient() throws {
    // The tape sees d/dx (x · c) = c = x; the function x² has 2x: relative error exactly ½.
    let r = run("""
      let x = tensor([0.5, -1.2, 2.0])
      let y = tensor([1.5, 0.7])
      print(check_grad(x) { sum(x * stop_gradient(x)) })
      print(check_grad(x, y) { sum(x) * sum(y * stop_gradient(y)) })
      print(check_grad(x) { sum(x * eval { x * 3.0 }) })
      """)
    #expect(r.error == nil, "\(r.error ?? "")")
    let errors = try r.lines.map(number)
    #expect(abs(errors[0] - 0.5) < 1e-3, "\(errors)")  // golden
    #expect(abs(errors[1] - 0.5) < 1e-3, "only y's gradient is wrong, by ½: \(errors)")
    #expect(abs(errors[2] - 0.5) < 1e-3, "eval cuts the gradient like stop_gradient: \(errors)")
  }

  @Test("a model's or a layer's parameters are checked, and their own gradients left alone")
  func parameters() throws {
    let program = { (check: Bool) in """
      model Mlp() {
        let l1 = dense(3, 4)
        let l2 = dense(4, 1)
        fn forward(x: Tensor) -> Tensor { l2(tanh(l1(x))) }
      }
      let net = Mlp()
      let c = conv2d(1, 2, kernel: 3, pad: 1)
      let x = randn([5, 3], seed: 1)
      let y = randn([5, 1], seed: 2)
      let img = randn([1, 1, 4, 4], seed: 3)
      let opt = adam(net, lr: 0.01)
      \(check ? """
      print(check_grad(net) { mse(net(x), y) } < 1e-2)
      print(check_grad(net, x) { mse(net(x), y) + mean(c(img)) } < 1e-2)
      print(check_grad(c) { sum(tanh(c(img))) } < 1e-2)
      print(check_grad(c) { sum(c(img) * stop_gradient(c(img))) })
      """ : "")
      for step in 0..<3 { opt.minimize { mse(net(x), y) } }
      print(opt.minimize { mse(net(x), y) })
      """ }
    let checked = run(program(true)), plain = run(program(false))
    #expect(checked.error == nil, "\(checked.error ?? "")")
    #expect(Array(checked.lines.prefix(3)) == ["true", "true", "true"])
    #expect(try abs(number(checked.lines[3]) - 0.5) < 1e-3, "\(checked.lines)")
    #expect(checked.lines.last == plain.lines.last, "training after check_grad is the same as without it")
  }

  @Test("directions: k checks along k random directions: cheap for many parameters, and still catches")
  func directions() throws {
    let r = run("""
      model Mlp() {
        let l1 = dense(8, 32)
        let l2 = dense(32, 1)
        fn forward(x: Tensor) -> Tensor { l2(tanh(l1(x))) }
      }
      let net = Mlp()
      let x = randn([6, 8], seed: 1)
      let y = randn([6, 1], seed: 2)
      print(check_grad(net, x, directions: 4) { mse(net(x), y) })
      print(check_grad(net, directions: 3) { mse(net(x), 0.5 * stop_gradient(net(x)) + y) })
      print(check_grad(x, directions: 2) { sum(x * stop_gradient(x)) })
      """)
    #expect(r.error == nil, "\(r.error ?? "")")
    let errors = try r.lines.map(number)
    #expect(errors[0] < 1e-2, "\(errors)")
    #expect(abs(errors[1] - 0.5) < 1e-2, "the tape's gradient is twice the function's: \(errors)")
    #expect(abs(errors[2] - 0.5) < 1e-3, "\(errors)")  // golden, as elementwise
    let bad = run("let x = tensor([1.0])\nlet e = check_grad(x, directions: 0) { sum(x * x) }")
    #expect(bad.error?.hasPrefix("cg.dpl:2:9: error: check_grad: directions must be at least 1, got 0") == true, "\(bad.error ?? "")")
  }

  @Test("a @bypass call's bypassed inputs are held fixed: the exact part is checked, with one note")
  func bypassHeld() throws {
    let r = run("""
      let x = tensor([0.4, -1.1, 2.3])
      fn q(v: Tensor) -> Tensor { round(v * 2.0) / 2.0 }
      for i in 0..<3 {
        print(check_grad(x) { sum(@bypass(ste) q(x) * tanh(x)) })
      }
      print(check_grad(x) { sum(@bypass(es, sigma: 0.5, samples: 4) round(x) * x) + sum(x * x) })
      print(check_grad(x) {
        var s = sum(x)
        for k in 1..<4 { s = s + sum(@bypass(ste) round(x * float(k)) * x) }
        s
      })
      """)
    #expect(r.error == nil, "\(r.error ?? "")")
    let errors = try r.lines.map(number)
    #expect(errors.count == 5)
    for e in errors { #expect(e < 1e-2, "\(errors)") }
    let notes = r.stderr.split(separator: "\n").map(String.init)
    #expect(notes.first == "note: check_grad: bypassed inputs held fixed in 1 call: q at cg.dpl:4:42 (ste)", "\(notes)")
    #expect(notes.filter { $0.contains("cg.dpl:4:") }.count == 1, "one note per check_grad, not per run: \(notes)")
    #expect(notes.contains("note: check_grad: bypassed inputs held fixed in 1 call: round at cg.dpl:6:63 (es)"), "\(notes)")
    #expect(notes.contains("note: check_grad: bypassed inputs held fixed in 1 call: round at cg.dpl:9:45 (ste, 3 times)"), "\(notes)")
    #expect(notes.count == 3, "\(notes)")
  }

  @Test("a block that depends on its inputs only through bypassed calls is an error")
  func bypassOnlyPathIsAnError() throws {
    let r = run("""
      let x = tensor([0.4, -1.1])
      print(check_grad(x) { sum(@bypass(ste) round(x)) })
      """)
    let text = try #require(r.error)
    #expect(text.hasPrefix("cg.dpl:2:7: error: with the bypassed inputs of its @bypass calls held fixed, the block's value does not depend on the inputs of check_grad"), "\(text)")
    #expect(text.contains("bypass: \"estimate\" checks the estimators"), "\(text)")
    let estimated = run("let x = tensor([0.4, -1.1])\nprint(check_grad(x, bypass: \"estimate\") { sum(@bypass(ste) round(x)) })")
    #expect(estimated.lines == ["1.0"], "ste's identity against round's zero slope: \(estimated.lines) \(estimated.error ?? "")")
    #expect(text.contains("note: check_grad: bypassed inputs held fixed in 1 call: round at cg.dpl:2:40 (ste)"), "\(text)")
  }

  @Test("a bypassed call's other arguments keep their exact gradient; bypass: \"estimate\" checks the estimator")
  func bypassOtherArguments() throws {
    let r = run("""
      fn q(z: Tensor, c: Tensor) -> Tensor { round(z) * c }
      let z = tensor([0.3, 2.2, -1.8])
      let c = tensor([1.0, -1.0, 2.0])
      print(grad(c) { sum(square(@bypass(ste) q(z, c))) })
      print(check_grad(c) { sum(square(@bypass(ste) q(z, c))) } < 1e-2)
      print(check_grad(z, c) { sum(square(@bypass(ste) q(z, c))) } < 1e-2)
      print(check_grad(c, bypass: "estimate") { sum(square(@bypass(ste) q(z, c))) } < 1e-2)
      print(check_grad(z, c, bypass: "estimate") { sum(square(@bypass(ste) q(z, c))) })
      fn smooth(z: Tensor, c: Tensor) -> Tensor { sin(z) * c }
      print(check_grad(z, c) { sum(@bypass(es, seed: 2) smooth(z, c) * c) } < 1e-2)
      """)
    #expect(r.error == nil, "\(r.error ?? "")")
    #expect(r.lines == ["[0.0, -8.0, 16.0]", "true", "true", "true", "1.0", "true"], "\(r.lines)")
    let notes = r.stderr.split(separator: "\n").map(String.init)
    #expect(notes == ["note: check_grad: bypassed inputs held fixed in 1 call: q at cg.dpl:6:50 (ste)",
                      "note: check_grad: bypassed inputs held fixed in 1 call: smooth at cg.dpl:10:51 (es)"],
            "only checks whose bypassed inputs move name their calls: \(notes)")
  }

  @Test("a model's field: a param, a layer; only its parameters move")
  func fields() throws {
    let r = run("""
      model Coder() {
        let codebook = param([4, 2], scale: 0.5)
        let enc = dense(3, 2)
        fn forward(x: Tensor) -> Tensor { tanh(enc(x)) @ transpose(codebook, 0, 1) }
      }
      let net = Coder()
      let x = randn([5, 3], seed: 1)
      print(check_grad(net.codebook) { mean(square(net(x))) } < 1e-2)
      print(check_grad(net.enc) { mean(square(net(x))) } < 1e-2)
      // The codebook's tape gradient is half the function's (stop_gradient): checking enc alone does not see it.
      print(check_grad(net.codebook) { sum(net.codebook * stop_gradient(net.codebook)) + mean(net(x)) } > 0.4)
      print(check_grad(net.enc) { sum(net.codebook * stop_gradient(net.codebook)) + mean(net(x)) } < 1e-2)
      print(check_grad(net) { sum(net.codebook * stop_gradient(net.codebook)) + mean(net(x)) } > 0.4)
      """)
    #expect(r.error == nil, "\(r.error ?? "")")
    #expect(r.lines == ["true", "true", "true", "true", "true"], "\(r.lines)")
  }

  @Test("every run draws the same random numbers, prints once, and leaves the stream as one run")
  func randomnessAndOutput() throws {
    let a = run("""
      let x = tensor([0.4, -1.1, 0.9])
      print(check_grad(x) { print("block"); sum(x * randn([3])) + sum(dropout(x * x, rate: 0.5)) } < 1e-2)
      print(randn([2]))
      """)
    let b = run("""
      let x = tensor([0.4, -1.1, 0.9])
      let g = grad(x) { sum(x * randn([3])) }
      print(randn([2]))
      """)
    #expect(a.error == nil, "\(a.error ?? "")")
    #expect(a.lines.count == 3)
    #expect(Array(a.lines.prefix(2)) == ["block", "true"])
    #expect(a.lines.last == b.lines.last, "the stream after check_grad is where one run of the block leaves it")
  }

  @Test("run-time errors point at the check_grad call")
  func errors() throws {
    let cases: [(String, String)] = [
      ("let x = tensor([0.001, 2.0])\nlet e = check_grad(x) { sum(log(x)) }",
       "cg.dpl:2:9: error: check_grad: the block's value is not finite when element 0 of the input moves by ±0.01"),
      ("let x = tensor([1.0, 2.0])\nlet e = check_grad(x, eps: 0.0) { sum(x * x) }",
       "cg.dpl:2:9: error: check_grad: eps must be a positive number, got 0.0"),
      ("let x = tensor([1.0, 2.0])\nlet e = check_grad(x) { sum(log(x - 5.0)) }",
       "cg.dpl:2:9: error: the value of the block is NaN"),
      ("fn same(t) { t }\nlet x = tensor([1.0, 2.0])\nlet e = check_grad(x) { same(x) }",
       "cg.dpl:3:9: error: the block must end in a scalar loss, got shape [2]"),
    ]
    for (source, want) in cases {
      let r = run(source)
      let first = r.error?.split(separator: "\n").first.map(String.init) ?? ""
      #expect(first.hasPrefix(want), "\(source)\n→ \(r.error ?? "no error")")
    }
  }
}
