import Foundation
import Language
import Testing
@testable import LSP

/// A `dpl lsp` process spoken to over pipes, as an editor does.
final class LSPProcess: @unchecked Sendable {
  /// The `dpl` executable built next to the tests, if any.
  static var executable: String? {
    let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dpl").path]
      + [".build/debug/dpl", ".build/release/dpl"].map { repositoryRoot.appendingPathComponent($0).path }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  let process = Process()
  let input = Pipe(), output = Pipe(), errors = Pipe()
  let lock = NSLock()
  var received: [JSON] = []
  var stderrText = ""
  let arrived = DispatchSemaphore(value: 0)

  init(_ dpl: String) throws {
    process.executableURL = URL(fileURLWithPath: dpl)
    process.arguments = ["lsp"]
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading, err = errors.fileHandleForReading
    Thread.detachNewThread { [self] in
      var framer = MessageFramer()
      while true {
        let data = out.availableData
        if data.isEmpty { break }
        framer.append(data)
        while case .success(let body)? = framer.next() {
          guard let m = try? JSON.parse(body) else { continue }
          lock.lock(); received.append(m); lock.unlock()
          arrived.signal()
        }
      }
    }
    Thread.detachNewThread { [self] in
      while true {
        let data = err.availableData
        if data.isEmpty { break }
        lock.lock(); stderrText += String(decoding: data, as: UTF8.self); lock.unlock()
      }
    }
  }

  func write(_ bytes: [UInt8]) { input.fileHandleForWriting.write(Data(bytes)) }
  func send(_ m: JSON) { write(MessageFramer.frame(Array(m.text.utf8))) }

  /// The first message received that satisfies `match` (and removes it), waiting up to 30 s.
  func wait(_ what: String, _ match: (JSON) -> Bool) -> JSON? {
    let deadline = Date().addingTimeInterval(30)
    while true {
      lock.lock()
      if let i = received.firstIndex(where: match) {
        let m = received.remove(at: i)
        lock.unlock()
        return m
      }
      lock.unlock()
      if Date() > deadline {
        Issue.record("no \(what) from dpl lsp within 30 s")
        return nil
      }
      _ = arrived.wait(timeout: .now() + 0.5)
    }
  }

  var nextID = 1
  /// Sends a request and waits for its response's result.
  func request(_ method: String, _ params: JSON) -> JSON {
    let id = nextID
    nextID += 1
    send(["jsonrpc": "2.0", "id": JSON(id), "method": JSON(method), "params": params])
    return wait("response to \(method)") { $0["id"] == JSON(id) }?["result"] ?? .null
  }

  func notify(_ method: String, _ params: JSON) { send(["jsonrpc": "2.0", "method": JSON(method), "params": params]) }

  func diagnostics(_ uri: String) -> [JSON] {
    wait("diagnostics") { $0["method"] == "textDocument/publishDiagnostics" && $0["params"]["uri"] == JSON(uri) }?["params"]["diagnostics"].array ?? []
  }

  /// Waits for the process to end; its status, or nil when it did not end within 30 s.
  func status() -> Int32? {
    let deadline = Date().addingTimeInterval(30)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    if process.isRunning { process.terminate(); return nil }
    return process.terminationStatus
  }
}

/// The real `dpl lsp` process, driven over its stdin and stdout: a file with an error
/// gets the diagnostic at the right range (the same as `dpl check`'s), hover shows type
/// and shape, definition finds the imported and stdlib declarations, completion after
/// `nn.` lists its members, the blocked gradient's quick fix is the fix-it, a malformed
/// message is survived, and shutdown/exit ends with status 0.
@Suite(.enabled(if: LSPProcess.executable != nil, "needs a built dpl (swift build --product dpl)"))
struct TranscriptTests {
  static let main = """
    import nn
    import helpers

    // Columns count UTF-16 units: é is one, 𝑥 two.
    let x = randn([4, 2], seed: 1)
    let net = nn.Mlp([2, 8, 1])
    let y = helpers.double(x)
    let bad = /* 𝑥é */ y + undefined_name
    let g = grad(x) { sum(round(x) * x) }

    """

