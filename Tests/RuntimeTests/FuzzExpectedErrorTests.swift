import Testing
@testable import Fuzz

/// The differential fuzzer's programs that must fail: it passes them when each setting stops
/// with the expected error, and fails them when the error is another or does not come.
@Suite struct FuzzExpectedErrorTests {
  /// The first programs of seed 1 that must fail at each stage.
  static func mustFail(_ stage: ExpectedError.Stage) -> GeneratedProgram? {
    (0..<400).lazy.map { ProgramGenerator.program(seed: 1, index: $0) }.first { $0.expectedError?.stage == stage }
  }

  @Test(arguments: [ExpectedError.Stage.compile, .run])
  func anExpectedErrorPassesAndAnotherFails(stage: ExpectedError.Stage) throws {
    var p = try #require(Self.mustFail(stage))
    let fuzzer = DifferentialFuzzer()
    #expect(fuzzer.check(p) == nil, "\(fuzzer.check(p)?.description ?? "")")
    p.expectedError?.parts.append("a message no error has")
    #expect(fuzzer.check(p) != nil)
    p.expectedError = nil
    #expect(fuzzer.check(p) != nil, "a program that fails without being expected to is a failure")
  }

  @Test func aProgramThatRunsToItsEndWhenItMustFailIsAFailure() throws {
    var p = ProgramGenerator.program(seed: 1, index: 0)
    try #require(p.expectedError == nil)
    p.expectedError = ExpectedError(stage: .run, parts: ["is outside the Int32 range"])
    #expect(DifferentialFuzzer().check(p)?.detail.contains("ran to its end") == true)
    p.expectedError = ExpectedError(stage: .compile, parts: ["no gradient reaches"])
    #expect(DifferentialFuzzer().check(p)?.kind == "no compile error")
  }

  /// Program 38484 of seed 1 asked for an Int32 overflow that the draws did not find; the
  /// fallback's print had neither an expected line nor an error. It now ends with a model.
  @Test func anOverflowNotFoundEndsOtherwise() {
    let p = ProgramGenerator.program(seed: 1, index: 38484)
    #expect(DifferentialFuzzer().check(p) == nil)
    #expect(!p.source.contains("print(tensor([16777217]) + 1)"))
  }

  /// Program 74477 of seed 1 bypassed `hard2(net(x), w)` with the model in an `Any`: the
  /// checker bypassed `w` (the first argument typed Tensor) and rightly refused the program;
  /// the generator now says `wrt: a`.
  @Test func twoArgumentBypassNamesItsInput() {
    let p = ProgramGenerator.program(seed: 1, index: 74477)
    #expect(p.source.contains("wrt: a) hard2("))
    #expect(DifferentialFuzzer().check(p) == nil)
  }

  /// Program 282047 of seed 1 repeated `@bypass(ste) round(…)`, computed earlier, inside a
  /// `check_grad` block: check_grad holds a bypassed call fixed, the reference's differences
  /// did not, and the verdicts differed. A check_grad block now repeats no such expression.
  @Test func checkGradRepeatsNoBypass() {
    let p = ProgramGenerator.program(seed: 1, index: 282047)
    let block = p.source.components(separatedBy: "check_grad(").dropFirst().first ?? ""
    #expect(!block.prefix(while: { $0 != "}" }).contains("@bypass"))
    #expect(DifferentialFuzzer().check(p) == nil)
  }

  /// Programs 528274 and 724146 of seed 1 checked a gradient that is zero
  /// (`mean(mean(x, axis: 1, keepdims: true) - x)`, `mse(x1, t)` at t = x1): check_grad's error
  /// is then a ratio of rounding errors, which the reference no longer predicts.
  @Test(arguments: [528274, 724146])
  func zeroGradientHasNoVerdict(index: Int) {
    #expect(DifferentialFuzzer().check(ProgramGenerator.program(seed: 1, index: index)) == nil)
  }
}
