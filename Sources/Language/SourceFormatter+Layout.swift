/// What a token does where it stands; decides the spaces around it.
enum TokenRole: Equatable {
  case operand, keyword, open(Punct), close(Punct), unary, attribute, binary, range
  case sliceColon, labelColon, comma, semicolon, dot

  /// Ends an operand, so a `-` after it subtracts and a `(` or `[` after it calls or indexes.
  var endsOperand: Bool {
    switch self {
    case .operand, .close: return true
    default: return false
    }
  }
}

/// Whether one space separates a token with role `cur` from the token before it.
func spaced(after prev: TokenRole, _ cur: TokenRole) -> Bool {
  switch cur {
  case .close(.rbrace): return prev != .open(.lbrace)
  case .sliceColon: return prev == .comma
  case .close, .comma, .semicolon, .dot, .labelColon: return false
  default: break
  }
  switch prev {
  case .open(.lbrace): return true
  case .open, .dot, .unary, .attribute, .range, .sliceColon: return false
  default: break
  }
  if cur == .range { return prev == .keyword }
  if case .open(let p) = cur, p != .lbrace { return !prev.endsOperand }
  return true
}

/// A bracket open at the current point of the output.
struct OpenBracket {
  var punct: Punct
  /// A `[` that indexes (or gives a type's dimensions), as opposed to a list literal.
  var indexes: Bool
  /// Indentation of the output line the bracket is on.
  var lineIndent: Int
  /// Column of what follows the bracket on its line; nil when the bracket ends its line.
  var align: Int?
  var awaitingAlign = true
  /// The body of `config { … }`, where a range ends its field instead of continuing.
  var config = false
}

/// One output line. Code lines hold tokens and inline comments in `text`; a comment line
/// holds its `//` or `/* */` comment in `text`, or, when it continues the trailing comment
/// of the line above, an empty `text` and the comment in `trailing`.
struct OutputLine {
  var indent: Int
  var text = ""
  var width = 0
  /// A `//` comment after the code, and the column it had in the input.
  var trailing: String?
  var trailingInputColumn = 0
  var multiline = false
  var blank = false
}

/// Lays out a token stream (a whole file, or the code of one string interpolation).
struct Layout {
  let file: SourceFile
  let tokens: [Token]
  let range: Range<Int>
  var lines: [OutputLine] = []
  var line: OutputLine?
  var stack: [OpenBracket] = []
  var prev: TokenRole = .semicolon
  var prevKind: TokenKind = .newline
  var newlines = 0
  var pendingBlank = false
  /// The last token emitted opened a bracket (no blank line may follow it).
  var afterOpener = false
  /// The last token emitted is a binary operator or `=`: the next line continues it.
  var continues = false
  var afterInlineComment = false

  init(file: SourceFile, tokens: [Token], range: Range<Int>) {
    self.file = file
    self.tokens = tokens
    self.range = range
  }

  /// The formatted text: lines joined, trailing comments aligned, one final newline.
  mutating func run() -> String {
    var start = range.lowerBound
    var lastKept: Token?
    for (i, t) in tokens.enumerated() {
      let gap = trivia(start, t.span.start)
      start = t.span.end
      // `else` and `{` join the line of the `}` or the header before them.
      let joins = lastKept != nil && gap.allSatisfy { $0 == .newline }
        && (t.kind == .punct(.lbrace) || t.kind == .keyword(.else) && lastKept?.kind == .punct(.rbrace))
      if !joins { layOut(gap) }
      if t.kind == .punct(.semicolon) {
        let next = i + 1 < tokens.count ? tokens[i + 1] : nil
        let after = trivia(t.span.end, next?.span.start ?? range.upperBound)
        if isRedundantSemicolon(after: lastKept, next: next, gap: after) { continue }
      }
      emit(t)
      lastKept = t
    }
    layOut(trivia(start, range.upperBound))
    finishLine()
    return render()
  }

  /// A `;` that does not stand between two statements on one line.
  func isRedundantSemicolon(after prev: Token?, next: Token?, gap: [Trivia]) -> Bool {
    guard let prev, prev.kind != .punct(.lbrace), prev.kind != .punct(.semicolon) else { return true }
    guard let next, next.kind != .punct(.rbrace), next.kind != .punct(.semicolon) else { return true }
    if gap.contains(.newline) { return true }
    return line == nil
  }

  // MARK: Comments and line breaks

  mutating func layOut(_ gap: [Trivia]) {
    for item in gap {
      switch item {
      case .newline:
        newlines += 1
        finishLine()
        if newlines >= 2 { pendingBlank = true }
      case .lineComment(let text, let column):
        defer { newlines = 0 }
        if line != nil {
          line?.trailing = text
          line?.trailingInputColumn = column
        } else if newlines == 1, let last = lines.last, last.trailing != nil, !last.multiline, last.trailingInputColumn == column {
          lines.append(OutputLine(indent: last.indent, width: last.indent, trailing: text, trailingInputColumn: column))
        } else {
          startLine(indent: baseIndent(), closes: false)
          append(text, inputColumn: column)
          afterOpener = false
        }
      case .blockComment(let text, let column):
        defer { newlines = 0 }
        if line == nil {
          startLine(indent: baseIndent(), closes: false)
          afterOpener = false
        } else if !(prev == .open(.lparen) || prev == .open(.lbracket)) || afterInlineComment {
          append(" ")
        }
        markAlign()
        append(text, inputColumn: column)
        afterInlineComment = true
      }
    }
  }

