import Testing
@testable import Runtime

/// Minimal programs for bugs the differential fuzzer found (`dpl fuzz`), each run with
/// every pass setting the fuzzer compares.
@Suite("differential fuzzer: regressions")
struct FuzzRegressionTests {
  /// Runs `source` under every pass setting; the printed lines of each.
  static func outputs(_ source: String) -> [(String, RunOutcome)] {
    DifferentialFuzzer.settings.map { setting in
      (setting.name, runProgram(source: source, skipping: setting.skipping))
    }
  }

  @Test("a gradient through the rows a `for` loop takes from an input (seed 1, program 2208)")
  func forOverRowsOfAnInput() {
    let program = """
      let x = tensor([[1.0, 2.0], [3.0, 4.0]])
      print(grad(x) {
        var s = sum(x * 0.0)
        for r in x { s = s + sum(r * r) }
        s
      })
      """
    for (name, out) in Self.outputs(program) {
      #expect(out.error == nil, "\(name): \(out.error ?? "")")
      #expect(out.lines == ["[[2.0, 4.0], [6.0, 8.0]]"], "\(name)")
    }
  }

  @Test("`eval { … }` hands back no gradient even when its value is a tracked input unchanged (seed 1, program 3637)")
  func evalOfAnInputIsAConstant() {
    let program = """
      let x = tensor([1.0, 2.0])
      print(grad(x) { sum(x * x) + sum(eval { x[:] } * x) })
      print(grad(x) { sum(x * x) + sum(eval { x } * x) })
      print(grad(x) { sum(x * x) + sum(eval { x * 1.0 } * x) })
      """
    for (name, out) in Self.outputs(program) {
      #expect(out.error == nil, "\(name): \(out.error ?? "")")
      #expect(out.lines == ["[3.0, 6.0]", "[3.0, 6.0]", "[3.0, 6.0]"], "\(name)")
    }
  }
}
