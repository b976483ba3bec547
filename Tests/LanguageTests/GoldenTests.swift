import Foundation
import Testing
@testable import Language

/// Feature programs must check cleanly; their AST dumps must match the golden files.
/// `DPL_RECORD=1` rewrites the golden files (and fails, so a recording run never passes).
@Suite struct GoldenASTTests {
  static var programs: [String] {
    let dir = fixtures.appendingPathComponent("programs").path
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".dpl") }.sorted()
  }

  @Test(arguments: programs) func astMatchesGolden(_ name: String) throws {
    let url = fixtures.appendingPathComponent("programs").appendingPathComponent(name)
    let (c, checked) = compileFile(url)
    #expect(checked != nil, "\(name):\n\(c.renderDiagnostics())")
    let main = try #require(c.modules.last)
    let dump = ASTPrinter.print(main, file: c.files[main.fileID])
    let golden = fixtures.appendingPathComponent("golden").appendingPathComponent(name.replacingOccurrences(of: ".dpl", with: ".ast"))
    if ProcessInfo.processInfo.environment["DPL_RECORD"] == "1" {
      try dump.write(to: golden, atomically: true, encoding: .utf8)
      Issue.record("recorded \(golden.lastPathComponent); run again without DPL_RECORD")
      return
    }
    let want = try String(contentsOf: golden, encoding: .utf8)
    #expect(dump == want, "AST of \(name) differs from \(golden.lastPathComponent); rerun with DPL_RECORD=1 if intended")
  }
}
