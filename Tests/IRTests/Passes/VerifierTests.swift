import Testing
import Language
@testable import IR

/// `Verifier`: malformed IR is caught.
@Suite struct VerifierTests {
  @Test func verifierCatchesUseBeforeDefinition() {
    var b = Builder()
    b.ops.append(Op(result: 0, kind: .unary(.neg), operands: [1], type: .int))
    b.next = 2
    _ = b.op(.const(.int(1)))
    #expect(throws: VerifierError.self) { try Verifier.verify(b.function()) }
  }

  @Test func verifierCatchesBreakOutsideLoop() {
    var b = Builder()
    b.void(.breakLoop)
    #expect(throws: VerifierError.self) { try Verifier.verify(b.function()) }
  }
}
