import Foundation
import Testing
@testable import Runtime

/// The example pipelines of `programs/examples/` run end to end on tiny settings (their
/// full runs, in a release build, are measured in the issue's report, not here).
@Suite("executor: example programs")
struct ExecExamplesTests {
  @Test("example runs with tiny settings", arguments: [
    ("quantize.dpl", ["steps": "3", "hidden": "4"], 5),
    ("shortest_path.dpl", ["steps": "1", "test": "4", "batch": "2", "samples": "2", "grid": "4"], 5),
  ])
  func example(_ name: String, _ settings: [String: String], _ lines: Int) throws {
    let url = repositoryRoot.appendingPathComponent("programs/examples").appendingPathComponent(name)
    let out = try runProgram(file: url, set: settings)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines.count == lines, "\(out.stdout)")
  }
}
