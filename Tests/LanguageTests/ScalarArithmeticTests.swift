import Testing
@testable import Language

/// The one definition of scalar operators (shared by the checker, the IR folder and the
/// interpreter): values, Int/Float promotion, and the failures the run reports.
struct ScalarArithmeticTests {
  func apply(_ op: BinaryOp, _ a: ConstValue, _ b: ConstValue) -> Result<ConstValue, ScalarArithmetic.Failure> {
    ScalarArithmetic.apply(op, a, b)
  }

  @Test func intArithmeticAndItsFailures() {
    #expect(apply(.add, .int(2), .int(3)) == .success(.int(5)))
    #expect(apply(.div, .int(-7), .int(2)) == .success(.int(-3)))
    #expect(apply(.mod, .int(-7), .int(2)) == .success(.int(-1)))
    #expect(apply(.add, .int(Int.max), .int(1)) == .failure(.overflow))
    #expect(apply(.div, .int(Int.min), .int(-1)) == .failure(.overflow))
    #expect(apply(.div, .int(1), .int(0)) == .failure(.divisionByZero))
    #expect(apply(.mod, .int(1), .int(0)) == .failure(.divisionByZero))
    #expect(apply(.lt, .int(1), .int(2)) == .success(.bool(true)))
    #expect(apply(.and, .int(1), .int(2)) == .failure(.unsupported))
  }

  @Test func floatsAndMixedOperands() {
    #expect(apply(.mul, .int(2), .float(1.5)) == .success(.float(3)))
    #expect(apply(.div, .float(1), .int(0)) == .success(.float(.infinity)))
    #expect(apply(.mod, .float(7.5), .float(2)) == .success(.float(1.5)))
    #expect(apply(.ge, .float(2), .int(2)) == .success(.bool(true)))
  }

  @Test func boolsAndStrings() {
    #expect(apply(.and, .bool(true), .bool(false)) == .success(.bool(false)))
    #expect(apply(.add, .bool(true), .bool(false)) == .failure(.unsupported))
    #expect(apply(.add, .string("a"), .string("b")) == .success(.string("ab")))
    #expect(apply(.lt, .string("a"), .string("b")) == .success(.bool(true)))
    #expect(apply(.sub, .string("a"), .string("b")) == .failure(.unsupported))
    #expect(apply(.add, .string("a"), .int(1)) == .failure(.unsupported))
  }
}
