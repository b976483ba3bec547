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
}
