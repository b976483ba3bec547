import Foundation
import Testing
import Language
@testable import IR

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let programsDir = packageRoot.appendingPathComponent("Tests/LanguageTests/Fixtures/programs")
let goldenDir = packageRoot.appendingPathComponent("Tests/IRTests/Fixtures")

/// IR dumps (after lowering, and after the whole pipeline) match golden files;
/// `DPL_RECORD=1` re-records them (and fails).
@Suite struct GoldenIRTests {
  static var programs: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: programsDir.path)) ?? []).filter { $0.hasSuffix(".dpl") && $0 != "helpers.dpl" }.sorted()
  }

  @Test(arguments: programs) func irMatchesGolden(_ name: String) throws {
    for stage in ["lower", "tape"] {
      let (m, c) = Compiler.compile(path: programsDir.appendingPathComponent(name).path, after: stage)
      let module = try #require(m, "\(name): \(c.renderDiagnostics())")
      let dump = Printer.print(module)
      let golden = goldenDir.appendingPathComponent(name.replacingOccurrences(of: ".dpl", with: ".\(stage).ir"))
      if ProcessInfo.processInfo.environment["DPL_RECORD"] == "1" {
        try FileManager.default.createDirectory(at: goldenDir, withIntermediateDirectories: true)
        try dump.write(to: golden, atomically: true, encoding: .utf8)
        Issue.record("recorded \(golden.lastPathComponent); run again without DPL_RECORD")
        continue
      }
      let want = try String(contentsOf: golden, encoding: .utf8)
      #expect(dump == want, "IR of \(name) after \(stage) differs from \(golden.lastPathComponent); rerun with DPL_RECORD=1 if intended")
    }
  }
}
