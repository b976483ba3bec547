import Foundation
import Testing
@testable import IR
@testable import Interactive
@testable import Language
@testable import Runtime

/// An Int where a Float is expected becomes a Float there (docs/language.md, "Types";
/// docs/ir.md, "An Int where a Float is expected"). Before, the value stayed an Int typed
/// Float: `fn r() -> Float { 3 }` made `r() / 2` an Int division (1, not 1.5), or stopped
/// with "internal: a value typed Float holds Int". Each program covers some places an Int
/// can flow into a Float and runs with every pass, without the inliner, with every skippable
/// pass left out, and with the word tier off; each module must also pass the verifier, which
/// rejects an Int-typed value in a Float place.
@Suite struct IntToFloatTests {
  static let programs: [(name: String, source: String)] = [
    ("returns", """
      fn r() -> Float { 3 }
      fn early(c: Bool) -> Float {
        if c { return 5 }
        7
      }
      fn count(xs: [Int]) -> Float { len(xs) }
      print(r() / 2, early(true) / 2, early(false) / 2, count([1, 2, 3]) / 2)  // expect: 1.5 2.5 3.5 1.5
      """),
    ("arguments", """
      fn h(x: Float) -> Float { x / 2 }
      fn area(w: Float, scale: Float = 3) -> Float { w * scale / 2 }
      let n = 3
      var m = 5
      print(h(3), h(n), h(m), h(n + m))                                // expect: 1.5 1.5 2.5 4.0
      print(area(1), area(scale: 1, w: 3), area(n, scale: m))          // expect: 1.5 1.5 7.5
      fn twice(n: Int) -> Float { h(n) + h(n) }
      print(twice(3))                                                  // expect: 3.0
      """),
    ("bindings and assignments", """
      let y: Float = 3
      var z: Float = 1.5
      z = 7
      print(y / 2, z / 2)  // expect: 1.5 3.5
      var w: Float = 2
      w += 1
      let k = 9
      var u: Float = k
      print(w / 2, u / 2)  // expect: 1.5 4.5
      u = k + 1
      print(u / 4)         // expect: 2.5
      let q: Float = len([1, 2])
      print(q / 4)         // expect: 0.5
      fn g() -> Float {
        var acc: Float = 0
        for i in 0..<3 { acc = i }
        acc / 4
      }
      print(g())           // expect: 0.5
      """),
    ("lists", """
      fn ints(n: Int) -> [Int] { [n, n + 1] }
      fn total(xs: [Float]) -> Float {
        var s = 0.0
        for x in xs { s = s + x / 2 }
        s
      }
      let xs: [Float] = [1, 2]
      print(xs[0] / 2, xs)             // expect: 0.5 [1.0, 2.0]
      let mixed = [1, 2.5]
      print(mixed[0] / 2, mixed)       // expect: 0.5 [1.0, 2.5]
      let ns = [3, 4]
      let fs: [Float] = ns
      let gs: [Float] = ints(3)
      print(fs[1] / 8, gs[0] / 2, gs)  // expect: 0.5 1.5 [3.0, 4.0]
      let joined = [1] + [2.5]
      print(joined[0] / 2, joined)     // expect: 0.5 [1.0, 2.5]
      var vs: [Float] = [0.5]
      vs[0] = 3
      vs += [5]
      vs = vs + ints(7)
      print(vs[0] / 2, vs)             // expect: 1.5 [3.0, 5.0, 7.0, 8.0]
      var grid: [[Float]] = [[0.5]]
      grid[0][0] = 9
      print(grid[0][0] / 2)            // expect: 4.5
      print(total([1, 2]), total(ns), total(ints(1)))  // expect: 1.5 3.5 1.5
      """),
    ("tuples", """
      fn pair(n: Int) -> (Int, Int) { (n, n + 1) }
      fn both() -> (Float, String) { (5, "five") }
      let t: (Float, Int) = (1, 2)
      print(t.0 / 2, t.1 / 2)     // expect: 0.5 1
      let p: (Float, Float) = pair(3)
      print(p.0 / 2, p.1 / 2, p)  // expect: 1.5 2.0 (3.0, 4.0)
      let (a, b): (Float, Float) = (1, 3)
      print(both().0 / 2, a / 2, b / 2)  // expect: 2.5 0.5 1.5
      """),
    ("if branches", """
      fn pick(c: Bool) -> Float { if c { 1 } else { 2.5 } }
      fn on(n: Int) -> Bool { n > 0 }
      let v = if on(1) { 1 } else { 2.5 }
      let folded = if 3 > 2 { 1 } else { 2.5 }
      print(v / 2, folded / 2, pick(true) / 2, pick(false) / 2)  // expect: 0.5 0.5 0.5 1.25
      let l = if on(1) { [1] } else { [2.5] }
      let nested: Float = if on(1) { if on(0) { 7 } else { 8 } } else { 9 }
      print(l[0] / 2, nested / 2)                                // expect: 0.5 4.0
      """),
    ("models", """
      model Scale(k: Float, offset: Float = 1) {
        let half: Float = 1
        fn forward(x: Tensor) -> Tensor { x * k }
        fn apply(v: Float) -> Float { (v + offset) * k / 2 + half / 2 }
      }
      let s = Scale(3)
      print(s.k / 2, s.offset / 2, s.half / 2, s.apply(2))  // expect: 1.5 0.5 0.5 5.0
      """),
    ("config and globals", """
      config { rate: Float = 3 }
      let g: Float = 5
      fn use_global() -> Float { g / 2 }
      fn use_rate() -> Float { rate / 2 }
      print(rate / 2, use_global(), use_rate())  // expect: 1.5 2.5 1.5
      """),
  ]

