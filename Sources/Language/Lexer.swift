/// Turns source bytes into tokens. Newlines are significant (they end statements) except
/// inside `( … )` and `[ … ]`; inside `{ … }` they count again.
public struct Lexer {
  let file: SourceFile
  let fileID: Int
  var pos: Int
  let end: Int
  var tokens: [Token] = []
  /// Open brackets; a newline is emitted only when the innermost is `{` or none.
  var brackets: [UInt8] = []

  /// Creates a lexer over `range` (default: the whole file) of file number `fileID`.
  public init(file: SourceFile, fileID: Int, range: Range<Int>? = nil) {
    self.file = file
    self.fileID = fileID
    self.pos = range?.lowerBound ?? 0
    self.end = min(range?.upperBound ?? file.bytes.count, file.bytes.count)
  }

  /// Lexes everything; the last token is `.eof`.
  public mutating func tokenize(into diags: inout DiagnosticEngine) -> [Token] {
    while true {
      skipSpaceAndComments(&diags)
      guard pos < end else { break }
      let start = pos
      let c = file.bytes[pos]
      if c == UInt8(ascii: "\n") {
        pos += 1
        if brackets.last.map({ $0 == UInt8(ascii: "{") }) ?? true {
          if let last = tokens.last, last.kind == .newline { continue }
          // Point "found end of line" just after the line's last token, not after its comment.
          let at = tokens.last?.span.end ?? start
          tokens.append(Token(kind: .newline, span: Span(file: fileID, start: at, end: at)))
        }
      } else if isIdentStart(c) {
        while pos < end, isIdentChar(file.bytes[pos]) { pos += 1 }
        let text = String(decoding: file.bytes[start..<pos], as: UTF8.self)
        let keyword = Keyword(rawValue: text)
        if let keyword, Lexer.statementKeywords.contains(keyword), atLineStart(start), let top = brackets.last, top != UInt8(ascii: "{") {
          // A statement keyword cannot be inside ( ) or [ ]: an unclosed bracket above it
          // must not swallow the rest of the file, so newlines count again from here.
          while let b = brackets.last, b != UInt8(ascii: "{") { brackets.removeLast() }
          if let last = tokens.last, last.kind != .newline {
            tokens.append(Token(kind: .newline, span: Span(file: fileID, start: last.span.end, end: last.span.end)))
          }
        }
        add(keyword.map { .keyword($0) } ?? .identifier(text), start)
      } else if isDigit(c) {
        lexNumber(start, &diags)
      } else if c == UInt8(ascii: "\"") {
        lexString(start, &diags)
      } else {
        lexPunct(start, &diags)
      }
    }
    let endAt = tokens.last?.span.end ?? pos
    tokens.append(Token(kind: .eof, span: Span(file: fileID, start: endAt, end: endAt)))
    return tokens
  }

  static let statementKeywords: Set<Keyword> = [.let, .var, .fn, .model, .import, .config, .for, .while, .return, .break, .continue]

  /// Whether only spaces precede `offset` on its line.
  func atLineStart(_ offset: Int) -> Bool {
    var i = offset - 1
    while i >= 0 {
      let b = file.bytes[i]
      if b == UInt8(ascii: "\n") { return true }
      if b != UInt8(ascii: " ") && b != UInt8(ascii: "\t") { return false }
      i -= 1
    }
    return true
  }

  mutating func add(_ kind: TokenKind, _ start: Int) {
    tokens.append(Token(kind: kind, span: Span(file: fileID, start: start, end: pos)))
  }

  func peek(_ k: Int = 0) -> UInt8 { pos + k < end ? file.bytes[pos + k] : 0 }

