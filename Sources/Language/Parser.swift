/// Thrown to unwind to the nearest statement boundary after a parse error was reported.
struct ParseAbort: Error {}

/// A recursive-descent parser with panic-mode recovery: an error is reported, the parser
/// unwinds to the enclosing statement and skips to the next statement boundary.
public final class Parser {
  var tokens: [Token]
  var pos = 0
  var diags: DiagnosticEngine
  /// Next node id to hand out; read it back after parsing to continue numbering.
  public internal(set) var nextID: NodeID
  let file: SourceFile
  let fileID: Int
  /// Current nesting depth; input nested deeper than `maxDepth` is an error.
  var depth = 0
  let maxDepth = 160
  /// False while parsing an `if`/`while`/`for` header, where `{` starts the body.
  var allowTrailingBlock = true
  var loopDepth = 0

  /// Lexes and prepares to parse `file` (number `fileID` in the compilation).
  public init(file: SourceFile, fileID: Int, firstID: NodeID = 0, diagnostics: DiagnosticEngine = DiagnosticEngine()) {
    self.file = file
    self.fileID = fileID
    self.nextID = firstID
    var d = diagnostics
    var lexer = Lexer(file: file, fileID: fileID)
    self.tokens = lexer.tokenize(into: &d)
    self.diags = d
  }

  /// A parser over an already-lexed token list (used for string interpolation).
  init(tokens: [Token], file: SourceFile, fileID: Int, firstID: NodeID, diagnostics: DiagnosticEngine, depth: Int) {
    self.tokens = tokens
    self.file = file
    self.fileID = fileID
    self.nextID = firstID
    self.diags = diagnostics
    self.depth = depth
  }

  /// The diagnostics reported so far (lexer and parser).
  public var diagnostics: DiagnosticEngine { diags }

  /// Parses the whole file as a module named `name`.
  public func parseModule(name: String) -> SourceModule {
    var stmts: [Stmt] = []
    while true {
      skipSeparators()
      if check(.eof) { break }
      if let s = statementOrRecover() { stmts.append(s) }
    }
    return SourceModule(name: name, fileID: fileID, stmts: stmts)
  }

  // MARK: Token helpers

  var current: Token { tokens[min(pos, tokens.count - 1)] }
  var previous: Token { tokens[max(0, min(pos - 1, tokens.count - 1))] }

  func peekKind(_ k: Int = 0) -> TokenKind { tokens[min(pos + k, tokens.count - 1)].kind }

  @discardableResult
  func advance() -> Token {
    let t = current
    if pos < tokens.count - 1 { pos += 1 }
    return t
  }

  func check(_ kind: TokenKind) -> Bool { current.kind == kind }
  func check(_ p: Punct) -> Bool { current.kind == .punct(p) }
  func check(_ k: Keyword) -> Bool { current.kind == .keyword(k) }

  func match(_ p: Punct) -> Bool {
    if check(p) { advance(); return true }
    return false
  }

  func match(_ k: Keyword) -> Bool {
    if check(k) { advance(); return true }
    return false
  }

  @discardableResult
  func consume(_ p: Punct, _ what: String) throws -> Token {
    if check(p) { return advance() }
    throw fail("expected '\(p.rawValue)' \(what), found \(current.describe)")
  }

  func identifier(_ what: String) throws -> (String, Span) {
    if case .identifier(let s) = current.kind {
      let t = advance()
      return (s, t.span)
    }
    throw fail("expected \(what), found \(current.describe)")
  }

  /// Reports an error at the current token and returns the error to throw.
  func fail(_ message: String, at span: Span? = nil, notes: [Note] = [], fixIts: [FixIt] = []) -> ParseAbort {
    if current.kind != .invalid || span != nil {
      diags.error(message, at: span ?? current.span, notes: notes, fixIts: fixIts)
    }
    return ParseAbort()
  }

  func newID() -> NodeID {
    nextID += 1
    return nextID - 1
  }

  func skipNewlines() { while check(.newline) { advance() } }
  func skipSeparators() { while check(.newline) || check(.semicolon) { advance() } }

  /// Runs `body` one nesting level deeper, failing cleanly on deeply nested input.
  func nested<T>(_ body: () throws -> T) throws -> T {
    depth += 1
    defer { depth -= 1 }
    if depth > maxDepth { throw fail("program is nested too deeply (more than \(maxDepth) levels)") }
    return try body()
  }

  /// Skips to the next statement boundary at the current bracket level.
  func synchronize() {
    var level = 0
    while !check(.eof) {
      if level == 0, check(.newline) || check(.semicolon) { return }
      if check(.lbrace) || check(.lparen) || check(.lbracket) { level += 1 }
      if check(.rbrace) {
        if level == 0 { return }
        level -= 1
      } else if check(.rparen) || check(.rbracket) {
        // A stray closer at statement level belongs to the broken statement: skip it.
        if level > 0 { level -= 1 }
      }
      advance()
    }
  }

  // MARK: Statements

