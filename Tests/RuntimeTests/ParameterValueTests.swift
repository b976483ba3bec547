import Autodiff
import Foundation
import IR
import Language
import Testing
@testable import Interactive
@testable import Runtime

/// Parameters as values and gradients with respect to models, through the Swift API: the
/// names agree with the checkpoints', the gradient agrees with finite differences element by
/// element, the REPL completes and shows them (the programs in `Programs/` run the rest).
@Suite struct ParameterValueTests {
  static let model = """
    model Block(c: Int) {
      let conv = conv2d(c, 2, kernel: 3, pad: 1)
      let bn = batchnorm2d(2)
      fn forward(x: Tensor) -> Tensor { tanh(bn(conv(x))) }  // smooth: no kink for a step to cross
    }
    model Net() {
      let blocks = [Block(1), Block(2)]
      let head = dense(2, 1, bias: false)
      let codebook = param([3], init: "uniform")
      fn forward(x: Tensor) -> Tensor {
        var h = x
        for b in blocks { h = b(h) }
        head(mean(h, axis: [2, 3])) + sum(codebook)
      }
    }
    let net = Net()
    let x = randn([2, 1, 4, 4], seed: 2)
    """

  /// Runs `source` and returns the interpreter with the globals it left (the bindings a
  /// function reads).
  static func run(_ source: String) throws -> Interpreter {
    let (module, c) = Compiler.compile(source: source, path: "p.dpl", options: CompileOptions())
    guard let module else { throw FiniteDifferenceCheck.CheckFailure(c.renderDiagnostics()) }
    let i = Interpreter(module: module, seed: 3)
    i.output = { _ in }
    i.log = { _ in }
    try i.run()
    return i
  }

