import Testing
import Language
@testable import IR

/// `ConstantFolding`: arithmetic and branches on constants.
@Suite struct ConstantFoldingTests {
  @Test func foldArithmetic() throws {
    var b = Builder()
    let x = b.op(.const(.int(2)))
    let y = b.op(.const(.int(3)))
    let s = b.op(.binary(.mul), [x, y])
    b.void(.builtin("print"), [s])
    var f = b.function()
    ConstantFolding.run(&f)
    try Verifier.verify(f)
    #expect(f.body.ops[2].kind == .const(.int(6)))
  }

  @Test func foldDoesNotDivideByZero() {
    var b = Builder()
    let x = b.op(.const(.int(2)))
    let y = b.op(.const(.int(0)))
    _ = b.op(.binary(.div), [x, y])
    var f = b.function()
    ConstantFolding.run(&f)
    #expect(f.body.ops[2].kind == .binary(.div))
  }

  @Test func foldConstantBranch() throws {
    var b = Builder()
    let c = b.op(.const(.bool(false)), [], .bool)
    var t = Builder(); t.next = 10
    let one = t.op(.const(.int(1)))
    t.void(.yield, [one])
    var e = Builder(); e.next = 20
    let two = e.op(.const(.int(2)))
    e.void(.yield, [two])
    let r = b.op(.ifElse, [c], .int, regions: [Region(ops: t.ops), Region(ops: e.ops)])
    b.void(.builtin("print"), [r])
    var f = b.function()
    f.valueCount = 30
    ConstantFolding.run(&f)
    try Verifier.verify(f)
    #expect(f.body.ops.last?.operands == [20])
    #expect(!kinds(f).contains("if"))
  }
}