  static var names: [String] { programs.map(\.name) }

  /// Every pass, no inliner, none of the skippable passes.
  static let settings: [Set<String>] = [[], ["inline"], Set(Pipeline.skippable)]

  static func run(_ source: String, skipping: Set<String>, words: Bool = true, set: [String: String] = [:]) -> RunOutcome {
    runProgram(source: source, set: set, skipping: skipping) { $0.wordTier = words }
  }

  @Test(arguments: names) func printsFloats(name: String) throws {
    let source = try #require(Self.programs.first { $0.name == name }).source
    let want = expectations(in: source)
    for skipping in Self.settings {
      for words in [true, false] {
        let out = Self.run(source, skipping: skipping, words: words)
        #expect(out.error == nil, "\(name) skipping \(skipping.sorted()), word tier \(words): \(out.error ?? "")")
        #expect(out.lines == want, "\(name) skipping \(skipping.sorted()), word tier \(words)")
      }
    }
  }

  /// After lowering and after each setting's passes, no Int-typed value sits in a Float place
  /// (the verifier runs here whatever the build's default).
  @Test(arguments: names) func irHoldsNoIntInAFloatPlace(name: String) throws {
    let source = try #require(Self.programs.first { $0.name == name }).source
    let c = Compilation()
    c.parse(source: source, path: "\(name).dpl")
    let lowered = try #require(c.checkAndLower(), "\(c.renderDiagnostics())")
    try Verifier.verify(lowered)
    for module in try Pipeline.run(lowered, verify: true, settings: Self.settings) {
      try Verifier.verify(module)
    }
  }

  /// `dpl ir` of `fn r() -> Float { 3 }`: a Float constant is returned, and a call with an
  /// Int argument for a Float parameter passes a Float.
  @Test func irShowsFloatConstants() throws {
    let (m, c) = Compiler.compile(source: "fn r() -> Float { 3 }\nfn h(x: Float) -> Float { x / 2 }\nlet n = len([1])\nprint(r(), h(3), h(n))",
                                  after: "lower")
    let module = try #require(m, "\(c.renderDiagnostics())")
    let text = Printer.print(module, showSpans: false)
    #expect(text.contains("fn r() -> <Float> {\n  v0 = const 3.0 <Float>\n  return v0\n}"), "\(text)")
    #expect(text.contains("const 3.0 <Float>\n  v") && text.contains("call h <Float> v"), "\(text)")
    #expect(text.contains("builtin.float <Float> v"), "the Int `n` is converted: \(text)")
    #expect(!text.contains("const 3 <Int>"), "\(text)")
    let all = try #require(Compiler.compile(source: "fn r() -> Float { 3 }\nprint(r() / 2)").0)
    #expect(Printer.print(all, showSpans: false).contains("const 1.5 <Float>"), "folded in Float")
  }

