import Foundation
import Testing
@testable import Runtime
@testable import Interactive

/// Limits that end a run with a located error instead of a signal: the call depth and
/// 64-bit integer overflow.
@Suite struct ExecLimitsTests {
  @Test func infiniteRecursionStopsAtTheDepthLimit() {
    let out = runProgram(source: """
      fn forever(n: Int) -> Int { forever(n + 1) }
      print(forever(0))
      """)
    let text = out.error ?? ""
    #expect(text.hasPrefix("test.dpl:1:29: error: more than \(Interpreter.defaultMaxCallDepth) nested calls"), "\(text.prefix(300))")
    // The first and last calls, with a count between (main is not a call).
    #expect(text.contains("  … \(Interpreter.defaultMaxCallDepth - 1 - 2 * RuntimeError.traceEnds) more calls …"), "\(text.prefix(600))")
    #expect(text.components(separatedBy: "  at forever").count - 1 == 2 * RuntimeError.traceEnds)
  }

  @Test func deepButFiniteRecursionRuns() {
    let out = runProgram(source: """
      fn down(n: Int) -> Int { if n == 0 { 0 } else { 1 + down(n - 1) } }
      print(down(9000))
      """)
    #expect(out.error == nil, "\(out.error?.prefix(300) ?? "")")
    #expect(out.lines == ["9000"])
  }

  @Test func theLimitIsConfigurable() {
    let out = runProgram(source: """
      fn down(n: Int) -> Int { if n == 0 { 0 } else { 1 + down(n - 1) } }
      print(down(50))
      print(down(200))
      """) { $0.maxCallDepth = 100 }
    #expect(out.lines == ["50"])
    #expect(out.error?.contains("error: more than 100 nested calls") == true)
  }

  @Test("integer overflow is an error at the operator", arguments: [
    ("9223372036854775807 + 1", 27), ("0 - 9223372036854775807 - 2", 31), ("4611686018427387904 * 2", 27),
    ("(0 - 9223372036854775807 - 1) / -1", 37), ("-(0 - 9223372036854775807 - 1)", 7),
  ])
  func integerOverflow(expr: String, column: Int) {
    let out = runProgram(source: "let n = 1\nprint(\(expr) + n - n)\n")
    #expect(out.error?.hasPrefix("test.dpl:2:\(column): error: integer overflow") == true, "\(expr): \(out.error ?? "no error")")
  }

  @Test func theReplSurvivesInfiniteRecursion() throws {
    let session = Session()
    session.output = { _ in }
    _ = session.run("let keep = 41")
    _ = session.run("fn forever(n: Int) -> Int { forever(n + 1) }")
    guard case .failure(let text) = session.run("forever(0)") else { Issue.record("expected an error"); return }
    #expect(text.contains("nested calls"))
    guard case .value(.int(let v), _) = session.run("keep + 1") else { Issue.record("the session lost 'keep'"); return }
    #expect(v == 42)
  }
}
