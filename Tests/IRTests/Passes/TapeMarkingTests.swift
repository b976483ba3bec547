import Testing
import Language
@testable import IR

/// `TapeMarking`: only active differentiable ops are recorded.
@Suite struct TapeMarkingTests {
  @Test func tapeMarksOnlyActiveDifferentiableOps() throws {
    var b = Builder()
    let k = b.op(.builtin("ones"), [], .tensor([.known(3)]))
    let (f, rec) = try tapeMarksInGrad(&b) { body, p in
      let y = body.op(.binary(.mul), [p, p], .tensor([.known(3)]))
      _ = body.op(.builtin("exp"), [k], .tensor([.known(3)]))
      _ = body.op(.builtin("argmax"), [y], .intTensor([]))
      return body.op(.builtin("sum"), [y], .tensor([]))
    }
    #expect(rec == [true, false, false, true, false])
    #expect(!f.body.ops[0].record && !f.body.ops[1].record)
  }

  /// In `minimize`, a value typed `Any` may hold a model (two model types joined by an
  /// `if`): its dynamic call and the loss built on it are marked, so the tape records them
  /// when the value turns out to be a model. A constant `Any` (`none`) marks nothing.
  @Test func anyValueCalledInMinimizeIsMarked() throws {
    let source = """
      model A() {
        let l = dense(2, 1)
        fn forward(x: Tensor) -> Tensor { l(x) }
      }
      model B() {
        let l = dense(2, 1)
        fn forward(x: Tensor) -> Tensor { relu(l(x)) }
      }
      let x = ones([4, 2])
      let net = if x.shape[0] > 2 { A() } else { B() }
      let opt = adam(net, lr: 0.1)
      let loss = opt.minimize { mean(net(x)) + sum(stop_gradient(x)) }
      """
    let (m, c) = Compiler.compile(source: source, after: "tape")
    let module = try #require(m, "\(c.renderDiagnostics())")
    let main = try #require(module.functions.first { $0.name == "main" })
    let block = try #require(main.body.ops.first { $0.kind == .minimize }).regions[0]
    let call = try #require(block.ops.first { $0.kind == .callDynamic })
    #expect(call.record)
    #expect(block.ops.first { $0.kind == .builtin("mean") }?.record == true)
    #expect(block.ops.first { $0.kind == .builtin("sum") }?.record == false)
  }
}
