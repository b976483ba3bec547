import Foundation
import Language

/// The dpl language server: takes the client's messages one at a time and returns the
/// messages to send back (responses, and `publishDiagnostics` after every change).
/// It knows nothing of stdio — `StdioTransport` feeds it — so tests drive it directly.
///
/// Every open document is checked as a main program by the same front end as `dpl check`
/// on each change; documents that import a changed one are checked again too.
public final class LanguageServer {
  enum State { case starting, running, shutDown }

  /// Folders searched for `import NAME` after the importing file's own (the stdlib).
  let searchPaths: [String]
  let format: FormatFunction?
  let log: (String) -> Void
  var state = State.starting
  /// Open documents and their latest checks, by URI.
  var documents: [String: Document] = [:]
  var analyses: [String: Analysis] = [:]
  /// The client shows `relatedInformation` (else notes go into the message).
  var relatedInformation = false
  /// Set by `exit`: 0 after `shutdown`, 1 without.
  public private(set) var exitCode: Int32?

  public init(searchPaths: [String], format: FormatFunction? = nil, log: @escaping (String) -> Void = LanguageServer.stderr) {
    self.searchPaths = searchPaths
    self.format = format
    self.log = log
  }

  public static func stderr(_ line: String) {
    FileHandle.standardError.write(Data(("dpl lsp: " + line + "\n").utf8))
  }

  /// Handles one message body (JSON text).
  public func handle(_ body: [UInt8]) -> [JSON] {
    let json: JSON
    do { json = try JSON.parse(body) } catch {
      log("a message that is not JSON: \(String(decoding: body.prefix(200), as: UTF8.self))")
      return [Outgoing.error(id: .null, RPCError(code: RPCError.parseError, message: "the message is not valid JSON"))]
    }
    return handle(message: json)
  }

  /// Handles one message.
  public func handle(message json: JSON) -> [JSON] {
    let incoming: Incoming
    do { incoming = try Incoming.read(json) } catch {
      return [Outgoing.error(id: json["id"], error as? RPCError ?? RPCError(code: RPCError.invalidRequest, message: "\(error)"))]
    }
    switch incoming {
    case .response:
      return []
    case .notification(let method, let params):
      do { return try notify(method, params) } catch {
        log("\(method): \(error)")
        return []
      }
    case .request(let id, let method, let params):
      do {
        return [Outgoing.response(id: id, result: try request(method, params))]
      } catch let e as RPCError {
        return [Outgoing.error(id: id, e)]
      } catch {
        log("\(method): \(error)")
        return [Outgoing.error(id: id, RPCError(code: RPCError.internalError, message: "\(error)"))]
      }
    }
  }

  func request(_ method: String, _ params: JSON) throws -> JSON {
    switch state {
    case .starting where method != "initialize":
      throw RPCError(code: RPCError.serverNotInitialized, message: "the server has not been initialized")
    case .shutDown:
      throw RPCError(code: RPCError.invalidRequest, message: "the server is shut down")
    case .running where method == "initialize":
      throw RPCError(code: RPCError.invalidRequest, message: "the server is already initialized")
    default: break
    }
    switch method {
    case "initialize": return initialize(params)
    case "shutdown":
      state = .shutDown
      return .null
    case "textDocument/hover":
      let (a, offset) = try locate(params)
      guard let (text, span) = a.hover(at: offset) else { return .null }
      return ["contents": ["kind": "markdown", "value": JSON(text)], "range": a.lines(a.fileID).range(span)]
    case "textDocument/definition":
      let (a, offset) = try locate(params)
      return a.definition(at: offset, uris: uri)
    case "textDocument/references":
      let (a, offset) = try locate(params)
      return a.references(at: offset, includeDeclaration: params["context"]["includeDeclaration"].bool ?? true, uris: uri)
    case "textDocument/documentSymbol":
      return try analysis(params).documentSymbols()
    case "textDocument/completion":
      let (a, offset) = try locate(params)
      let doc = try document(params)
      return ["isIncomplete": false, "items": .array(a.completions(at: offset) { self.check(doc, text: $0) })]
    case "textDocument/codeAction":
      let a = try analysis(params)
      guard let r = a.lines(a.fileID).span(params["range"]) else { throw RPCError.invalidParams("a code action needs a 'range'") }
      return .array(a.codeActions(in: r, relatedInformation: relatedInformation, uris: uri))
    case "textDocument/formatting":
      guard let format else { throw RPCError(code: RPCError.methodNotFound, message: "formatting needs dpl fmt") }
      return formatting(try document(params), with: format)
    default:
      throw RPCError(code: RPCError.methodNotFound, message: "unknown method '\(method)'")
    }
  }

