import Foundation
import Testing
@testable import IR
@testable import Language
@testable import Runtime

/// The word tier (docs/runtime.md, "The word tier"): functions of Int, Float and Bool run as
/// register code. Each program here runs with the tier on and off (closures), with and
/// without the inliner, and must print the same and stop with the same error, byte for
/// byte; each must also have word functions, so the comparison is never vacuous.
@Suite struct ExecWordTierTests {
  static let programs: [(name: String, source: String, words: Int)] = [
    ("recursion", """
      fn fib(n: Int) -> Int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
      fn is_even(n: Int) -> Bool { if n == 0 { true } else { is_odd(n - 1) } }
      fn is_odd(n: Int) -> Bool { if n == 0 { false } else { is_even(n - 1) } }
      print(fib(20))
      print(is_even(10))
      print(is_odd(7) && !is_even(7))
      """, 3),
    ("loops", """
      fn collatz(n: Int) -> Int {
        var x = n
        var steps = 0
        while x != 1 {
          if x % 2 == 0 { x = x / 2 } else { x = 3 * x + 1 }
          steps = steps + 1
        }
        steps
      }
      fn first_square_over(limit: Int) -> Int {
        for i in 0..<limit {
          if i * i > limit { return i }
        }
        -1
      }
      fn skipping(n: Int) -> Int {
        var s = 0
        for i in 0..<n {
          if i % 3 == 0 { continue }
          if i > 40 { break }
          for j in 2..<5 { s = s + i * j }
        }
        var k = n
        while k > 0 {
          k = k - 7
          if k == 3 { break }
        }
        s + k
      }
      fn count(n: Int) -> Int {
        var c = 0
        for _ in 0..<n { c = c + 2 }
        for i in n..<0 { c = c + i }
        c
      }
      print(collatz(27))
      print(first_square_over(50))
      print(first_square_over(0))
      print(skipping(100))
      print(count(5))
      """, 4),
    ("floats", """
      fn root(x: Float) -> Float {
        var g = x / 2
        var k = 0
        while k < 30 {
          g = (g + x / g) * 0.5
          k = k + 1
        }
        g
      }
      fn mixed(a: Int, b: Float) -> Float {
        let q = a / 3
        let r = -b
        if b > a { q * b - 1.5 } else { r % 2.5 + a }
      }
      fn sign(x: Float) -> Int { if x < 0 { -1 } else { if x == 0.0 { 0 } else { 1 } } }
      fn mean(n: Int) -> Float {
        var s = 0.0
        for i in 0..<n { s = s + float(i * i) }
        s / float(n)
      }
      print(root(2.0))
      print(mixed(7, 10.25))
      print(mixed(-8, -7.75))
      print(sign(-0.5) + sign(0.0) * 10 + sign(3.0) * 100)
      print(root(0.0))
      print(mean(7))
      fn acc(k: Int, x: Float) -> Float { if k <= 0 { x } else { acc(k - 1, k + x) * 0.5 } }
      print(acc(3, 0.5))
      """, 5),
    ("ints", """
      fn ops(x: Int, y: Int) -> Int {
        let big = x * 3000000000 + 10 - x
        let m = -x % 7 + x / -3
        let c = 3 < x && x <= 50 || !(y != 2)
        if c { big + m - y } else { m * 2 }
      }
      fn three(a: Int, b: Int, c: Int) -> Int { a * 100 + b * 10 + c }
      fn nested(x: Int) -> Int { three(ops(x, 2), x + 1, three(x, x - 1, 7) % 10) }
      print(ops(4, 1))
      print(ops(-17, 2))
      print(ops(99, 3))
      print(nested(5))
      """, 3),
    ("branches", """
      fn pick(x: Int) -> Int {
        let v = if x > 10 { x - 10 } else { 10 - x }
        var w = v
        if v == 3 { w = 30 }
        if w > 5 { w } else { -w }
      }
      fn flag(b: Bool, x: Int) -> Bool { if b { x > 0 } else { x < 0 } }
      fn same(a: Bool, b: Bool) -> Bool { a == b }
      fn differ(a: Int, b: Int) -> Bool { (a < 3) != (b < 3) }
      fn early(n: Int) -> Int {
        for i in 0..<n {
          if i * i > n { return i }
        }
        return n
      }
      print(pick(13))
      print(pick(7))
      print(pick(12))
      print(flag(true, 3) || flag(false, 3))
      print(same(true, false) || same(false, false))
      print(differ(1, 5) && !differ(4, 5))
      print(early(10) + early(0))
      fn branchy(n: Int) -> Int {
        var s = 1
        if n > 0 {
          for i in 0..<n { s = s + i }
        } else {
          s = 100
        }
        if n > 2 {
          if n > 3 { s = s * 2 }
        } else {
          s = s + 1000
        }
        s
      }
      print(branchy(4))
      print(branchy(3))
      print(branchy(0))
      """, 6),
  ]

