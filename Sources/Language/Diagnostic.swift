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
  public init(_ message: String, at span: Span? = nil) {
    self.message = message
    self.span = span
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
        let text = f.lineText(line)
        out += text + "\n"
        let lineEnd = f.location(of: span.end)
        let width = lineEnd.line == line ? max(1, span.end - span.start) : max(1, text.utf8.count - col + 1)
        var caret = ""
        for (i, b) in text.utf8.prefix(col - 1).enumerated() where i >= 0 {
          caret += b == UInt8(ascii: "\t") ? "\t" : " "
        }
        out += caret + "^" + String(repeating: "~", count: max(0, width - 1)) + "\n"
      } else {
        out += "\(sev): \(msg)\n"
      }
    }
    header(severity.rawValue, message, span)
    for fix in fixIts where fix.span.file >= 0 && fix.span.file < files.count {
      let (line, col) = files[fix.span.file].location(of: fix.span.start)
      let what = fix.span.start == fix.span.end ? "insert" : "replace with"
      out += "fix-it: \(line):\(col): \(what) '\(fix.replacement)'\n"
    }
    for note in notes { header("note", note.message, note.span) }
    return out
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
