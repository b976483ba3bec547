import Foundation
import Testing
@testable import Language

/// The files generated from the registry: `docs/language.md`'s builtin tables (one for the
/// language, one per native module) and the editor grammar's list of builtin names. A test
/// fails when a file differs from what the registry gives; `DPL_REGENERATE=1 swift test
/// --filter RegistryDocsTests` writes them.
@Suite struct RegistryDocsTests {
  static let regenerate = ProcessInfo.processInfo.environment["DPL_REGENERATE"] == "1"
  static let fix = "run: DPL_REGENERATE=1 swift test --filter RegistryDocsTests"

  /// `text` with the part between `<!-- begin NAME -->` and `<!-- end NAME -->` replaced.
  static func replacing(_ name: String, in text: String, with body: String) throws -> String {
    let begin = "<!-- begin \(name) -->\n", end = "<!-- end \(name) -->"
    guard let b = text.range(of: begin), let e = text.range(of: end, range: b.upperBound..<text.endIndex) else {
      throw Missing(description: "no '\(begin.dropLast())' … '\(end)' markers")
    }
    return text.replacingCharacters(in: b.upperBound..<e.lowerBound, with: body)
  }

  struct Missing: Error, CustomStringConvertible { let description: String }

  /// Compares (or, regenerating, writes) one generated file.
  static func check(_ path: String, _ make: (String) throws -> String) throws {
    let url = packageRoot.appendingPathComponent(path)
    let text = try String(contentsOf: url, encoding: .utf8)
    let want = try make(text)
    if regenerate, want != text { try want.write(to: url, atomically: true, encoding: .utf8) }
    #expect(regenerate || want == text, "\(path) differs from the registry; \(fix)")
  }

  @Test func languageDocsTablesAreTheRegistry() throws {
    try Self.check("docs/language.md") { text in
      var t = try Self.replacing("builtins", in: text, with: Builtins.markdownTable(of: nil))
      for m in NativeModule.allCases {
        t = try Self.replacing("module \(m.rawValue)", in: t, with: "`import \(m.rawValue)`: \(m.summary).\n\n" + Builtins.markdownTable(of: m))
      }
      return t
    }
  }

  @Test func grammarListsTheRegistry() throws {
    try Self.check("editors/vscode/syntaxes/dpl.tmLanguage.json") { text in
      let names = Builtins.all.map(\.name).sorted().joined(separator: "|")
      let pattern = #/\\\\b\((?:[a-z_0-9]+\|)*[a-z_0-9]+\)\\\\b\(\?=\\\\s\*\[\(\{\]\)/#
      guard let m = text.firstMatch(of: pattern) else { throw Missing(description: "no builtin list in the grammar") }
      return text.replacingCharacters(in: m.range, with: "\\\\b(\(names))\\\\b(?=\\\\s*[({])")
    }
  }
}
