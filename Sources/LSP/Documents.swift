import Foundation

/// An open buffer: the client owns its text, the server follows each change.
struct Document {
  let uri: String
  /// The file path the URI names (the URI itself when it is not a `file:` URI).
  let path: String
  var version: Int
  var bytes: [UInt8]
  var lines: LineIndex

  init(uri: String, version: Int, text: String) {
    self.uri = uri
    self.path = Document.path(of: uri)
    self.version = version
    self.bytes = Array(text.utf8)
    self.lines = LineIndex(bytes: bytes)
  }

  var text: String { String(decoding: bytes, as: UTF8.self) }

  /// Applies one `TextDocumentContentChangeEvent`: the whole text, or a range (in UTF-16
  /// positions of the text as it is before this change) and its replacement.
  mutating func apply(_ change: JSON) throws {
    guard let newText = change["text"].string else { throw RPCError.invalidParams("a content change needs 'text'") }
    if change["range"].isNull {
      bytes = Array(newText.utf8)
    } else {
      guard let r = lines.span(change["range"]) else { throw RPCError.invalidParams("a malformed change range") }
      bytes.replaceSubrange(r, with: Array(newText.utf8))
    }
    lines = LineIndex(bytes: bytes)
  }

  /// The path of a `file:` URI (percent-decoded).
  static func path(of uri: String) -> String {
    guard uri.hasPrefix("file:"), let url = URL(string: uri), url.isFileURL else { return uri }
    return standard(url.path)
  }

  /// A path in one spelling (no `.`, `..` or doubled `/`), to compare file names by.
  static func standard(_ path: String) -> String { (path as NSString).standardizingPath }

  /// The `file:` URI of a path.
  static func uri(of path: String) -> String {
    URL(fileURLWithPath: path).absoluteString
  }
}
