import Foundation
import IR
import Testing
@testable import Language

/// The shared conformance programs: `.err` programs must fail `check` at the given
/// location; `.out` programs must check cleanly.
@Suite struct ConformanceTests {
  static var programs: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: conformanceDir.path)) ?? []
    return names.filter { $0.hasSuffix(".dpl") }.sorted()
  }

  @Test func conformanceFolderExists() {
    if !FileManager.default.fileExists(atPath: conformanceDir.path) {
      print("skipping conformance: \(conformanceDir.path) does not exist")
    }
  }

  @Test(arguments: programs) func program(_ name: String) throws {
    let url = conformanceDir.appendingPathComponent(name)
    let stem = url.deletingPathExtension().path
    // As `dpl check`: the gradient diagnostics come from the lowered program.
    var (c, checked) = compileFile(url)
    if let p = checked, c.lower(p) == nil { checked = nil }
    if let want = try? String(contentsOfFile: stem + ".err", encoding: .utf8) {
      let first = try #require(errorLocations(c).first, "expected an error in \(name)")
      let got = want.contains(":") ? "\(first.line):\(first.col)" : "\(first.line)"
      #expect(got == want.trimmingCharacters(in: .whitespacesAndNewlines), "\(name): \(c.renderDiagnostics())")
    } else if FileManager.default.fileExists(atPath: stem + ".out") {
      #expect(checked != nil, "\(name) should check cleanly:\n\(c.renderDiagnostics())")
    }
  }
}
