import Testing
import Language
@testable import IR

/// `Inliner`: small functions are inlined, recursive ones are not.
@Suite struct InlinerTests {
  @Test func inlineSmallFunction() throws {
    var callee = Builder()
    let p = 0
    callee.next = 1
    let d = callee.op(.binary(.mul), [p, p], .float)
    callee.void(.returnValue, [d])
    var sq = callee.function("square", params: [p], types: [.float])
    sq.resultType = .float
    var b = Builder()
    let x = b.op(.const(.float(3)), [], .float)
    let r = b.op(.call("square"), [x], .float)
    b.void(.builtin("print"), [r])
    var m = IRModule(functions: [b.function(), sq])
    Inliner.run(&m)
    try Verifier.verify(m)
    let main = try #require(m.function(named: "main"))
    #expect(kinds(main) == ["const 3.0", "mul", "builtin.print"])
    #expect(main.body.ops[1].operands == [x, x])
    #expect(main.body.ops[2].operands == [main.body.ops[1].result!])
  }

  @Test func recursiveFunctionIsNotInlined() {
    var callee = Builder()
    callee.next = 1
    let r = callee.op(.call("loop"), [0])
    callee.void(.returnValue, [r])
    #expect(!Inliner.isInlinable(callee.function("loop", params: [0], types: [.int])))
  }
}
