import Foundation
@testable import LSP

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let stdlib = repositoryRoot.appendingPathComponent("stdlib").path

/// A client that talks to an in-process server: sends messages, keeps the notifications
/// it gets, and answers with each request's result.
final class TestClient {
  let server: LanguageServer
  var notifications: [JSON] = []
  /// What the server logged (to stderr, in `dpl lsp`).
  final class Log { var lines: [String] = [] }
  let log = Log()
  var nextID = 1

  init(format: FormatFunction? = nil, relatedInformation: Bool = true) {
    let log = self.log
    server = LanguageServer(searchPaths: [stdlib], format: format) { log.lines.append($0) }
    _ = request("initialize", ["capabilities": ["textDocument": ["publishDiagnostics": ["relatedInformation": JSON(booleanLiteral: relatedInformation)]]]])
    notify("initialized", [:])
  }

  /// Sends a request; returns the whole response message.
  @discardableResult
  func send(_ method: String, _ params: JSON) -> JSON {
    let id = nextID
    nextID += 1
    var response: JSON = .null
    for m in server.handle(message: ["jsonrpc": "2.0", "id": JSON(id), "method": JSON(method), "params": params]) {
      if m["id"] == JSON(id) { response = m } else { notifications.append(m) }
    }
    return response
  }

  /// Sends a request; returns its result (null on an error).
  @discardableResult
  func request(_ method: String, _ params: JSON) -> JSON { send(method, params)["result"] }

  func notify(_ method: String, _ params: JSON) {
    notifications += server.handle(message: ["jsonrpc": "2.0", "method": JSON(method), "params": params])
  }

  func open(_ uri: String, _ text: String, version: Int = 1) {
    notify("textDocument/didOpen", ["textDocument": ["uri": JSON(uri), "languageId": "dpl", "version": JSON(version), "text": JSON(text)]])
  }

  func change(_ uri: String, version: Int, _ changes: [JSON]) {
    notify("textDocument/didChange", ["textDocument": ["uri": JSON(uri), "version": JSON(version)], "contentChanges": .array(changes)])
  }

  /// The diagnostics last published for a URI.
  func diagnostics(_ uri: String) -> [JSON]? {
    notifications.last { $0["method"] == "textDocument/publishDiagnostics" && $0["params"]["uri"] == JSON(uri) }?["params"]["diagnostics"].array
  }

  /// A request at a position of a document.
  func at(_ method: String, _ uri: String, _ line: Int, _ character: Int, extra: [String: JSON] = [:]) -> JSON {
    var p: [String: JSON] = ["textDocument": ["uri": JSON(uri)], "position": ["line": JSON(line), "character": JSON(character)]]
    for (k, v) in extra { p[k] = v }
    return request("textDocument/" + method, .object(p))
  }
}

/// The 0-based line and UTF-16 character where `marker` starts in `text` (plus `offset` characters).
func position(of marker: String, in text: String, offset: Int = 0) -> (Int, Int) {
  guard let r = text.range(of: marker) else { return (-1, -1) }
  let before = text[..<r.lowerBound]
  let line = before.filter { $0 == "\n" }.count
  let lineStart = before.lastIndex(of: "\n").map { before.index(after: $0) } ?? before.startIndex
  return (line, text[lineStart..<r.lowerBound].utf16.count + offset)
}

/// A scratch folder for files a test writes.
func scratchFolder(_ name: String) throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-lsp-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

extension JSON {
  /// `range.start` as (line, character).
  var start: (Int, Int) { (self["range"]["start"]["line"].int ?? -1, self["range"]["start"]["character"].int ?? -1) }
  var end: (Int, Int) { (self["range"]["end"]["line"].int ?? -1, self["range"]["end"]["character"].int ?? -1) }
  /// The labels of a completion list.
  var labels: [String] { (self["items"].array ?? []).compactMap { $0["label"].string } }
}
