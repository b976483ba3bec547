import Testing
import Language
@testable import IR

/// `DeadCode`: unused pure ops go, effects stay.
@Suite struct DeadCodeTests {
  @Test func dceRemovesUnusedPureOpsKeepsEffects() throws {
    var b = Builder()
    let x = b.op(.const(.int(1)))
    let unused = b.op(.binary(.add), [x, x])
    _ = b.op(.binary(.mul), [unused, x])
    _ = b.op(.builtin("randn"), [x], .tensor(nil))
    b.void(.builtin("print"), [x])
    var f = b.function()
    DeadCode.run(&f)
    try Verifier.verify(f)
    #expect(kinds(f) == ["const 1", "builtin.randn", "builtin.print"])
  }
}
