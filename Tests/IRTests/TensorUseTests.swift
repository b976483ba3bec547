import Testing
import Language
@testable import IR

/// `IRModule.mayComputeTensors`: `dpl run` maps OpenBLAS only for programs that can make a
/// tensor, so a wrong "no" would reach a BLAS kernel with no library loaded.
@Suite struct TensorUseTests {
  static func module(_ source: String) throws -> IRModule {
    let (m, c) = Compiler.compile(source: source, path: "use.dpl")
    return try #require(m, "\(c.diagnostics)")
  }

  @Test func scalarCodeComputesNoTensors() throws {
    let m = try Self.module("""
      fn fib(n: Int) -> Int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
      var xs = [1.5, 2.5]
      xs[0] = 3.0
      let pair = (fib(10), "ten")
      for i in 0..<3 { print(i, xs, pair) }
      """)
    #expect(!m.mayComputeTensors)
  }

  @Test("a tensor anywhere — a value, a region, a parameter, a list's element, a model",
        arguments: [
          "let x = tensor([1.0, 2.0])\nprint(sum(x))",
          "for i in 0..<2 { if i == 1 { print(zeros([2])) } }",
          "fn f(t: Tensor) -> Int { 1 }\nprint(2)",
          "fn f(ts: [Tensor]) -> Int { 1 }\nprint(2)",
          "model M() {\n  let l = dense(2, 1)\n  fn forward(x: Tensor) -> Tensor { l(x) }\n}\nlet m = M()\nprint(1)",
        ])
  func anyTensorCounts(_ source: String) throws {
    #expect(try Self.module(source).mayComputeTensors)
  }
}