  @Test func namesAreTheCheckpointsAndTheGradientHasTheModelsStructure() throws {
    let i = try Self.run(Self.model + "\nlet g = grad(net) { mean(square(net(x))) }\nfn keep() -> Any { (net, g) }\n")
    guard case .model(let net)? = i.globals["net"], case .gradient(let g)? = i.globals["g"] else {
      Issue.record("no model or gradient")
      return
    }
    let named = ParameterTree.named(.model(net))
    #expect(named.map(\.name) == net.parameters.map(\.name), "params(net) names as checkpoints do")
    #expect(named.map(\.name) == ["blocks.0.conv.weight", "blocks.0.conv.bias", "blocks.0.bn.weight", "blocks.0.bn.bias",
                                  "blocks.1.conv.weight", "blocks.1.conv.bias", "blocks.1.bn.weight", "blocks.1.bn.bias",
                                  "head.weight", "codebook"])
    #expect(g.tensors.map(\.name) == named.map(\.name))
    #expect(zip(g.tensors, named).allSatisfy { $0.value.shape == $1.parameter.value.shape })
    #expect(net.parameters.allSatisfy { $0.grad == nil }, "the optimizer's gradients are untouched")
    #expect(g.description.hasPrefix("Gradient(Net), 10 tensors:\n  blocks.0.conv.weight  [2, 1, 3, 3]  norm "), "\(g.description)")
  }

  /// Every element of every parameter's gradient against a central difference in Double.
  @Test func gradientOfAModelAgainstFiniteDifferences() throws {
    let i = try Self.run(Self.model + "\nlet g = grad(net) { mean(square(net(x))) }\nfn keep() -> Any { (net, g) }\n")
    guard case .model(let net)? = i.globals["net"], case .gradient(let g)? = i.globals["g"] else {
      Issue.record("no model or gradient")
      return
    }
    let h: Float = 1e-2
    let probe = try Self.run(Self.model + "\nfn probe() -> Tensor { mean(square(net(x))) }\nfn keep() -> Any { net }\n")
    guard case .model(let twin)? = probe.globals["net"] else { return }
    // The same seed gives the same weights: the twin's finite differences are net's.
    for ((name, p), (_, q)) in zip(ParameterTree.named(.model(net)), ParameterTree.named(.model(twin))) {
      #expect(p.value.scalars == q.value.scalars, "\(name)")
    }
    var worst = 0.0
    for ((name, q), (_, analytic)) in zip(ParameterTree.named(.model(twin)), g.tensors) {
      let base = q.value
      for k in 0..<base.count {
        var up = base, down = base
        up[flat: k] += h
        down[flat: k] -= h
        q.value = up
        guard case .tensor(let lu, _) = try probe.call(function: "probe") else { return }
        q.value = down
        guard case .tensor(let ld, _) = try probe.call(function: "probe") else { return }
        q.value = base
        let numeric = (Double(lu.value[flat: 0]) - Double(ld.value[flat: 0])) / Double(2 * h)
        let a = Double(analytic[flat: k])
        let err = abs(a - numeric) / max(abs(a), abs(numeric), 1e-2)
        worst = max(worst, err)
        #expect(err < 2e-2, "\(name)[\(k)]: \(a) against \(numeric)")
      }
    }
    #expect(worst < 2e-2)
  }

  @Test func assignmentIsRefusedWhileATapeRecords() throws {
    let source = Self.model + "\nlet g = grad(net) {\n  net.head.weight = zeros([2, 1])\n  sum(net(x))\n}\n"
    let (module, c) = Compiler.compile(source: source, path: "p.dpl", options: CompileOptions())
    let m = try #require(module, "\(c.renderDiagnostics())")
    let i = Interpreter(module: m, seed: 3)
    i.output = { _ in }
    #expect {
      try i.run()
    } throws: { e in
      (e as? RuntimeError)?.message == "cannot assign parameter 'head.weight' while a gradient is recorded"
    }
  }

  /// A dense weight in PyTorch's layout, by name from the model: the note says to transpose.
  @Test func aTransposedDenseWeightIsNamed() {
    let out = runProgram(source: Self.model + "\nset_param(net, \"head.weight\", zeros([1, 2]))\n")
    let text = out.error ?? ""
    #expect(text.contains("error: cannot assign Tensor[1, 2] to parameter 'head.weight' of shape [2, 1]"), "\(text)")
    #expect(text.contains("note: a dense weight is [cin, cout], the transpose of PyTorch's Linear.weight: use transpose(w, 0, 1)"), "\(text)")
    let typo = runProgram(source: Self.model + "\nset_param(net, \"blocks.1.conv.wieght\", zeros([2, 2, 3, 3]))\n").error ?? ""
    #expect(typo.contains("Net has no parameter 'blocks.1.conv.wieght'") && typo.contains("did you mean 'blocks.1.conv.weight'?"), "\(typo)")
  }

  @Test func theReplCompletesAndShowsThem() throws {
    let engine = ReplEngine(session: Session())
    _ = engine.handle("model Lin() {\n  let l = dense(2, 1)\n  let c = param([2])\n  fn forward(v: Tensor) -> Tensor { l(v) * c }\n}")
    _ = engine.handle("let net = Lin()")
    _ = engine.handle("let layer = net.l")
    #expect(engine.completions(prefix: "layer.", line: "layer.") == ["layer.bias", "layer.weight"])
    _ = engine.handle("let g = grad(net) { sum(net(ones([3, 2]))) }")
    #expect(engine.completions(prefix: "g.", line: "g.") == ["g.c", "g.l"])
    let shown = engine.handle("g")
    #expect(shown.hasPrefix("Gradient(Lin), 3 tensors:\n  l.weight  [2, 1]  norm "), "\(shown)")
    let grad = engine.handle(":grad sum(net(ones([3, 2]))) wrt net")
    #expect(grad.contains("gradient with respect to the parameters of 'net':\n  l.weight  [2, 1]  norm "), "\(grad)")
    #expect(engine.handle("net.l.weight = zeros([1, 2])").contains("cannot assign Tensor[1, 2] to the parameter 'net.l.weight' of shape [2, 1]"))
  }
}
