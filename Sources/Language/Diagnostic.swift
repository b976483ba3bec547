/// How serious a diagnostic is.
public enum Severity: String, Sendable {
  case error, warning, note
}

/// A suggested edit: replace the text under `span` with `replacement`.
public struct FixIt: Hashable, Sendable {
  public var span: Span
  public var replacement: String
  public init(span: Span, replacement: String) {
    self.span = span
    self.replacement = replacement
  }
}

/// A secondary message attached to a diagnostic, optionally with its own location.
public struct Note: Hashable, Sendable {
  public var message: String
  public var span: Span?
  /// An alternative to the diagnostic's own fix-its (`stop_gradient(…)` where the main
  /// fix inserts `@bypass(…)`): applied together, never with the diagnostic's.
  public var fixIts: [FixIt]
  public init(_ message: String, at span: Span? = nil, fixIts: [FixIt] = []) {
    self.message = message
    self.span = span
    self.fixIts = fixIts
  }
}

/// One message from the compiler: lowercase, no trailing period, located by a span.
public struct Diagnostic: Hashable, Sendable {
  public var severity: Severity
  public var message: String
  public var span: Span
  public var notes: [Note]
  public var fixIts: [FixIt]

  public init(_ severity: Severity, _ message: String, at span: Span,
              notes: [Note] = [], fixIts: [FixIt] = []) {
    self.severity = severity
    self.message = message
    self.span = span
    self.notes = notes
    self.fixIts = fixIts
  }
}

/// Collects diagnostics for a compilation. Nothing in the compiler prints: the CLI, the
/// REPL and the tests read `diagnostics` and render them with `render(_:files:)`.
public struct DiagnosticEngine: Sendable {
  public private(set) var diagnostics: [Diagnostic] = []
  /// Stop recording after this many errors (the rest are counted, not kept).
  public var limit = 200
  public private(set) var dropped = 0

  public init() {}

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
  public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count + dropped }

  /// Records a diagnostic. Two errors at the same place are reported once.
  public mutating func emit(_ d: Diagnostic) {
    if diagnostics.contains(where: { $0.span.file == d.span.file && $0.span.start == d.span.start && $0.severity == d.severity }) {
      return
    }
    if diagnostics.count >= limit { dropped += 1; return }
    diagnostics.append(d)
  }

  /// Records an error.
  public mutating func error(_ message: String, at span: Span, notes: [Note] = [], fixIts: [FixIt] = []) {
    emit(Diagnostic(.error, message, at: span, notes: notes, fixIts: fixIts))
  }

  /// Records a warning.
  public mutating func warning(_ message: String, at span: Span, notes: [Note] = []) {
    emit(Diagnostic(.warning, message, at: span, notes: notes))
  }

  /// Diagnostics ordered by file and position.
  public var sorted: [Diagnostic] {
    diagnostics.enumerated().sorted { a, b in
      let x = a.element.span, y = b.element.span
      if x.file != y.file { return x.file < y.file }
      if x.start != y.start { return x.start < y.start }
      return a.offset < b.offset
    }.map(\.element)
  }
}

extension Diagnostic {
  /// Renders `FILE:LINE:COL: error: message`, the source line, a caret with `~` under the
  /// rest of the span, fix-it lines and `note:` lines.
  public func render(files: [SourceFile]) -> String {
    var out = ""
    func header(_ sev: String, _ msg: String, _ span: Span?) {
      if let span, span.file >= 0, span.file < files.count {
        let f = files[span.file]
        let (line, col) = f.location(of: span.start)
        out += "\(f.path):\(line):\(col): \(sev): \(msg)\n"
        let full = f.lineText(line)
        let lineEnd = f.location(of: span.end)
        let bytesWide = lineEnd.line == line ? max(1, span.end - span.start) : max(1, full.utf8.count - col + 1)
        // A long line is shown as a window around the caret.
        let (text, shift) = Diagnostic.window(full, around: col - 1)
        out += text + "\n"
        // Columns are characters on screen, the span's offsets are bytes.
        let shown = Array(text.utf8)
        let start = min(max(0, col - 1 - shift), shown.count)
        let before = String(decoding: shown[..<start], as: UTF8.self)
        let under = String(decoding: shown[start..<min(shown.count, start + bytesWide)], as: UTF8.self)
        let caret = String(before.map { $0 == "\t" ? "\t" : " " })
        out += caret + "^" + String(repeating: "~", count: max(0, under.count - 1)) + "\n"
      } else {
        out += "\(sev): \(msg)\n"
      }
    }
    header(severity.rawValue, message, span)
    func fixLines(_ fixes: [FixIt]) {
      for fix in fixes where fix.span.file >= 0 && fix.span.file < files.count {
        let (line, col) = files[fix.span.file].location(of: fix.span.start)
        let what = fix.span.start == fix.span.end ? "insert" : "replace with"
        out += "fix-it: \(line):\(col): \(what) '\(fix.replacement)'\n"
      }
    }
    fixLines(fixIts)
    for note in notes {
      header("note", note.message, note.span)
      fixLines(note.fixIts)
    }
    return out
  }
}

extension Diagnostic {
  /// Longest source line shown whole; longer ones show `windowRadius` bytes each side.
  static let longLine = 200, windowRadius = 60

  /// `line`, or for a long line the part around byte `at` with `…` at the cut ends, and
  /// how many bytes the shown text is shifted left.
  static func window(_ line: String, around at: Int) -> (String, Int) {
    let bytes = Array(line.utf8)
    guard bytes.count > longLine else { return (line, 0) }
    var lo = max(0, at - windowRadius), hi = min(bytes.count, at + windowRadius)
    // Cut on UTF-8 boundaries.
    while lo > 0, bytes[lo] & 0xC0 == 0x80 { lo -= 1 }
    while hi < bytes.count, bytes[hi] & 0xC0 == 0x80 { hi += 1 }
    let head = lo > 0 ? "…" : "", tail = hi < bytes.count ? "…" : ""
    let shown = head + String(decoding: bytes[lo..<hi], as: UTF8.self) + tail
    return (shown, lo - head.utf8.count)
  }
}

extension DiagnosticEngine {
  /// Renders every diagnostic in source order.
  public func render(files: [SourceFile]) -> String {
    var s = sorted.map { $0.render(files: files) }.joined()
    if dropped > 0 { s += "error: \(dropped) more errors not shown\n" }
    return s
  }
}