  @Test func session() throws {
    let dpl = try #require(LSPProcess.executable)
    let dir = try scratchFolder("transcript")
    defer { try? FileManager.default.removeItem(at: dir) }
    let mainPath = dir.appendingPathComponent("main.dpl").path
    try Self.main.write(toFile: mainPath, atomically: true, encoding: .utf8)
    try "// Twice the input.\nfn double(x: Tensor) -> Tensor { x * 2.0 }\n"
      .write(to: dir.appendingPathComponent("helpers.dpl"), atomically: true, encoding: .utf8)
    let uri = Document.uri(of: mainPath)
    let lsp = try LSPProcess(dpl)

    let caps = lsp.request("initialize", ["processId": .null, "rootUri": JSON(Document.uri(of: dir.path)),
                                          "capabilities": ["textDocument": ["publishDiagnostics": ["relatedInformation": true]]]])
    #expect(caps["capabilities"]["hoverProvider"] == true)
    #expect(caps["capabilities"]["textDocumentSync"]["change"] == 2)
    lsp.notify("initialized", [:])

    // Open → the diagnostics of `dpl check`, at their ranges in UTF-16 units.
    lsp.notify("textDocument/didOpen", ["textDocument": ["uri": JSON(uri), "languageId": "dpl", "version": 1, "text": JSON(Self.main)]])
    let diags = lsp.diagnostics(uri)
    let check = try checkOutput(dpl, mainPath)
    // The blocked gradient of the last line is found on the lowered program: it shows once
    // the type error is gone (below), as in `dpl check`.
    #expect(check.count == 1)
    #expect(diags.map { $0["message"].string ?? "" } == check.map(\.message))
    for (d, c) in zip(diags, check) {
      let lineText = Self.main.split(separator: "\n", omittingEmptySubsequences: false)[c.line - 1]
      let character = String(decoding: Array(lineText.utf8)[..<(c.column - 1)], as: UTF8.self).utf16.count
      #expect(d.start == (c.line - 1, character), "\(c.message)")
    }
    let undefined = try #require(diags.first { $0["message"] == "cannot find 'undefined_name' in scope" })
    let at = position(of: "undefined_name", in: Self.main)
    #expect(undefined.start == at && undefined.end == (at.0, at.1 + 14))
    #expect(at.1 != Array("let bad = /* 𝑥é */ y + ".utf8).count, "the test line has non-ASCII text before the error")

    // Hover → type and shape.
    let (xl, xc) = position(of: "x = randn", in: Self.main)
    let hover = lsp.request("textDocument/hover", ["textDocument": ["uri": JSON(uri)], "position": ["line": JSON(xl), "character": JSON(xc)]])
    #expect(hover["contents"]["value"].string?.contains("let x: Tensor[4, 2]") == true)
    #expect(hover["contents"]["value"].string?.contains("shape `[4, 2]` (rank 2)") == true)

    // Definition → the imported file, and the stdlib.
    let (dl, dc) = position(of: "double(x)", in: Self.main)
    let def = lsp.request("textDocument/definition", ["textDocument": ["uri": JSON(uri)], "position": ["line": JSON(dl), "character": JSON(dc)]])
    #expect(def["uri"] == JSON(Document.uri(of: dir.appendingPathComponent("helpers.dpl").path)))
    #expect(def.start == (1, 3) && def.end == (1, 9))
    let (ml, mc) = position(of: "Mlp", in: Self.main)
    let mlp = lsp.request("textDocument/definition", ["textDocument": ["uri": JSON(uri)], "position": ["line": JSON(ml), "character": JSON(mc)]])
    #expect(mlp["uri"].string?.hasSuffix("stdlib/nn.dpl") == true)
    #expect(mlp.start.0 == stdlibLine("nn.dpl", startingWith: "model Mlp("))

    // An edit fixes the type error → the blocked gradient's error; a code action → its fix-it.
    lsp.notify("textDocument/didChange", ["textDocument": ["uri": JSON(uri), "version": 2],
                                          "contentChanges": [["range": ["start": ["line": JSON(at.0), "character": JSON(at.1)],
                                                                        "end": ["line": JSON(at.0), "character": JSON(at.1 + 14)]],
                                                              "text": "y"]]])
    let fixed = lsp.diagnostics(uri)
    let blocked = try #require(fixed.first { $0["message"].string?.contains("'round' has no gradient") == true })
    let actions = lsp.request("textDocument/codeAction", ["textDocument": ["uri": JSON(uri)], "range": blocked["range"],
                                                          "context": ["diagnostics": [blocked]]])
    let edit = try #require(actions.array?.first?["edit"]["changes"][uri].array?.first)
    #expect(edit["newText"].string?.hasPrefix("@bypass(") == true)
    #expect(edit.start == position(of: "round(x)", in: Self.main))

    // Formatting → `dpl fmt`'s layout, as one edit of the whole text (none when it is formatted).
    #expect(caps["capabilities"]["documentFormattingProvider"] == true)
    let edits = lsp.request("textDocument/formatting", ["textDocument": ["uri": JSON(uri)], "options": ["tabSize": 2, "insertSpaces": true]])
    let edited = Self.main.replacingOccurrences(of: "undefined_name", with: "y")
    let formatted = try SourceFormatter.format(edited, path: mainPath)
    #expect(edits.array?.first?["newText"].string ?? edited == formatted)

    // A malformed message is skipped; the next one is answered.
    lsp.write(Array("Content-Length: many\r\n\r\n{}".utf8))

    // An incremental edit adds `let z = nn.`; completion there lists nn's members.
    let last = Self.main.split(separator: "\n", omittingEmptySubsequences: false).count - 1
    lsp.notify("textDocument/didChange", ["textDocument": ["uri": JSON(uri), "version": 3],
                                          "contentChanges": [["range": ["start": ["line": JSON(last), "character": 0], "end": ["line": JSON(last), "character": 0]],
                                                              "text": "let z = nn."]]])
    _ = lsp.diagnostics(uri)
    let items = lsp.request("textDocument/completion", ["textDocument": ["uri": JSON(uri)], "position": ["line": JSON(last), "character": 11]])
    #expect(Set(["Mlp", "UNet", "DoubleConv"]).isSubset(of: items.labels), "\(items.labels)")

    // Shutdown and exit → status 0.
    #expect(lsp.request("shutdown", .null) == .null)
    lsp.notify("exit", .null)
    #expect(lsp.status() == 0)
    lsp.lock.lock()
    let stderr = lsp.stderrText
    lsp.lock.unlock()
    #expect(stderr.contains("skipped a malformed message"), "\(stderr)")
  }

  /// `dpl check FILE`'s error lines: line, byte column and message.
  func checkOutput(_ dpl: String, _ path: String) throws -> [(line: Int, column: Int, message: String)] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: dpl)
    p.arguments = ["check", path]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return text.split(separator: "\n").compactMap { line in
      guard line.hasPrefix(path + ":") else { return nil }
      let rest = line.dropFirst(path.count + 1).split(separator: ":", maxSplits: 3)
      guard rest.count == 4, let l = Int(rest[0]), let c = Int(rest[1]), rest[2] == " error" else { return nil }
      return (l, c, String(rest[3].dropFirst()))
    }
  }
}
