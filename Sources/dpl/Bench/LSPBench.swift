import Foundation
import LSP

/// The language server after an edit of a 500-line file that imports `nn`: the whole
/// `didChange` — apply the edit, check the file and its imports, build
/// `publishDiagnostics` (goal: median under 50 ms) — and a completion after `nn.`, which
/// checks the file once more with a placeholder name.
enum LSPBench {
  static let all = [
    Benchmark(name: "lsp/recheck_500_lines") {
      let (server, source) = try open()
      let (line, character) = try position(of: "seed: 0)", in: source, plus: 6)
      var version = 1
      let (ms, iters) = try Measure.median(iterations: 20) {
        version += 1
        let digit = version % 2 == 0 ? "1" : "0"
        let out = server.handle(message: change(version, line, character, character + 1, digit))
        guard out.contains(where: { $0["method"] == "textDocument/publishDiagnostics" }) else {
          throw BenchError("no diagnostics after a change")
        }
      }
      return BenchResult(medianMs: ms, figures: [("lines", 500)], iterations: iters)
    },
    Benchmark(name: "lsp/complete_member_500_lines") {
      let (server, source) = try open()
      let last = source.split(separator: "\n", omittingEmptySubsequences: false).count - 1
      _ = server.handle(message: change(2, last, 0, 0, "let z = nn."))
      let request: JSON = ["jsonrpc": "2.0", "id": 2, "method": "textDocument/completion",
                           "params": ["textDocument": ["uri": JSON(stringLiteral: uri)], "position": ["line": JSON(integerLiteral: last), "character": 11]]]
      let (ms, iters) = try Measure.median(iterations: 20) {
        guard server.handle(message: request).first?["result"]["items"].array?.contains(where: { $0["label"] == "UNet" }) == true else {
          throw BenchError("no nn.UNet in the completions")
        }
      }
      return BenchResult(medianMs: ms, iterations: iters)
    },
  ]

  static let uri = "file:///tmp/dpl-bench/recheck.dpl"

  /// A server with the 500-line program open.
  static func open() throws -> (LanguageServer, String) {
    let server = LanguageServer(searchPaths: FrontEnd.options().searchPaths, log: { _ in })
    _ = server.handle(message: ["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["capabilities": [:]]])
    let source = "import nn\nlet stdlibNet = nn.UNet(1, 2, depth: 2, base: 4)\n" + CheckBench.program(lines: 498)
    let opened = server.handle(message: ["jsonrpc": "2.0", "method": "textDocument/didOpen",
                                         "params": ["textDocument": ["uri": JSON(stringLiteral: uri), "languageId": "dpl", "version": 1,
                                                                     "text": JSON(stringLiteral: source)]]])
    let diagnostics = opened.first?["params"]["diagnostics"].array ?? []
    guard opened.count == 1, diagnostics.isEmpty else { throw BenchError("the benchmark program does not check: \(diagnostics.map(\.text))") }
    return (server, source)
  }

  static func change(_ version: Int, _ line: Int, _ from: Int, _ to: Int, _ text: String) -> JSON {
    ["jsonrpc": "2.0", "method": "textDocument/didChange",
     "params": ["textDocument": ["uri": JSON(stringLiteral: uri), "version": JSON(integerLiteral: version)],
                "contentChanges": [["range": ["start": ["line": JSON(integerLiteral: line), "character": JSON(integerLiteral: from)],
                                              "end": ["line": JSON(integerLiteral: line), "character": JSON(integerLiteral: to)]],
                                    "text": JSON(stringLiteral: text)]]]]
  }

  static func position(of marker: String, in text: String, plus k: Int) throws -> (Int, Int) {
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      if let r = line.range(of: marker) { return (i, line[..<r.lowerBound].utf16.count + k) }
    }
    throw BenchError("'\(marker)' is not in the benchmark program")
  }
}