  static let errors: [(name: String, source: String, depth: Int?)] = [
    ("overflow deep in recursion", """
      fn grow(n: Int, acc: Int) -> Int { if n == 0 { acc } else { grow(n - 1, acc * 1000) } }
      fn start(n: Int) -> Int { grow(n, 1) + 1 }
      print(start(3))
      print(start(10))
      """, nil),
    ("a constant first", """
      fn triple(x: Int) -> Int { 3 * x }
      print(triple(4000000000000000000))
      """, nil),
    ("division by zero", """
      fn share(a: Int, b: Int) -> Int { a / (b - b) }
      fn outer(a: Int) -> Int { share(a, 3) % 2 }
      print(outer(5))
      """, nil),
    ("remainder by zero", """
      fn rest(a: Int, b: Int) -> Int { a % b }
      print(rest(5, 2))
      print(rest(5, 0))
      """, nil),
    ("negating the smallest Int", """
      fn neg(a: Int) -> Int { -(a - 1) }
      print(neg(-9223372036854775807))
      """, nil),
    ("the smallest Int over -1", """
      fn q(a: Int) -> Int { (a - 1) / -1 }
      print(q(-9223372036854775807))
      """, nil),
    ("the call-depth limit", """
      fn down(n: Int) -> Int { if n == 0 { 0 } else { 1 + down(n - 1) } }
      print(down(50))
      print(down(200))
      """, 100),
    ("the call-depth limit in a loop", """
      fn loop(n: Int) -> Int {
        var s = 0
        for i in 0..<3 { s = s + loop(n + i) }
        s
      }
      print(loop(0))
      """, 30),
  ]

  static func run(_ source: String, words: Bool, inline: Bool, depth: Int? = nil) -> (RunOutcome, Int) {
    var count = 0
    let out = runProgram(source: source, skipping: inline ? [] : ["inline"]) { i in
      i.wordTier = words
      if let depth { i.maxCallDepth = depth }
    }
    let options = CompileOptions(searchPaths: [])
    if let module = Compiler.compile(source: source, path: "test.dpl", options: options, skipping: inline ? [] : ["inline"]).0 {
      count = WordProgram.wordFunctions(module).count
    }
    return (out, count)
  }

