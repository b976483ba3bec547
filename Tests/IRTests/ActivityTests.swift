import Foundation
import Testing
@testable import IR
import Language

/// The activity dataflow on fixture programs: every `// error@COL: text` marker must match
/// one reported error on its line, and no other error may be reported.
@Suite struct ActivityTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/activity")
  static var files: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".dpl") }.sorted()
  }

  static func errors(_ source: String, path: String) -> (Compilation, [(line: Int, col: Int, message: String)]) {
    let c = Compilation(options: CompileOptions(searchPaths: []))
    c.parse(source: source, path: path)
    _ = c.checkAndLower()
    let file = c.files.firstIndex { $0.path == path } ?? 0
    let found = c.diagnostics.diagnostics.filter { $0.severity == .error && $0.span.file == file }.map { d in
      let (line, col) = c.files[file].location(of: d.span.start)
      return (line, col, d.message)
    }
    return (c, found)
  }

  @Test func blockedGradientHasFixIts() {
    let src = "let x = tensor([1.0, 2.0])\nlet g = grad(x) { sum(round(x)) }\n"
    let (c, found) = Self.errors(src, path: "t.dpl")
    let d = c.diagnostics.diagnostics.first
    #expect(d?.fixIts.first?.replacement == "@bypass(ste) ")
    #expect(found.first.map { "\($0.line):\($0.col)" } == "2:23")
    // The alternative: cut the gradient on purpose around the blocked argument.
    let stop = d?.notes.flatMap(\.fixIts).map(\.replacement)
    #expect(stop == ["stop_gradient(", ")"])
  }

  @Test(arguments: files) func errorsAreLocated(_ name: String) throws {
    let url = Self.folder.appendingPathComponent(name)
    let source = try String(contentsOf: url, encoding: .utf8)
    var expected: [(line: Int, col: Int, text: String)] = []
    for (i, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      guard let r = line.range(of: "// error@") else { continue }
      let rest = line[r.upperBound...]
      guard let colon = rest.firstIndex(of: ":"), let col = Int(rest[..<colon]) else { continue }
      expected.append((i + 1, col, rest[rest.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
    }
    let (c, got) = Self.errors(source, path: url.path)
    for e in expected {
      #expect(got.contains { $0.line == e.line && $0.col == e.col && $0.message.hasPrefix(e.text) },
              "\(name):\(e.line):\(e.col): expected error '\(e.text)'\n\(c.renderDiagnostics())")
    }
    for g in got where !expected.contains(where: { $0.line == g.line && $0.col == g.col }) {
      Issue.record("\(name):\(g.line):\(g.col): unexpected error '\(g.message)'")
    }
  }
}
