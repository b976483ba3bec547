import Testing
@testable import Runtime

/// Operator fusion (docs/runtime.md, "Execution"): Int, Float and Bool ops run as unboxed
/// trees inside the op that uses them, in the IR's order, with the ordinary path's errors.
@Suite struct ExecFusionTests {
  @Test("fused trees run their calls in source order, a branch only when taken, a discarded value for its effects")
  func effectsKeepTheirOrder() {
    let out = runProgram(source: """
      fn p(x: Int) -> Int {
        print(x)
        x
      }
      let a = p(1)
      let b = p(2)
      print(p(3) + p(4) * p(5))
      print(b - a)
      var s = 0
      for i in 0..<3 { s = s + p(i) * 10 }
      print(s)
      print(if p(6) > 5 { p(7) } else { p(8) })
      var k = 3
      while p(k) > 0 { k = k - 2 }
      print(-k)
      if a < b { p(10) } else { p(11) }
      for i in 0..<2 { p(20 + i) }
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["1", "2", "3", "4", "5", "23", "1", "0", "1", "2", "30", "6", "7", "7", "3", "1", "-1", "1", "10", "20", "21"])
  }

  @Test("Int with Float computes in Float; comparisons, !, ||, unary minus, list elements (-1 is the last)")
  func mixedOperands() {
    let out = runProgram(source: """
      fn m(a: Int, b: Float) -> Float { a + b * 2.0 }
      fn c(a: Int, b: Float) -> Bool { !(a > 1) || b < 0.5 }
      fn g(a: Int) -> Int { -(a - 1) }
      fn h(x: Float) -> Float { -x % 0.75 }
      fn fib(n: Int) -> Int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
      fn at(xs: [Float], i: Int) -> Float { xs[i - 1] * 2.0 }
      print(m(1, 0.25))
      print(c(2, 0.25))
      print(c(2, 0.75))
      print(g(5))
      print(h(2.0))
      print(fib(20))
      print(at([1.5, 2.5, 4.0], 1) + at([1.5, 2.5, 4.0], 0))
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["1.5", "true", "false", "-4", "-0.5", "6765", "11.0"])
  }

  @Test("a function that returns a word: called directly, as a value, from a loop's early return")
  func wordReturns() {
    let out = runProgram(source: """
      fn half(x: Int) -> Float { float(x) / 2.0 }
      fn pos(x: Float) -> Bool { x > 0.0 }
      fn first(xs: [Int], k: Int) -> Int {
        for x in xs {
          if x > k { return x }
        }
        return -1
      }
      let h = half
      print(h(3))
      print(pos(half(-1)))
      print(first([1, 5, 9], 4) + first([1], 4))
      print([half(1), h(2)])
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["1.5", "false", "4", "[0.5, 1.0]"])
  }

  @Test("an overflow or a division by zero inside a tree is the ordinary error at its operator",
        arguments: [
          ("fn f(a: Int, b: Int) -> Int { a * b + 1 }\nprint(f(4611686018427387904, 4))",
           "test.dpl:1:33: error: integer overflow: 4611686018427387904 * 4 is outside the 64-bit Int range"),
          ("fn d(a: Int, b: Int) -> Int { 7 + a / (b - b) }\nprint(d(1, 2))", "test.dpl:1:37: error: integer division by zero"),
          ("fn d(a: Int, b: Int) -> Int { 7 + a % (b - b) }\nprint(d(1, 2))", "test.dpl:1:37: error: integer division by zero"),
          ("fn at(xs: [Float], i: Int) -> Float { xs[i - 1] * 2.0 }\nprint(at([1.5, 2.5], 3))",
           "test.dpl:1:39: error: index 2 is out of range for 2 elements"),
          ("fn g(a: Int) -> Int { -(a - 1) }\nprint(g(-9223372036854775807))",
           "test.dpl:1:23: error: integer overflow: -(-9223372036854775808) is outside the 64-bit Int range"),
        ])
  func errorsAtTheOperator(source: String, error: String) {
    let out = runProgram(source: source)
    let text = out.error ?? ""
    #expect(text.hasPrefix(error), "\(text)")
    #expect(text.contains("at "), "the call trace: \(text)")
  }
}