  mutating func skipSpaceAndComments(_ diags: inout DiagnosticEngine) {
    while pos < end {
      let c = file.bytes[pos]
      if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
        pos += 1
      } else if c == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "/") {
        while pos < end, file.bytes[pos] != UInt8(ascii: "\n") { pos += 1 }
      } else if c == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") {
        let start = pos
        pos += 2
        var depth = 1
        while pos < end, depth > 0 {
          if peek() == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") { depth -= 1; pos += 2 }
          else if peek() == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") { depth += 1; pos += 2 }
          else { pos += 1 }
        }
        if depth > 0 {
          diags.error("unterminated block comment", at: Span(file: fileID, start: start, end: start + 2),
                      notes: [Note("add '*/' to close the comment")])
        }
      } else {
        return
      }
    }
  }

  mutating func lexNumber(_ start: Int, _ diags: inout DiagnosticEngine) {
    var isFloat = false
    while isDigit(peek()) || peek() == UInt8(ascii: "_") { pos += 1 }
    if peek() == UInt8(ascii: "."), isDigit(peek(1)) {
      isFloat = true
      pos += 1
      while isDigit(peek()) || peek() == UInt8(ascii: "_") { pos += 1 }
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      isFloat = true
      pos += 1
      if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { pos += 1 }
      if !isDigit(peek()) {
        while isIdentChar(peek()) { pos += 1 }
        diags.error("malformed number: exponent has no digits", at: Span(file: fileID, start: start, end: pos))
        add(.invalid, start)
        return
      }
      while isDigit(peek()) { pos += 1 }
    }
    if isIdentStart(peek()) {
      while isIdentChar(peek()) { pos += 1 }
      diags.error("malformed number '\(String(decoding: file.bytes[start..<pos], as: UTF8.self))'",
                  at: Span(file: fileID, start: start, end: pos))
      add(.invalid, start)
      return
    }
    let text = String(decoding: file.bytes[start..<pos], as: UTF8.self).replacingUnderscores()
    if isFloat {
      add(.float(Double(text) ?? 0), start)
    } else if let v = Int64(text) {
      add(.int(v), start)
    } else {
      diags.error("integer literal '\(text)' overflows Int", at: Span(file: fileID, start: start, end: pos))
      add(.invalid, start)
    }
  }

  mutating func lexString(_ start: Int, _ diags: inout DiagnosticEngine) {
    pos += 1
    var pieces: [StringPiece] = []
    var buf: [UInt8] = []
    func flush() {
      if !buf.isEmpty { pieces.append(.text(String(decoding: buf, as: UTF8.self))); buf = [] }
    }
    while true {
      guard pos < end, peek() != UInt8(ascii: "\n") else {
        diags.error("unterminated string literal", at: Span(file: fileID, start: start, end: start + 1),
                    notes: [Note("add '\"' to close the string")])
        add(.invalid, start)
        return
      }
      let c = peek()
      if c == UInt8(ascii: "\"") { pos += 1; break }
      if c == UInt8(ascii: "\\") {
        let esc = peek(1)
        switch esc {
        case UInt8(ascii: "n"): buf.append(10); pos += 2
        case UInt8(ascii: "t"): buf.append(9); pos += 2
        case UInt8(ascii: "\\"), UInt8(ascii: "\""): buf.append(esc); pos += 2
        case UInt8(ascii: "("):
          flush()
          pos += 2
          let codeStart = pos
          var depth = 1
          while pos < end, peek() != UInt8(ascii: "\n") {
            if peek() == UInt8(ascii: "(") { depth += 1 }
            if peek() == UInt8(ascii: ")") { depth -= 1; if depth == 0 { break } }
            if peek() == UInt8(ascii: "\"") { break }
            pos += 1
          }
          if depth != 0 || peek() != UInt8(ascii: ")") {
            diags.error("unterminated interpolation in string literal",
                        at: Span(file: fileID, start: codeStart - 2, end: codeStart))
            while pos < end, peek() != UInt8(ascii: "\n"), peek() != UInt8(ascii: "\"") { pos += 1 }
            if peek() == UInt8(ascii: "\"") { pos += 1 }
            add(.invalid, start)
            return
          }
          pieces.append(.code(start: codeStart, end: pos))
          pos += 1
        default:
          diags.error("invalid escape sequence in string literal",
                      at: Span(file: fileID, start: pos, end: min(end, pos + 2)))
          pos += esc == 0 ? 1 : 2
        }
        continue
      }
      buf.append(c)
      pos += 1
    }
    flush()
    add(.string(pieces), start)
  }

  mutating func lexPunct(_ start: Int, _ diags: inout DiagnosticEngine) {
    let c = peek(), n = peek(1)
    func two(_ a: Character, _ b: Character) -> Bool {
      c == a.asciiValue ?? 0 && n == b.asciiValue ?? 0
    }
    var p: Punct?
    if c == UInt8(ascii: "."), n == UInt8(ascii: "."), peek(2) == UInt8(ascii: "<") || peek(2) == UInt8(ascii: ".") {
      let closed = peek(2) == UInt8(ascii: ".")
      pos += 3
      add(.punct(closed ? .rangeClosed : .rangeHalfOpen), start)
      return
    }
    for (a, b, q) in [("-", ">", Punct.arrow), ("+", "=", .plusAssign), ("-", "=", .minusAssign),
                      ("*", "=", .starAssign), ("/", "=", .slashAssign), ("|", "|", .orOr),
                      ("&", "&", .andAnd), ("=", "=", .eqEq), ("!", "=", .notEq), ("<", "=", .le),
                      (">", "=", .ge)] as [(Character, Character, Punct)] where two(a, b) {
      p = q
      pos += 2
      break
    }
    if p == nil, let q = Punct(rawValue: String(UnicodeScalar(c))) {
      p = q
      pos += 1
    }
    guard let p else {
      // Skip one whole UTF-8 scalar so the caret sits under the character.
      pos += 1
      while pos < end, file.bytes[pos] & 0xC0 == 0x80 { pos += 1 }
      let text = String(decoding: file.bytes[start..<pos], as: UTF8.self)
      diags.error("unexpected character '\(text)'", at: Span(file: fileID, start: start, end: pos))
      add(.invalid, start)
      return
    }
    switch p {
    case .lparen: brackets.append(UInt8(ascii: "("))
    case .lbracket: brackets.append(UInt8(ascii: "["))
    case .lbrace: brackets.append(UInt8(ascii: "{"))
    case .rparen, .rbracket, .rbrace: if !brackets.isEmpty { brackets.removeLast() }
    default: break
    }
    add(.punct(p), start)
  }
}

func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
func isIdentStart(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
func isIdentChar(_ c: UInt8) -> Bool { isIdentStart(c) || isDigit(c) }

extension String {
  func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
