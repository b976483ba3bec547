import Testing
import Language
@testable import IR

/// `TapeMarking`: only active differentiable ops are recorded.
@Suite struct TapeMarkingTests {
  @Test func tapeMarksOnlyActiveDifferentiableOps() throws {
    var b = Builder()
    let x = b.op(.builtin("zeros"), [], .tensor([.known(3)]))
    let k = b.op(.builtin("ones"), [], .tensor([.known(3)]))
    var body = Builder(); body.next = 10
    let p = 9  // the region's parameter: the block reads the input as it
    let y = body.op(.binary(.mul), [p, p], .tensor([.known(3)]))
    let z = body.op(.builtin("exp"), [k], .tensor([.known(3)]))
    let idx = body.op(.builtin("argmax"), [y], .intTensor([]))
    let s = body.op(.builtin("sum"), [y], .tensor([]))
    _ = (z, idx)
    body.void(.yield, [s])
    _ = b.op(.grad(valueToo: false), [x], .tensor([.known(3)]), regions: [Region(params: [p], ops: body.ops)])
    var f = b.function()
    f.valueCount = 20
    TapeMarking.run(&f)
    try Verifier.verify(f)
    let rec = f.body.ops[2].regions[0].ops.map(\.record)
    #expect(rec == [true, false, false, true, false])
    #expect(!f.body.ops[0].record)
  }
}
