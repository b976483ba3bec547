/// A source file held in memory, with a table of line starts for locating spans.
public struct SourceFile: Sendable {
  /// The path the file was read from (as given; printed in diagnostics).
  public let path: String
  /// The file's text as UTF-8 bytes.
  public let bytes: [UInt8]
  /// Byte offset where each line starts; `lineStarts[0] == 0`.
  let lineStarts: [Int]
  /// The number shown for the first line (1; 0 when a tool wraps a user's line in one of
  /// its own, as the REPL's `:grad` does, so the user's line keeps its number).
  public var firstLine = 1

  /// Creates a source file from text.
  public init(path: String, text: String) {
    self.path = path
    self.bytes = Array(text.utf8)
    var starts = [0]
    for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
    self.lineStarts = starts
  }

  /// The 1-based line and column (in bytes) of a byte offset.
  public func location(of offset: Int) -> (line: Int, column: Int) {
    let off = max(0, min(offset, bytes.count))
    var lo = 0, hi = lineStarts.count - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if lineStarts[mid] <= off { lo = mid } else { hi = mid - 1 }
    }
    return (lo + firstLine, off - lineStarts[lo] + 1)
  }

  /// The text of a 1-based line, without its newline.
  public func lineText(_ shownLine: Int) -> String {
    let line = shownLine - firstLine + 1
    guard line >= 1, line <= lineStarts.count else { return "" }
    let start = lineStarts[line - 1]
    var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
    if end > start, end <= bytes.count, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
  }

  /// The source text covered by a span.
  public func text(of span: Span) -> String {
    let s = max(0, min(span.start, bytes.count)), e = max(s, min(span.end, bytes.count))
    return String(decoding: bytes[s..<e], as: UTF8.self)
  }
}

/// A half-open byte range `[start, end)` in one source file of a compilation.
public struct Span: Hashable, Sendable, CustomStringConvertible {
  /// Index of the file in the compilation's file table.
  public var file: Int
  public var start: Int
  public var end: Int

  public init(file: Int, start: Int, end: Int) {
    self.file = file
    self.start = start
    self.end = max(start, end)
  }

  /// A span that covers both spans (which must be in the same file).
  public func to(_ other: Span) -> Span {
    Span(file: file, start: min(start, other.start), end: max(end, other.end))
  }

  /// An empty span used where no source exists (synthesised code).
  public static let none = Span(file: -1, start: 0, end: 0)

  public var description: String { "\(file):\(start)-\(end)" }
}

extension Array where Element == SourceFile {
  /// The source text under a span among these files ("?" for a span with no file).
  public func text(of span: Span) -> String {
    indices.contains(span.file) ? self[span.file].text(of: span) : "?"
  }

  /// `file:line:col` of a span among these files (run-time messages, traces).
  public func location(of span: Span) -> String {
    guard indices.contains(span.file) else { return "<unknown>" }
    let (l, c) = self[span.file].location(of: span.start)
    return "\(self[span.file].path):\(l):\(c)"
  }
}
