/// Binary operators by token, with their precedence (higher binds tighter). The one
/// precedence table of the language; `..<` sits between comparison and `+`.
let binaryOperators: [Punct: (op: BinaryOp?, precedence: Int)] = [
  .orOr: (.or, 1), .andAnd: (.and, 2),
  .eqEq: (.eq, 3), .notEq: (.ne, 3),
  .lt: (.lt, 4), .le: (.le, 4), .gt: (.gt, 4), .ge: (.ge, 4),
  .rangeHalfOpen: (nil, 5),
  .plus: (.add, 6), .minus: (.sub, 6),
  .star: (.mul, 7), .slash: (.div, 7), .percent: (.mod, 7), .at: (.matmul, 7),
]

extension Parser {
  func expr(_ kind: ExprKind, _ span: Span) -> Expr { Expr(id: newID(), span: span, kind: kind) }

  /// Parses an expression.
  public func expression() throws -> Expr {
    try nested { try binary(minPrecedence: 1) }
  }

  func binary(minPrecedence: Int) throws -> Expr {
    var lhs = try unary()
    var chain = 0
    while case .punct(let p) = current.kind, let entry = binaryOperators[p], entry.precedence >= minPrecedence {
      let opSpan = advance().span
      skipNewlines()
      let rhs = try nested { try binary(minPrecedence: entry.precedence + 1) }
      let span = lhs.span.to(rhs.span)
      if let op = entry.op {
        lhs = expr(.binary(op, lhs, rhs, opSpan: opSpan), span)
      } else {
        lhs = expr(.range(lhs, rhs), span)
      }
      chain += 1
      if depth + chain > maxDepth { throw fail("expression is too long (more than \(maxDepth) operators in a chain)", at: opSpan) }
    }
    return lhs
  }

  func unary() throws -> Expr {
    let start = current.span
    if match(.minus) {
      let operand = try nested { try unary() }
      return expr(.unary(.neg, operand), start.to(operand.span))
    }
    if match(.bang) {
      let operand = try nested { try unary() }
      return expr(.unary(.not, operand), start.to(operand.span))
    }
    if check(.at) { return try bypass() }
    return try postfix(try primary())
  }

  func bypass() throws -> Expr {
    let at = advance().span
    let (name, nameSpan) = try identifier("an attribute name after '@'")
    guard name == "bypass" else {
      throw fail("unknown attribute '@\(name)'", at: at.to(nameSpan), notes: [Note("the only attribute is '@bypass(strategy, …)'")])
    }
    guard check(.lparen) else {
      throw fail("'@bypass' needs a strategy in parentheses, e.g. '@bypass(ste)'")
    }
    let args = try arguments()
    guard let first = args.first, first.label == nil else {
      throw fail("'@bypass' needs a strategy as its first argument (\(BypassStrategy.names.joined(separator: ", ")) or a model)",
                 at: args.first?.span ?? previous.span)
    }
    let call = try nested { try postfix(try primary()) }
    guard case .call = call.kind else {
      throw fail("'@bypass' must be followed by a function call", at: call.span)
    }
    return expr(.bypass(strategy: first.value, options: Array(args.dropFirst()), call: call), at.to(call.span))
  }

  func primary() throws -> Expr {
    let t = current
    switch t.kind {
    case .int(let v): advance(); return expr(.int(v), t.span)
    case .float(let v): advance(); return expr(.float(v), t.span)
    case .keyword(.true): advance(); return expr(.bool(true), t.span)
    case .keyword(.false): advance(); return expr(.bool(false), t.span)
    case .identifier(let s): advance(); return expr(.name(s), t.span)
    case .string(let pieces): advance(); return try stringLiteral(pieces, t.span)
    case .keyword(.if): return try ifExpression()
    case .punct(.lparen):
      advance()
      let saved = allowTrailingBlock
      allowTrailingBlock = true
      defer { allowTrailingBlock = saved }
      if check(.rparen) { return expr(.tuple([]), t.span.to(advance().span)) }
      let first = try expression()
      if check(.rparen) {
        advance()
        return first
      }
      var items = [first]
      while match(.comma) {
        if check(.rparen) { break }
        items.append(try expression())
      }
      let end = try consume(.rparen, "to close the tuple")
      return expr(.tuple(items), t.span.to(end.span))
    case .punct(.lbracket):
      advance()
      let saved = allowTrailingBlock
      allowTrailingBlock = true
      defer { allowTrailingBlock = saved }
      var items: [Expr] = []
      while !check(.rbracket) {
        items.append(try expression())
        if !match(.comma) { break }
      }
      let end = try consume(.rbracket, "to close the list")
      return expr(.list(items), t.span.to(end.span))
    case .invalid:
      advance()
      throw ParseAbort()
    default:
      throw fail("expected an expression, found \(t.describe)")
    }
  }

