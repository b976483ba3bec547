/// The kinds of token the lexer produces.
public enum TokenKind: Hashable, Sendable {
  case identifier(String)
  case int(Int64)
  case float(Double)
  /// A string literal; `\(…)` pieces keep the byte range of their code.
  case string([StringPiece])
  case keyword(Keyword)
  case punct(Punct)
  case newline
  case eof
  /// A malformed token; the lexer has already reported it.
  case invalid
}

/// A piece of a string literal: literal text, or the byte range of an interpolated expression.
public enum StringPiece: Hashable, Sendable {
  case text(String)
  case code(start: Int, end: Int)
}

/// Reserved words.
public enum Keyword: String, CaseIterable, Sendable {
  case `let`, `var`, `fn`, `model`, `import`, `config`, `if`, `else`, `for`, `in`, `while`
  case `break`, `continue`, `return`, `true`, `false`
}

/// Punctuation and operators.
public enum Punct: String, CaseIterable, Sendable {
  case lparen = "(", rparen = ")", lbracket = "[", rbracket = "]", lbrace = "{", rbrace = "}"
  case comma = ",", colon = ":", semicolon = ";", dot = ".", arrow = "->", at = "@"
  case assign = "=", plusAssign = "+=", minusAssign = "-=", starAssign = "*=", slashAssign = "/="
  case orOr = "||", andAnd = "&&", eqEq = "==", notEq = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
  case plus = "+", minus = "-", star = "*", slash = "/", percent = "%", bang = "!"
  case rangeHalfOpen = "..<", rangeClosed = "..."
}

/// A token with its span.
public struct Token: Hashable, Sendable {
  public var kind: TokenKind
  public var span: Span

  /// A short human description used in "expected X, found Y" messages.
  public var describe: String {
    switch kind {
    case .identifier(let s): return "'\(s)'"
    case .int(let v): return "'\(v)'"
    case .float(let v): return "'\(v)'"
    case .string: return "string literal"
    case .keyword(let k): return "'\(k.rawValue)'"
    case .punct(let p): return "'\(p.rawValue)'"
    case .newline: return "end of line"
    case .eof: return "end of file"
    case .invalid: return "invalid token"
    }
  }
}
