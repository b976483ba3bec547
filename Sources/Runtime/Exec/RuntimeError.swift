import IR
import Language
import Tensor

/// An error while running a program: the message, where it happened, and the calls that
/// led there (innermost first).
public struct RuntimeError: Error {
  public var message: String
  public var span: Span
  /// `(function name, call site)` from the innermost call outwards.
  public var trace: [(String, Span)] = []
  /// Extra lines (`note: …`).
  public var notes: [String] = []
  /// Exit status the CLI should use (70 run-time error, 74 I/O).
  public var exitCode: Int32 = 70

  public init(_ message: String, at span: Span, notes: [String] = [], exitCode: Int32 = 70) {
    self.message = message
    self.span = span
    self.notes = notes
    self.exitCode = exitCode
  }

  /// `file:line:col: error: message`, the source line with a caret, then the call trace.
  public func render(files: [SourceFile]) -> String {
    var engine = DiagnosticEngine()
    engine.error(message, at: span, notes: notes.map { Note($0) })
    var text = engine.render(files: files)
    if !text.hasSuffix("\n") { text += "\n" }
    // A deep recursion shows its first and last calls, with a count between.
    let shown = trace.count > 2 * Self.traceEnds + 1
      ? Array(trace.prefix(Self.traceEnds)) + [nil] + Array(trace.suffix(Self.traceEnds)) : trace.map { Optional($0) }
    for frame in shown {
      guard let (name, site) = frame else {
        text += "  … \(trace.count - 2 * Self.traceEnds) more calls …\n"
        continue
      }
      text += "  at \(name) (\(Self.location(site, files)))\n"
    }
    return text
  }

  /// Calls shown at each end of a long trace.
  static let traceEnds = 5

  static func location(_ span: Span, _ files: [SourceFile]) -> String { files.location(of: span) }
}

/// Unwinds control flow out of nested regions. It never leaves the interpreter's thread
/// (it is caught by the loop or call it unwinds to), so the value it carries is not shared.
enum Unwind: Error, @unchecked Sendable {
  case breakLoop, continueLoop
  case returned(Value)
}
