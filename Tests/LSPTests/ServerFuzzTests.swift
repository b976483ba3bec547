import Foundation
import Fuzz
import Testing
@testable import LSP

/// The server on the front-end fuzzer's mutated programs: random edits at random UTF-16
/// positions, then every feature at random positions. Any trap would end the test
/// process; every request must get a result or an error.
@Suite struct ServerFuzzTests {
  static var corpus: [String] {
    ["programs", "stdlib", "Tests/LanguageTests/Fixtures/errors"].flatMap { d -> [String] in
      let dir = repositoryRoot.appendingPathComponent(d)
      let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".dpl") }.sorted()
      return names.compactMap { try? String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) }
    }
  }

  @Test func mutatedProgramsAndRandomPositions() throws {
    final class Count: @unchecked Sendable { var answered = 0 }
    let count = Count()
    // Deeply nested input recurses in the parser: run where `dpl lsp` runs, on a large stack.
    let done = DispatchSemaphore(value: 0)
    let corpus = Self.corpus
    let thread = Thread {
      var fuzzer = Fuzzer(seed: 17, corpus: corpus)
      var rng = SystemRandomNumberGenerator()
      let client = TestClient()
      for i in 0..<200 {
        let uri = "file://\(repositoryRoot.path)/programs/fuzz\(i % 3).dpl"
        let text = i % 4 == 3 ? fuzzer.nextInput() : fuzzer.mutate()
        client.open(uri, text, version: i)
        let lines = max(1, text.split(separator: "\n", omittingEmptySubsequences: false).count)
        func spot() -> JSON { ["line": JSON(Int.random(in: 0...lines, using: &rng)), "character": JSON(Int.random(in: 0...90, using: &rng))] }
        client.change(uri, version: i + 1, [["range": ["start": spot(), "end": spot()], "text": JSON(["é", ".", "(", "nn.", "\n", ""].randomElement(using: &rng) ?? "")]])
        for method in ["hover", "definition", "references", "completion"] {
          let r = client.send("textDocument/" + method, ["textDocument": ["uri": JSON(uri)], "position": spot(), "context": ["includeDeclaration": true]])
          if r["error"].isNull { count.answered += 1 } else { Issue.record("\(method) failed: \(r.text)") }
        }
        _ = client.request("textDocument/codeAction", ["textDocument": ["uri": JSON(uri)], "range": ["start": spot(), "end": spot()], "context": [:]])
        _ = client.request("textDocument/documentSymbol", ["textDocument": ["uri": JSON(uri)]])
        if i % 5 == 4 { client.notify("textDocument/didClose", ["textDocument": ["uri": JSON(uri)]]) }
      }
      done.signal()
    }
    thread.stackSize = 1 << 30
    thread.start()
    done.wait()
    #expect(count.answered == 800)
  }
}
