import Foundation
import Language
import Runtime
import Tensor

/// The REPL without a terminal: takes complete inputs (a `:command` or dpl code), runs
/// them in a `Session`, and returns what to show. The `dpl repl` command adds line editing;
/// tests drive this directly with golden transcripts.
public final class ReplEngine {
  public let session: Session
  /// ANSI colour in the output (terminals only).
  public var colour: Bool
  /// Set by `:quit`.
  public internal(set) var quitRequested = false
  /// Timings in `:time` (golden transcripts turn them off).
  public var showTimings = true
  /// Whether the last `handle` reported an error.
  public private(set) var lastWasError = false
  /// The values the last `handle` showed (an input's value, `:grad`'s gradients), for front
  /// ends that draw tensors (`ValueDisplay.image`).
  public private(set) var shown: [Value] = []
  /// Whether tensors' text includes shade heatmaps (off where `shown` is drawn instead).
  public var textHeatmaps = true

  public init(session: Session, colour: Bool = false) {
    self.session = session
    self.colour = colour
  }

  /// The `:` commands: name, argument syntax, what it does.
  public static let commands: [(name: String, args: String, help: String)] = [
    ("help", "[name]", "this list; with a name, a command's usage or a builtin's or definition's signature"),
    ("type", "e", "the static type of an expression (nothing runs); a function's signature"),
    ("shape", "e", "the shape of a tensor expression (static and at run time)"),
    ("grad", "e wrt x", "the gradient of the scalar e with respect to x (x, y, … : tensors, models, layers)"),
    ("check", "e wrt x", "check_grad of e: its error and verdict (--estimate checks @bypass estimators)"),
    ("compare", "e wrt x", "every bypass strategy against a smoothed finite-difference gradient (x, y, … : tensors)"),
    ("tape", "", "the tape of the last :grad/:check/:compare, node by node"),
    ("ir", "name", "the IR of a function or model method (or of an expression)"),
    ("load", "file.dpl", "run a file; its definitions and bindings join the session"),
    ("time", "e", "run an input and show how long it took"),
    ("vars", "", "the definitions and bindings of the session"),
    ("reset", "", "forget every definition and binding"),
    ("quit", "", "leave (Ctrl-D too)"),
  ]

  /// True while `text` has an unclosed `(`, `[` or `{` (outside strings and comments),
  /// so the input continues on the next line.
  public static func needsMoreInput(_ text: String) -> Bool {
    if text.trimmingCharacters(in: .whitespaces).hasPrefix(":") { return false }
    var depth = 0
    var inString = false, lineComment = false, blockComment = 0
    var prev: Character = " "
    var escaped = false
    for ch in text {
      defer { prev = ch }
      if lineComment { if ch == "\n" { lineComment = false }; continue }
      if blockComment > 0 {
        if prev == "*" && ch == "/" { blockComment -= 1 } else if prev == "/" && ch == "*" { blockComment += 1 }
        continue
      }
      if inString {
        if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" || ch == "\n" { inString = false }
        continue
      }
      switch ch {
      case "\"": inString = true
      case "/" where prev == "/": lineComment = true
      case "*" where prev == "/": blockComment += 1
      case "(", "[", "{": depth += 1
      case ")", "]", "}": depth -= 1
      default: break
      }
    }
    return depth > 0 || blockComment > 0
  }

  /// Runs one complete input and returns the text to show.
  public func handle(_ input: String) -> String {
    lastWasError = false
    shown = []
    session.clearCancel()
    let trimmed = input.trimmingCharacters(in: .whitespacesAndNewlines)
    if trimmed.isEmpty { return "" }
    if trimmed.hasPrefix(":") { return command(trimmed) }
    return show(session.run(input))
  }

  func show(_ outcome: Session.Outcome) -> String {
    switch outcome {
    case .value(let v, _): return display(v)
    case .defined, .nothing: return ""
    case .failure(let text): return error(text)
    }
  }

  /// The text of a value, which joins `shown`.
  func display(_ v: Value) -> String {
    shown.append(v)
    return ValueDisplay.show(v, heatmaps: textHeatmaps)
  }

  /// Colours `error:` red on terminals.
  func error(_ text: String) -> String {
    lastWasError = true
    guard colour else { return text }
    return text.replacingOccurrences(of: "error:", with: "\u{1B}[1;31merror:\u{1B}[0m")
  }

  /// Completions for the word ending at the cursor (`prefix`), given the line so far.
  public func completions(prefix: String, line: String) -> [String] {
    if line.hasPrefix(":") && !line.contains(" ") {
      return Self.commands.map { ":" + $0.name }.filter { $0.hasPrefix(prefix) }
    }
    // `net.` or `nn.`: the members of a model value or a module.
    if let dot = prefix.lastIndex(of: ".") {
      let base = String(prefix[..<dot])
      return session.members(of: base).map { base + "." + $0 }.filter { $0.hasPrefix(prefix) }.sorted()
    }
    var names = session.namesInScope + Builtins.all.map(\.name) + ["wrt"]
    names += ["let", "var", "fn", "model", "import", "config", "if", "else", "for", "in", "while", "return", "true", "false"]
    return Array(Set(names.filter { $0.hasPrefix(prefix) })).sorted()
  }
}