  func statementOrRecover() -> Stmt? {
    let start = pos
    do {
      let s = try statement()
      try endOfStatement()
      return s
    } catch {
      synchronize()
      if pos == start, !check(.eof), !check(.rbrace) { advance() }
      if check(.rbrace), depth == 0 { advance() }
      return nil
    }
  }

  func endOfStatement() throws {
    if check(.newline) || check(.semicolon) || check(.eof) || check(.rbrace) { return }
    throw fail("consecutive statements on a line must be separated by ';'",
               fixIts: [FixIt(span: Span(file: fileID, start: current.span.start, end: current.span.start), replacement: "; ")])
  }

  func statement() throws -> Stmt {
    let start = current.span
    func make(_ kind: StmtKind) -> Stmt { Stmt(id: newID(), span: start.to(previous.span), kind: kind) }
    switch current.kind {
    case .keyword(.let), .keyword(.var):
      return make(.binding(try binding()))
    case .keyword(.fn):
      return make(.function(try functionDecl()))
    case .keyword(.model):
      return make(.model(try modelDecl()))
    case .keyword(.import):
      advance()
      let (name, span) = try identifier("a module name after 'import'")
      return make(.importModule(name: name, nameSpan: span))
    case .keyword(.config):
      return make(.config(try configBlock()))
    case .keyword(.for):
      advance()
      let pattern = try self.pattern()
      guard match(.in) else { throw fail("expected 'in' after the loop variable, found \(current.describe)") }
      let seq = try header { try expression() }
      let body = try loopBody()
      return make(.forLoop(pattern: pattern, sequence: seq, body: body))
    case .keyword(.while):
      advance()
      let cond = try header { try expression() }
      let body = try loopBody()
      return make(.whileLoop(condition: cond, body: body))
    case .keyword(.break):
      advance()
      return make(.breakLoop)
    case .keyword(.continue):
      advance()
      return make(.continueLoop)
    case .keyword(.return):
      advance()
      if check(.newline) || check(.semicolon) || check(.rbrace) || check(.eof) { return make(.returnValue(nil)) }
      return make(.returnValue(try expression()))
    default:
      let e = try expression()
      let ops: [(Punct, BinaryOp?)] = [(.assign, nil), (.plusAssign, .add), (.minusAssign, .sub),
                                       (.starAssign, .mul), (.slashAssign, .div)]
      for (p, op) in ops where check(p) {
        advance()
        skipNewlines()
        let value = try expression()
        return make(.assign(target: e, op: op, value: value))
      }
      return make(.expr(e))
    }
  }

  func loopBody() throws -> Block {
    loopDepth += 1
    defer { loopDepth -= 1 }
    return try block()
  }

  /// Parses with trailing blocks disabled (an `if`/`while`/`for` header).
  func header<T>(_ body: () throws -> T) throws -> T {
    let saved = allowTrailingBlock
    allowTrailingBlock = false
    defer { allowTrailingBlock = saved }
    return try body()
  }

  func binding() throws -> Binding {
    let mutable = advance().kind == .keyword(.var)
    let pattern = try self.pattern()
    var type: TypeExpr?
    if match(.colon) { type = try typeExpr() }
    guard check(.assign) else {
      throw fail("expected '=' and an initial value in '\(mutable ? "var" : "let")' binding, found \(current.describe)")
    }
    advance()
    skipNewlines()
    return Binding(mutable: mutable, pattern: pattern, type: type, value: try expression())
  }

  func pattern() throws -> Pattern {
    try nested {
      if check(.lparen) {
        let start = advance().span
        var items: [Pattern] = []
        while !check(.rparen) {
          items.append(try pattern())
          if !match(.comma) { break }
        }
        let end = try consume(.rparen, "to close the tuple pattern").span
        return .tuple(items, start.to(end))
      }
      let (name, span) = try identifier("a name to bind")
      return name == "_" ? .wildcard(span) : .name(name, span)
    }
  }

  func block() throws -> Block {
    try nested {
      guard check(.lbrace) else { throw fail("expected '{', found \(current.describe)") }
      let open = advance().span
      let saved = allowTrailingBlock
      allowTrailingBlock = true
      defer { allowTrailingBlock = saved }
      var stmts: [Stmt] = []
      while true {
        skipSeparators()
        if check(.rbrace) || check(.eof) { break }
        if let s = statementOrRecover() { stmts.append(s) }
      }
      guard check(.rbrace) else {
        throw fail("expected '}' to close the block", at: current.span, notes: [Note("the block opens here", at: open)])
      }
      let close = advance().span
      return Block(stmts: stmts, span: open.to(close))
    }
  }

  func params() throws -> [Param] {
    try consume(.lparen, "to start the parameter list")
    var params: [Param] = []
    while !check(.rparen) {
      let (name, span) = try identifier("a parameter name")
      if params.contains(where: { $0.name == name }) {
        diags.error("duplicate parameter '\(name)'", at: span)
      }
      var type: TypeExpr?
      if match(.colon) { type = try typeExpr() }
      var def: Expr?
      if match(.assign) { def = try expression() }
      params.append(Param(name: name, span: span, type: type, defaultValue: def))
      if !match(.comma) { break }
    }
    try consume(.rparen, "to close the parameter list")
    return params
  }

