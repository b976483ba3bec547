import Foundation
import Testing
@testable import Language

/// Error programs: every `// error@COL: text` marker (on the line the error must point at)
/// or `// error@LINE:COL: text` (anywhere) must match one reported error exactly, and no
/// other error may be reported.
@Suite struct DiagnosticTests {
  static var files: [String] {
    let dir = fixtures.appendingPathComponent("errors").path
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
      .filter { $0.hasSuffix(".dpl") && $0 != "helper.dpl" }.sorted()
  }

  struct Expected: Hashable {
    var line: Int
    var col: Int
    var text: String
  }

  static func markers(_ source: String) -> [Expected] {
    var out: [Expected] = []
    for (i, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      for part in line.components(separatedBy: "// error@").dropFirst() {
        guard let colon = part.firstIndex(of: " ") else { continue }
        var loc = String(part[..<colon])
        if loc.hasSuffix(":") { loc.removeLast() }
        let text = part[part.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        let nums = loc.split(separator: ":").compactMap { Int($0) }
        if nums.count == 2 { out.append(Expected(line: nums[0], col: nums[1], text: text)) }
        else if nums.count == 1 { out.append(Expected(line: i + 1, col: nums[0], text: text)) }
      }
    }
    return out
  }

  @Test(arguments: files) func errorsAreLocated(_ name: String) throws {
    let url = fixtures.appendingPathComponent("errors").appendingPathComponent(name)
    let source = try String(contentsOf: url, encoding: .utf8)
    let expected = DiagnosticTests.markers(source)
    #expect(!expected.isEmpty, "\(name) has no markers")
    let (c, _) = compileFile(url)
    let got = errorLocations(c)
    for e in expected {
      let hit = got.contains { $0.line == e.line && $0.col == e.col && $0.message.hasPrefix(e.text) }
      #expect(hit, "\(name):\(e.line):\(e.col): expected error '\(e.text)'\n\(c.renderDiagnostics())")
    }
    for g in got where !expected.contains(where: { $0.line == g.line && $0.col == g.col }) {
      Issue.record("\(name):\(g.line):\(g.col): unexpected error '\(g.message)'")
    }
  }

  @Test func distinctErrorKinds() throws {
    var kinds = Set<String>()
    for name in DiagnosticTests.files {
      let source = try String(contentsOf: fixtures.appendingPathComponent("errors").appendingPathComponent(name), encoding: .utf8)
      for m in DiagnosticTests.markers(source) {
        // The kind is the message with quoted names and numbers removed.
        let kind = m.text.replacingOccurrences(of: "'[^']*'", with: "'_'", options: .regularExpression)
          .replacingOccurrences(of: "[0-9]+", with: "N", options: .regularExpression)
        kinds.insert(String(kind.prefix(30)))
      }
    }
    #expect(kinds.count >= 40, "only \(kinds.count) distinct error kinds")
  }

  @Test func renderingHasCaretNoteAndFixIt() {
    let (c, _) = compile("fn add(a: Int, b: Int = 1) -> Int { a + b }\nprint(add(1, c: 2))\n", path: "t.dpl")
    let text = c.renderDiagnostics()
    #expect(text.contains("t.dpl:2:14: error: no parameter labelled 'c' in call to 'add'\nprint(add(1, c: 2))\n             ^\n"))
    #expect(text.contains("fix-it: 2:14: replace with 'b'"))
    #expect(text.contains("note: did you mean 'b'?"))
  }

  @Test func tildesUnderTheSpan() {
    let (c, _) = compile("let x = 1\nx = 2\n", path: "t.dpl")
    let text = c.renderDiagnostics()
    #expect(text.contains("t.dpl:2:1: error: cannot assign to 'x': 'x' is a 'let' constant"))
    #expect(text.contains("fix-it: 1:1: replace with 'var'"))
    let (c2, _) = compile("let m = zeros([2, 3]) @ zeros([4, 5])\nlet r = round(2.0)\nlet q = mse(m, m)\n", path: "t.dpl")
    #expect(c2.renderDiagnostics().contains("^"))
  }

  @Test func noCascadeAfterUndefinedName() {
    let (c, _) = compile("let a = nope + 1\nlet b = a * 2\nlet t = a @ a\nprint(b.shape)\n")
    #expect(c.diagnostics.errorCount == 1)
  }
}

/// A diagnostic on a very long line shows a window around the caret, not the whole line.
@Test func longLinesShowAWindow() {
  let line = "let s = \"" + String(repeating: "é", count: 50_000) + "\"; let y = missing_name + 1"
  let c = Compilation()
  c.parse(source: line + "\n", path: "long.dpl")
  _ = c.check()
  let text = c.renderDiagnostics()
  let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  #expect(lines[0].hasPrefix("long.dpl:1:"))
  #expect(lines.allSatisfy { $0.count < 400 }, "every rendered line is short")
  // The caret sits under the name in the shown window.
  let shown = lines[1], caret = lines[2]
  let at = caret.firstIndex(of: "^").map { caret.distance(from: caret.startIndex, to: $0) } ?? -1
  #expect(shown.hasPrefix("…"))
  #expect(at >= 0 && at < shown.count && Array(shown)[at...].starts(with: "missing_name"), "\(shown)\n\(caret)")
  #expect(caret.hasSuffix("^" + String(repeating: "~", count: "missing_name".count - 1)))
}
