/// Formats a whole file: its text and path in, the formatted text out; throws when the
/// file cannot be formatted (it does not parse). `dpl fmt` supplies one; the server
/// offers `textDocument/formatting` only when it has one.
public typealias FormatFunction = (_ source: String, _ path: String) throws -> String

extension LanguageServer {
  /// The edits that format a document: one replacing the whole text, none when it is
  /// already formatted, and null (with a log line) when formatting failed.
  func formatting(_ doc: Document, with format: FormatFunction) -> JSON {
    let old = doc.text
    do {
      let new = try format(old, doc.path)
      if new == old { return [] }
      return [["range": doc.lines.whole, "newText": JSON(new)]]
    } catch {
      log("cannot format \(doc.path): \(error)")
      return .null
    }
  }
}