  func functionDecl() throws -> FunctionDecl {
    advance()
    let (name, span) = try identifier("a function name after 'fn'")
    let ps = try params()
    var result: TypeExpr?
    if match(.arrow) { result = try typeExpr() }
    let saved = loopDepth
    loopDepth = 0
    defer { loopDepth = saved }
    let body = try block()
    return FunctionDecl(name: name, nameSpan: span, params: ps, result: result, body: body)
  }

  func modelDecl() throws -> ModelDecl {
    advance()
    let (name, span) = try identifier("a model name after 'model'")
    let ps = check(.lparen) ? try params() : []
    skipNewlines()
    try consume(.lbrace, "to start the model body")
    var fields: [Stmt] = [], methods: [FunctionDecl] = []
    while true {
      skipSeparators()
      if check(.rbrace) || check(.eof) { break }
      let startPos = pos
      do {
        if check(.let) || check(.var) {
          let s = current.span
          let b = try binding()
          fields.append(Stmt(id: newID(), span: s.to(previous.span), kind: .binding(b)))
        } else if check(.fn) {
          methods.append(try functionDecl())
        } else {
          throw fail("expected 'let', 'var' or 'fn' in the body of model '\(name)', found \(current.describe)")
        }
        try endOfStatement()
      } catch {
        synchronize()
        if pos == startPos, !check(.eof), !check(.rbrace) { advance() }
      }
    }
    try consume(.rbrace, "to close the model body")
    return ModelDecl(name: name, nameSpan: span, params: ps, fields: fields, methods: methods)
  }

  /// `in lo...hi`, `in lo...`, `in ...hi`, `in lo..<hi`.
  func configBounds() throws -> ConfigBounds {
    let start = advance().span
    let isOp = { (p: Punct) in if case .punct(p) = self.current.kind { return true }; return false }
    let lower = isOp(.rangeClosed) || isOp(.rangeHalfOpen) ? nil : try unary()
    guard isOp(.rangeClosed) || isOp(.rangeHalfOpen) else {
      throw fail("expected '...' or '..<' in the range of a config field, found \(current.describe)")
    }
    let closed = isOp(.rangeClosed)
    var end = advance().span
    var upper: Expr?
    if !check(.rbrace), !check(.semicolon), !check(.eof), !check(.newline) {
      upper = try unary()
      end = upper?.span ?? end
    }
    guard lower != nil || upper != nil else { throw fail("a config range needs a bound, e.g. 'in 1...'", at: start.to(end)) }
    if upper == nil, !closed { throw fail("a half-open range '..<' needs an upper bound", at: start.to(end)) }
    return ConfigBounds(lower: lower, upper: upper, closed: closed, span: start.to(end))
  }

  func configBlock() throws -> [ConfigField] {
    advance()
    try consume(.lbrace, "after 'config'")
    var fields: [ConfigField] = []
    while true {
      skipSeparators()
      if check(.rbrace) || check(.eof) { break }
      let startPos = pos
      do {
        let (name, span) = try identifier("a config field name")
        guard match(.colon) else { throw fail("expected ':' and a type for config field '\(name)'") }
        let type = try typeExpr()
        guard match(.assign) else { throw fail("config field '\(name)' needs a default value ('= value')") }
        let value = try expression()
        var range: ConfigBounds?
        if case .keyword(.in) = current.kind { range = try configBounds() }
        fields.append(ConfigField(name: name, span: span, type: type, defaultValue: value, range: range))
        try endOfStatement()
      } catch {
        synchronize()
        if pos == startPos, !check(.eof), !check(.rbrace) { advance() }
      }
    }
    try consume(.rbrace, "to close 'config'")
    return fields
  }

  // MARK: Types

  func typeExpr() throws -> TypeExpr {
    try nested {
      let start = current.span
      if match(.lparen) {
        var items: [TypeExpr] = []
        while !check(.rparen) {
          items.append(try typeExpr())
          if !match(.comma) { break }
        }
        let end = try consume(.rparen, "to close the tuple type").span
        return .tuple(items, span: start.to(end))
      }
      if match(.lbracket) {
        let elem = try typeExpr()
        let end = try consume(.rbracket, "to close the list type").span
        return .list(elem, span: start.to(end))
      }
      guard case .identifier = current.kind else { throw fail("expected a type, found \(current.describe)") }
      var (name, span) = try identifier("a type")
      while check(.dot), case .identifier(let next) = peekKind(1) {
        advance()
        span = span.to(advance().span)
        name += "." + next
      }
      var dims: [DimExpr]?
      if match(.lbracket) {
        var ds: [DimExpr] = []
        while !check(.rbracket) {
          switch current.kind {
          case .int(let v): ds.append(.known(Int(v)))
          case .identifier("_"): ds.append(.any)
          case .identifier(let s): ds.append(.symbol(s))
          default: throw fail("expected a dimension (a number or a name), found \(current.describe)")
          }
          advance()
          if !match(.comma) { break }
        }
        span = span.to(try consume(.rbracket, "to close the tensor dimensions").span)
        dims = ds
      }
      return .named(name: name, dims: dims, span: span)
    }
  }
}