  @Test(arguments: programs.map(\.name))
  func programsPrintTheSameWithTheTierOnAndOff(name: String) {
    let p = Self.programs.first { $0.name == name }!
    for inline in [false, true] {
      let (on, words) = Self.run(p.source, words: true, inline: inline)
      let (off, _) = Self.run(p.source, words: false, inline: inline)
      #expect(on.error == nil, "\(name): \(on.error ?? "")")
      #expect(on.stdout == off.stdout, "\(name), inline \(inline):\n\(on.stdout)\nclosures:\n\(off.stdout)")
      #expect(on.error == off.error)
      if !inline { #expect(words == p.words, "\(name): \(words) word functions") }
    }
  }

  @Test(arguments: errors.map(\.name))
  func errorsAreTheSameWithTheTierOnAndOff(name: String) {
    let p = Self.errors.first { $0.name == name }!
    for inline in [false, true] {
      let (on, words) = Self.run(p.source, words: true, inline: inline, depth: p.depth)
      let (off, _) = Self.run(p.source, words: false, inline: inline, depth: p.depth)
      #expect(words > 0)
      #expect(on.error != nil, "\(name): no error")
      #expect(on.error == off.error, "\(name), inline \(inline):\n\(on.error ?? "")\nclosures:\n\(off.error ?? "")")
      #expect(on.stdout == off.stdout)
    }
  }

  @Test("an overflow names the operator's operands in source order, with the calls")
  func overflowMessage() {
    let (out, _) = Self.run(Self.errors[1].source, words: true, inline: false)
    let text = out.error ?? ""
    #expect(text.hasPrefix("test.dpl:1:30: error: integer overflow: 3 * 4000000000000000000 is outside the 64-bit Int range"), "\(text)")
    #expect(text.contains("at triple (test.dpl:2:7)"), "\(text)")
  }

  /// The error of a run of `source` asked to stop after 0.2 s.
  static func stopped(_ source: String, skipping: Set<String> = []) -> String {
    let out = runProgram(source: source, skipping: skipping) { interpreter in
      let flag = interpreter.cancelFlag
      Thread.detachNewThread {
        Thread.sleep(forTimeInterval: 0.2)
        flag.isSet = true
      }
    }
    return out.error ?? ""
  }

  @Test("a stop request ends a word function's loop, at the loop")
  func stopRequestEndsAWordLoop() {
    let text = Self.stopped("""
      fn spin(n: Int) -> Int {
        var k = n
        while k >= 0 { k = k + 1 }
        k
      }
      print(spin(0))
      """, skipping: ["inline"])
    #expect(text.hasPrefix("test.dpl:3:3: error: interrupted"), "\(text)")
    #expect(text.contains("at spin (test.dpl:6:7)"), "\(text)")
  }

  @Test("a stop request ends deep recursion, at a call")
  func stopRequestEndsWordRecursion() {
    let text = Self.stopped("""
      fn fib(n: Int) -> Int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
      print(fib(60))
      """)
    #expect(text.hasPrefix("test.dpl:1:"), "\(text)")
    #expect(text.contains("error: interrupted") && text.contains("at fib (test.dpl:2:7)"), "\(text)")
  }

  @Test("which functions are word functions")
  func eligibility() {
    let source = """
      fn word(n: Int) -> Int { n + 1 }
      fn calls_word(x: Float) -> Float { x * 2 + word(3) }
      fn prints(n: Int) -> Int {
        print(n)
        n
      }
      fn calls_printing(n: Int) -> Int { prints(n) + 1 }
      fn lists(n: Int) -> Int { [n, 1][0] }
      fn tensor(t: Tensor) -> Float { 1.0 }
      fn nothing(n: Int) { }
      print(calls_word(1.0) + float(calls_printing(2) + lists(1)))
      """
    let (module, c) = Compiler.compile(source: source, path: "test.dpl", options: CompileOptions(searchPaths: []),
                                       skipping: ["inline"])
    #expect(module != nil, "\(c.renderDiagnostics())")
    #expect(module.map(WordProgram.wordFunctions) == ["calls_word", "word"])
  }

  @Test("the register code of fib, as `dpl ir --words` prints it")
  func listing() {
    let (module, _) = Compiler.compile(source: "fn fib(n: Int) -> Int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }\nprint(fib(3))\n",
                                       path: "test.dpl", options: CompileOptions(searchPaths: []))
    #expect(WordProgram.listing(module!) == """
      word fn fib (13 registers):
           0  jumpGeIK     @2, r0, #2
           1  ret          r0
           2  subIK        r13, r0, #1
           3  call         r5, fib, frame at r13
           4  subIK        r13, r0, #2
           5  call         r8, fib, frame at r13
           6  addI         r9, r5, r8
           7  ret          r9

      """)
  }
}