  func ifExpression() throws -> Expr {
    let start = advance().span
    let cond = try header { try expression() }
    let then = try block()
    var otherwise: Block?
    var k = 0
    while peekKind(k) == .newline { k += 1 }
    if peekKind(k) == .keyword(.else) {
      skipNewlines()
      advance()
      if check(.if) {
        let nestedIf = try nested { try ifExpression() }
        otherwise = Block(stmts: [Stmt(id: newID(), span: nestedIf.span, kind: .expr(nestedIf))], span: nestedIf.span)
      } else {
        otherwise = try block()
      }
    }
    return expr(.ifExpr(IfExpr(condition: cond, then: then, otherwise: otherwise)),
                start.to(otherwise?.span ?? then.span))
  }

  func stringLiteral(_ pieces: [StringPiece], _ span: Span) throws -> Expr {
    var segments: [StringSegment] = []
    for piece in pieces {
      switch piece {
      case .text(let s): segments.append(.text(s))
      case .code(let s, let e):
        var lexer = Lexer(file: file, fileID: fileID, range: s..<e)
        var d = diags
        let toks = lexer.tokenize(into: &d)
        let sub = Parser(tokens: toks, file: file, fileID: fileID, firstID: nextID, diagnostics: d, depth: depth + 1)
        let inner: Expr
        if toks.count <= 1 {
          sub.diags.error("empty interpolation in string literal", at: Span(file: fileID, start: s - 2, end: e + 1))
          inner = Expr(id: sub.newID(), span: Span(file: fileID, start: s, end: e), kind: .error)
        } else if let e = try? sub.expression() {
          if !sub.check(.eof) { _ = sub.fail("expected ')' to end the interpolation, found \(sub.current.describe)") }
          inner = e
        } else {
          inner = Expr(id: sub.newID(), span: Span(file: fileID, start: s, end: e), kind: .error)
        }
        diags = sub.diags
        nextID = sub.nextID
        segments.append(.expr(inner))
      }
    }
    return expr(.string(segments), span)
  }

  func postfix(_ base: Expr) throws -> Expr {
    var e = base
    var chain = 0
    while true {
      chain += 1
      if depth + chain > maxDepth { throw fail("expression is too long (more than \(maxDepth) postfix operations)") }
      if check(.lparen) {
        let args = try arguments()
        var block: Block?
        if allowTrailingBlock, check(.lbrace) { block = try self.block() }
        e = expr(.call(callee: e, args: args, block: block), e.span.to(block?.span ?? previous.span))
      } else if check(.lbracket) {
        e = try index(e)
      } else if check(.dot) {
        advance()
        switch current.kind {
        case .identifier(let name):
          let ns = advance().span
          e = expr(.member(e, name: name, nameSpan: ns), e.span.to(ns))
        case .int(let v):
          let ns = advance().span
          e = expr(.member(e, name: String(v), nameSpan: ns), e.span.to(ns))
        default:
          throw fail("expected a member name after '.', found \(current.describe)")
        }
      } else if allowTrailingBlock, check(.lbrace), isTrailingBlockCallee(e) {
        let block = try self.block()
        e = expr(.call(callee: e, args: [], block: block), e.span.to(block.span))
      } else {
        return e
      }
    }
  }

  func isTrailingBlockCallee(_ e: Expr) -> Bool {
    switch e.kind {
    case .name, .member: return true
    default: return false
    }
  }

  func arguments() throws -> [CallArgument] {
    try consume(.lparen, "to start the arguments")
    let saved = allowTrailingBlock
    allowTrailingBlock = true
    defer { allowTrailingBlock = saved }
    var args: [CallArgument] = []
    while !check(.rparen) {
      let start = current.span
      var label: String?, labelSpan: Span?
      if case .identifier(let name) = current.kind, peekKind(1) == .punct(.colon) {
        label = name
        labelSpan = advance().span
        advance()
      }
      let value = try expression()
      if label == nil, let prev = args.last, prev.label != nil {
        diags.error("positional argument cannot follow labelled argument '\(prev.label ?? "")'", at: value.span)
      }
      args.append(CallArgument(label: label, labelSpan: labelSpan, value: value, span: start.to(value.span)))
      if !match(.comma) { break }
    }
    try consume(.rparen, "to close the argument list")
    return args
  }

  func index(_ base: Expr) throws -> Expr {
    advance()
    let saved = allowTrailingBlock
    allowTrailingBlock = true
    defer { allowTrailingBlock = saved }
    var items: [IndexItem] = []
    while !check(.rbracket) {
      let start = current.span
      if match(.colon) {
        var upper: Expr?
        if !check(.comma), !check(.rbracket) { upper = try expression() }
        items.append(.slice(lower: nil, upper: upper, span: start.to(previous.span)))
      } else {
        let lower = try expression()
        if match(.colon) {
          var upper: Expr?
          if !check(.comma), !check(.rbracket) { upper = try expression() }
          items.append(.slice(lower: lower, upper: upper, span: start.to(previous.span)))
        } else {
          items.append(.expr(lower))
        }
      }
      if !match(.comma) { break }
    }
    let end = try consume(.rbracket, "to close the subscript")
    if items.isEmpty { diags.error("subscript needs at least one index", at: end.span) }
    return expr(.index(base, items), base.span.to(end.span))
  }
}
