import Foundation
import Language
import Testing
@testable import LSP

/// `publishDiagnostics` carries exactly what `dpl check` reports, at the spans' ranges.
@Suite struct DiagnosticsTests {
  static let errorsFolder = repositoryRoot.appendingPathComponent("Tests/LanguageTests/Fixtures/errors")
  static var errorFixtures: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: errorsFolder.path)) ?? []).filter { $0.hasSuffix(".dpl") }.sorted()
  }

  @Test("the diagnostics of dpl check, one for one", arguments: errorFixtures)
  func sameAsCheck(_ name: String) throws {
    let url = Self.errorsFolder.appendingPathComponent(name)
    let text = try String(contentsOf: url, encoding: .utf8)
    let c = Compilation(options: CompileOptions(searchPaths: [stdlib]))
    c.parse(path: url.path)
    _ = c.check()
    let expected = c.diagnostics.sorted
    let client = TestClient()
    let uri = Document.uri(of: url.path)
    client.open(uri, text)
    let got = try #require(client.diagnostics(uri))
    #expect(got.count == expected.count)
    let lines = LineIndex(text: text)
    for (d, lsp) in zip(expected, got) {
      if d.span.file == 0 {
        #expect(lsp["message"].string == d.message)
        let p = lines.position(of: d.span.start), e = lines.position(of: d.span.end)
        #expect(lsp.start == (p.line, p.character) && lsp.end == (e.line, e.character), "\(name): \(d.message)")
        // The line is dpl check's line; on an ASCII line the character is its column too.
        let (line, col) = c.files[0].location(of: d.span.start)
        #expect(lsp.start.0 == line - 1)
        if c.files[0].lineText(line).utf8.count == c.files[0].lineText(line).utf16.count { #expect(lsp.start.1 == col - 1) }
      } else {
        #expect(lsp["message"].string?.hasSuffix(": " + d.message) == true, "\(name): \(d.message)")
      }
      #expect(lsp["severity"] == (d.severity == .error ? 1 : 2))
      #expect((lsp["relatedInformation"].array ?? []).map { $0["message"].string ?? "" }.suffix(d.notes.count) == d.notes.map(\.message)[...])
    }
  }

  @Test func notesGoIntoTheMessageWithoutRelatedInformation() throws {
    let client = TestClient(relatedInformation: false)
    client.open("file:///tmp/n.dpl", "let a = 1\nlet a = 2\n")
    let d = try #require(client.diagnostics("file:///tmp/n.dpl")?.first)
    #expect(d["message"].string == "'a' is already defined in this scope\nnote: previous definition of 'a' is on line 1")
    #expect(d["relatedInformation"] == .null)
  }

  @Test func importsComeFromOpenBuffersFirstAndTheirErrorsShowAtTheImport() throws {
    let dir = try scratchFolder("imports")
    defer { try? FileManager.default.removeItem(at: dir) }
    try "fn twice(x: Float) -> Float { x * 2.0 }\n".write(to: dir.appendingPathComponent("helpers.dpl"), atomically: true, encoding: .utf8)
    let main = Document.uri(of: dir.appendingPathComponent("main.dpl").path)
    let helpers = Document.uri(of: dir.appendingPathComponent("helpers.dpl").path)
    let client = TestClient()
    client.open(main, "import helpers\nlet y = helpers.thrice(1.0)\n")
    #expect(client.diagnostics(main)?.map { $0["message"].string ?? "" } == ["module 'helpers' has no member 'thrice'"])
    // The open buffer of helpers.dpl wins over the file on disk, and main is checked again.
    client.open(helpers, "fn thrice(x: Float) -> Float { x * 3.0 }\nfn broken() -> Int { nope }\n")
    #expect(client.diagnostics(main)?.count == 1)
    let d = try #require(client.diagnostics(main)?.first)
    #expect(d["message"].string == "helpers.dpl:2:22: cannot find 'nope' in scope")
    #expect(d.start == (0, 7) && d.end == (0, 14), "at the import's name")
    #expect(d["relatedInformation"].array?.first?["location"]["uri"] == JSON(helpers))
    // Fixing the module clears main's diagnostics.
    client.change(helpers, version: 2, [["text": "fn thrice(x: Float) -> Float { x * 3.0 }\n"]])
    #expect(client.diagnostics(main)?.isEmpty == true)
    // Closing the buffer goes back to the file on disk.
    client.notify("textDocument/didClose", ["textDocument": ["uri": JSON(helpers)]])
    #expect(client.diagnostics(helpers)?.isEmpty == true, "closing clears the closed document's diagnostics")
    #expect(client.diagnostics(main)?.count == 1)
  }

  @Test func changesAreIncrementalAndVersioned() throws {
    let client = TestClient()
    let uri = "file:///tmp/inc.dpl"
    client.open(uri, "let s = \"𝑥\"\nlet t = s + 1\n")
    #expect(client.diagnostics(uri)?.count == 1)
    // Replace `1` (line 1, after `let t = s + `) with `"!"`.
    client.change(uri, version: 7, [["range": ["start": ["line": 1, "character": 12], "end": ["line": 1, "character": 13]], "text": "\"!\""]])
    #expect(client.diagnostics(uri)?.isEmpty == true)
    #expect(client.notifications.last?["params"]["version"] == 7)
    // An error after the non-ASCII string is located in UTF-16 units.
    client.change(uri, version: 8, [["range": ["start": ["line": 0, "character": 12], "end": ["line": 0, "character": 12]], "text": " + oops"]])
    let d = try #require(client.diagnostics(uri)?.first)
    #expect(d["message"] == "cannot find 'oops' in scope")
    #expect(d.start == (0, 15) && d.end == (0, 19))
  }
}
