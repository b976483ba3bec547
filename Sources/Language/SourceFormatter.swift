/// `dpl fmt`: the one canonical layout of dpl source (docs/fmt.md).
///
/// The layout works on the token stream, not on the tree, so nothing the parser drops is
/// lost: every comment stays, and the author's line breaks are kept. Within a line the
/// spacing is fixed; the indentation of every line follows from the brackets open at its
/// start; runs of blank lines become one; trailing `//` comments of neighbouring lines
/// share a column. Only tokens that carry no meaning change: a `;` that ends a line goes,
/// and `else` and a model's `{` join the line before them.
public enum SourceFormatter {
  /// The formatted text of a program; throws `FormatError` (with located diagnostics)
  /// when the program does not parse, since a broken file has no canonical layout.
  public static func format(_ source: String, path: String) throws -> String {
    try format(SourceFile(path: path, text: source))
  }

  /// Formats the ```` ```dpl ```` fenced blocks of a Markdown text and leaves the rest as it
  /// is. A block that does not parse is an error located at its line in the Markdown file.
  public static func formatMarkdown(_ text: String, path: String) throws -> String {
    var out: [Substring] = []
    var block: [Substring]?
    var blockStart = 0
    var problems: [FormatError] = []
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    for (i, line) in lines.enumerated() {
      if var b = block {
        if line.trimmingTrailingSpaces() == "```" {
          let source = b.isEmpty ? "" : b.joined(separator: "\n") + "\n"
          var file = SourceFile(path: path, text: source)
          file.firstLine = blockStart + 1
          do {
            let formatted = try format(file)
            b = formatted.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
          } catch let e as FormatError {
            problems.append(e)
          }
          out += b
          out.append(line)
          block = nil
        } else {
          b.append(line)
          block = b
        }
        continue
      }
      out.append(line)
      if line.hasPrefix("```"), line.dropFirst(3).split(separator: " ").first == "dpl" {
        block = []
        blockStart = i + 1
      }
    }
    if let b = block { out += b }
    if !problems.isEmpty {
      throw FormatError(rendered: problems.map(\.rendered).joined(), diagnostics: problems.flatMap(\.diagnostics))
    }
    return out.joined(separator: "\n")
  }

  static func format(_ file: SourceFile) throws -> String {
    let parser = Parser(file: file, fileID: 0)
    _ = parser.parseModule(name: "main")
    guard !parser.diagnostics.hasErrors else {
      let d = parser.diagnostics
      throw FormatError(rendered: d.render(files: [file]), diagnostics: d.sorted)
    }
    let tokens = parser.tokens.filter { $0.kind != .newline && $0.kind != .eof }
    var layout = Layout(file: file, tokens: tokens, range: 0..<file.bytes.count)
    return layout.run()
  }
}

/// A program `dpl fmt` cannot lay out: it does not parse.
public struct FormatError: Error, CustomStringConvertible {
  /// The diagnostics as `dpl check` prints them (`FILE:LINE:COL: error: …`, line, caret).
  public var rendered: String
  /// The parse errors; their spans are byte offsets into the text given (or, for Markdown,
  /// into its block).
  public var diagnostics: [Diagnostic]
  public var description: String { rendered }
}

extension Substring {
  func trimmingTrailingSpaces() -> Substring {
    var s = self
    while let c = s.last, c == " " || c == "\t" || c == "\r" { s.removeLast() }
    return s
  }
}