  /// The verifier rejects an Int constant typed Float, an Int returned as a Float, and an Int
  /// argument for a Float parameter; it accepts a converted argument and a NaN constant.
  @Test func verifierRejectsAnIntInAFloatPlace() {
    func function(_ name: String, result: ValueType, params: [ValueType] = [], _ ops: [Op]) -> Function {
      Function(name: name, paramNames: params.map { _ in "x" }, paramTypes: params, resultType: result,
               body: Region(params: Array(0..<params.count), ops: ops), span: .none, valueCount: 10)
    }
    let constant = function("r", result: .float, [Op(result: 0, kind: .const(.int(3)), type: .float), Op(result: nil, kind: .returnValue, operands: [0])])
    #expect(throws: VerifierError.self) { try Verifier.verify(constant) }
    let returned = function("r", result: .float, [Op(result: 0, kind: .const(.int(3)), type: .int), Op(result: nil, kind: .returnValue, operands: [0])])
    #expect(throws: VerifierError.self) { try Verifier.verify(returned) }
    let callee = function("h", result: .float, params: [.float], [Op(result: nil, kind: .returnValue, operands: [0])])
    let caller = function("main", result: .void, [Op(result: 0, kind: .const(.int(3)), type: .int),
                                                  Op(result: 1, kind: .call("h"), operands: [0], type: .float)])
    #expect(throws: VerifierError.self) { try Verifier.verify(IRModule(functions: [caller, callee])) }
    let converted = function("main", result: .void, [Op(result: 0, kind: .const(.int(3)), type: .int),
                                                     Op(result: 1, kind: .builtin(Builtins.id("float")), operands: [0], type: .float),
                                                     Op(result: 2, kind: .call("h"), operands: [1], type: .float)])
    #expect(throws: Never.self) { try Verifier.verify(IRModule(functions: [converted, callee])) }
    let nan = function("n", result: .float, [Op(result: 0, kind: .const(.float(.nan)), type: .float), Op(result: nil, kind: .returnValue, operands: [0])])
    #expect(throws: Never.self, "a NaN constant is a Float (though not equal to itself)") { try Verifier.verify(nan) }
  }

  /// A `--set` of a Float config is a Float, whether written `1` or `1.0`.
  @Test func configOverridesStayFloats() {
    let source = Self.programs.first { $0.name == "config and globals" }?.source ?? ""
    for text in ["1", "1.0"] {
      let out = Self.run(source, skipping: [], set: ["rate": text])
      #expect(out.lines == ["0.5 2.5 0.5"], "--set rate=\(text): \(out.error ?? "")")
    }
  }

  /// The REPL: each input is compiled on its own, with earlier bindings as globals.
  @Test func replInputsConvert() {
    let session = Session()
    for input in ["let y: Float = 3", "fn h(x: Float) -> Float { x / 2 }", "var z: Float = 1.5", "z = 7"] {
      if case .failure(let e) = session.run(input) { Issue.record("\(input): \(e)") }
    }
    for (input, want) in [("y / 2", 1.5), ("h(3)", 1.5), ("z / 2", 3.5), ("h(len([1, 2, 3]))", 1.5)] {
      guard case .value(.float(let v), .float) = session.run(input) else {
        Issue.record("\(input) is not a Float")
        continue
      }
      #expect(v == want, "\(input)")
    }
  }

  /// A list element that is not the list's type is a compile error (it was accepted).
  @Test func listElementAssignmentIsChecked() {
    let out = Self.run("var xs: [Float] = [1.5]\nxs[0] = \"a\"\nprint(xs)", skipping: [])
    #expect(out.error?.contains("cannot assign a value of type String to an element of type Float") == true, "\(out.error ?? "")")
    let nested = Self.run("var m = [[1]]\nm[0][0] = 2.5\nprint(m)", skipping: [])
    #expect(nested.error?.contains("cannot assign a value of type Float to an element of type Int") == true, "\(nested.error ?? "")")
  }
}