  mutating func finishLine() {
    if let l = line { lines.append(l) }
    line = nil
    afterInlineComment = false
    for k in stack.indices { stack[k].awaitingAlign = false }
  }

  mutating func startLine(indent: Int, closes: Bool) {
    if pendingBlank, !lines.isEmpty, !afterOpener, !closes { lines.append(OutputLine(indent: 0, blank: true)) }
    pendingBlank = false
    line = OutputLine(indent: indent, width: indent)
  }

  /// Indentation of a new line that does not start with a closing bracket: lined up with
  /// the code after an open `(` or `[`, else one level in from the bracket's line, and one
  /// more for a line that continues an expression.
  func baseIndent() -> Int {
    guard let top = stack.last else { return continues ? 2 : 0 }
    if top.punct != .lbrace, let align = top.align { return align }
    return top.lineIndent + (continues ? 4 : 2)
  }

  /// Appends text; a multi-line comment's later lines move by as much as its first did.
  mutating func append(_ text: String, inputColumn: Int? = nil) {
    guard var l = line else { return }
    if let inputColumn, text.contains("\n") {
      let shift = l.width - inputColumn
      var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.trimmingTrailingSpaces()) }
      for k in parts.indices.dropFirst() where !parts[k].isEmpty {
        if shift > 0 {
          parts[k] = String(repeating: " ", count: shift) + parts[k]
        } else {
          let spaces = parts[k].prefix { $0 == " " }.count
          parts[k].removeFirst(min(spaces, -shift))
        }
      }
      l.text += parts.joined(separator: "\n")
      l.width = parts.last?.count ?? 0
      l.multiline = true
    } else {
      l.text += text
      l.width += text.count
    }
    line = l
  }

  mutating func markAlign() {
    if let top = stack.last, top.awaitingAlign {
      stack[stack.count - 1].awaitingAlign = false
      stack[stack.count - 1].align = line?.width
    }
  }

  // MARK: Tokens

  mutating func emit(_ t: Token) {
    let atLineStart = line == nil
    let inStatements = stack.last.map { $0.punct == .lbrace } ?? true
    let afterOperand = prev.endsOperand && !(atLineStart && inStatements)
    let role = self.role(of: t, afterOperand: afterOperand)
    if atLineStart {
      let closes: Bool
      if case .close = role { closes = true } else { closes = false }
      startLine(indent: closes ? stack.last?.lineIndent ?? 0 : baseIndent(), closes: closes)
    } else if afterInlineComment {
      switch role {
      case .comma, .semicolon, .dot, .close(.rparen), .close(.rbracket): break
      default: append(" ")
      }
    } else if spaced(after: prev, role) {
      append(" ")
    }
    afterInlineComment = false
    if case .close = role {
      stack.removeLast()
    } else {
      markAlign()
    }
    append(text(of: t))
    if case .open(let p) = role {
      stack.append(OpenBracket(punct: p, indexes: p == .lbracket && afterOperand, lineIndent: line?.indent ?? 0,
                               config: prevKind == .keyword(.config)))
    }
    prev = role
    prevKind = t.kind
    afterOpener = { if case .open = role { return true }; return false }()
    continues = role == .binary || t.kind == .punct(.rangeHalfOpen) && stack.last?.config != true
    newlines = 0
  }

  func role(of t: Token, afterOperand: Bool) -> TokenRole {
    switch t.kind {
    case .identifier, .int, .float, .string, .keyword(.true), .keyword(.false), .invalid: return .operand
    case .keyword: return .keyword
    case .newline, .eof: return .semicolon
    case .punct(let p):
      switch p {
      case .lparen, .lbracket, .lbrace: return .open(p)
      case .rparen, .rbracket, .rbrace: return .close(p)
      case .comma: return .comma
      case .semicolon: return .semicolon
      case .dot: return .dot
      case .colon: return stack.last.map { $0.punct == .lbracket && $0.indexes } ?? false ? .sliceColon : .labelColon
      case .rangeHalfOpen, .rangeClosed: return .range
      case .bang: return .unary
      case .minus: return afterOperand ? .binary : .unary
      case .at: return afterOperand ? .binary : .attribute
      default: return .binary
      }
    }
  }

  /// A token's text: its source, except that string interpolations are laid out too.
  func text(of t: Token) -> String {
    guard case .string(let pieces) = t.kind else { return file.text(of: t.span) }
    var out = ""
    var pos = t.span.start
    for case .code(let s, let e) in pieces {
      out += file.text(of: Span(file: 0, start: pos, end: s))
      out += interpolation(s..<e) ?? file.text(of: Span(file: 0, start: s, end: e))
      pos = e
    }
    return out + file.text(of: Span(file: 0, start: pos, end: t.span.end))
  }

  /// The code of an interpolation on one line, or nil to keep it as written (it holds a comment).
  func interpolation(_ code: Range<Int>) -> String? {
    var diags = DiagnosticEngine()
    var lexer = Lexer(file: file, fileID: 0, range: code)
    let toks = lexer.tokenize(into: &diags).filter { $0.kind != .newline && $0.kind != .eof }
    var start = code.lowerBound
    for t in toks + [Token(kind: .eof, span: Span(file: 0, start: code.upperBound, end: code.upperBound))] {
      if !trivia(start, t.span.start).isEmpty { return nil }
      start = t.span.end
    }
    var inner = Layout(file: file, tokens: toks, range: code)
    let text = inner.run()
    return text.hasSuffix("\n") ? String(text.dropLast()) : text
  }
}