  func notify(_ method: String, _ params: JSON) throws -> [JSON] {
    if method == "exit" {
      exitCode = state == .shutDown ? 0 : 1
      return []
    }
    guard state == .running else { return [] }
    switch method {
    case "textDocument/didOpen":
      let d = params["textDocument"]
      guard let uri = d["uri"].string, let text = d["text"].string else { throw RPCError.invalidParams("didOpen needs a uri and a text") }
      documents[uri] = Document(uri: uri, version: d["version"].int ?? 0, text: text)
      return recheck(changed: uri)
    case "textDocument/didChange":
      guard let uri = params["textDocument"]["uri"].string, var doc = documents[uri] else {
        throw RPCError.invalidParams("didChange for a document that is not open")
      }
      for change in params["contentChanges"].array ?? [] { try doc.apply(change) }
      doc.version = params["textDocument"]["version"].int ?? doc.version + 1
      documents[uri] = doc
      return recheck(changed: uri)
    case "textDocument/didClose":
      guard let uri = params["textDocument"]["uri"].string, documents[uri] != nil else { return [] }
      documents[uri] = nil
      analyses[uri] = nil
      return [publish(uri, [], version: nil)] + recheck(changed: uri)
    case "textDocument/didSave", "workspace/didChangeWatchedFiles":
      // A file on disk may have changed: check every open document again.
      return documents.keys.sorted().flatMap { check(uri: $0) }
    case "initialized":
      return []
    default:
      // `$/cancelRequest` among them: requests are answered in order, so nothing is pending.
      return []
    }
  }

  /// Checks `changed` (when open) and every open document whose last check read it.
  func recheck(changed uri: String) -> [JSON] {
    let path = Document.standard(Document.path(of: uri))
    var out = documents[uri] != nil ? check(uri: uri) : []
    for (other, a) in analyses.sorted(by: { $0.key < $1.key }) where other != uri && a.paths.contains(path) {
      out += check(uri: other)
    }
    return out
  }

  /// Checks an open document and returns its `publishDiagnostics`.
  func check(uri: String) -> [JSON] {
    guard let doc = documents[uri] else { return [] }
    let a = check(doc, text: nil)
    analyses[uri] = a
    return [publish(uri, a.lspDiagnostics(relatedInformation: relatedInformation, uris: self.uri), version: doc.version)]
  }

  /// Checks a document, or other text in its place (completion's placeholder).
  func check(_ doc: Document, text: String?) -> Analysis {
    var overlay: [String: String] = [:]
    for d in documents.values { overlay[Document.standard(d.path)] = d.text }
    var subject = doc
    if let text { subject = Document(uri: doc.uri, version: doc.version, text: text) }
    return Analysis(document: subject, searchPaths: searchPaths, overlay: overlay)
  }

  func publish(_ uri: String, _ diagnostics: [JSON], version: Int?) -> JSON {
    var params: [String: JSON] = ["uri": JSON(uri), "diagnostics": .array(diagnostics)]
    if let version { params["version"] = JSON(version) }
    return Outgoing.notification("textDocument/publishDiagnostics", .object(params))
  }

  /// The URI for a file path: an open document's own, else a `file:` URI.
  func uri(_ path: String) -> String {
    let p = Document.standard(path)
    return documents.values.first { Document.standard($0.path) == p }?.uri ?? Document.uri(of: p)
  }

  func document(_ params: JSON) throws -> Document {
    guard let uri = params["textDocument"]["uri"].string else { throw RPCError.invalidParams("missing 'textDocument.uri'") }
    guard let doc = documents[uri] else { throw RPCError.invalidParams("the document '\(uri)' is not open") }
    return doc
  }

  func analysis(_ params: JSON) throws -> Analysis {
    let doc = try document(params)
    if let a = analyses[doc.uri] { return a }
    let a = check(doc, text: nil)
    analyses[doc.uri] = a
    return a
  }

  /// The document's check and the byte offset of `params.position`.
  func locate(_ params: JSON) throws -> (Analysis, Int) {
    let a = try analysis(params)
    guard let p = Position(params["position"]) else { throw RPCError.invalidParams("missing or malformed 'position'") }
    return (a, a.lines(a.fileID).offset(of: p))
  }
}
