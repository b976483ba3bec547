import Language

extension Analysis {
  /// The names visible at `offset` of the document, one symbol per name (the innermost):
  /// top-level declarations, and the locals, parameters and fields of the blocks, functions
  /// and models around the offset that are declared before it.
  func visibleSymbols(at offset: Int) -> [Symbol] {
    let scopes = scopeSpans()
    var byName: [String: Symbol] = [:]
    for s in program.symbols where s.span.file == fileID && s.name != "_" {
      let hoisted: Bool
      switch s.kind {
      case .function, .model, .module: hoisted = true
      default: hoisted = false
      }
      guard hoisted || s.span.start < offset else { continue }
      // Top-level names are seen everywhere; others only inside the innermost scope
      // their declaration is in.
      if !s.topLevel {
        let home = scopes.filter { $0.start <= s.span.start && s.span.start < $0.end }.min(by: { $0.end - $0.start < $1.end - $1.start })
        if let home, !(home.start <= offset && offset <= home.end) { continue }
      }
      if let old = byName[s.name], old.span.start > s.span.start { continue }
      byName[s.name] = s
    }
    return byName.values.sorted { $0.name < $1.name }
  }

  /// The spans that open a scope in the document: functions and methods (with their
  /// parameters), models, `for` loops (with their variable) and every block.
  func scopeSpans() -> [Span] {
    guard let main = module(inFile: fileID) else { return [] }
    var out: [Span] = []
    func block(_ b: Block) {
      out.append(b.span)
      statements(b.stmts)
    }
    // Statement-level scopes; the ones inside expressions are found below.
    func statements(_ stmts: [Stmt]) {
      for s in stmts {
        switch s.kind {
        case .function(let f):
          out.append(s.span)
          block(f.body)
        case .model(let m):
          out.append(s.span)
          for f in m.methods {
            out.append(f.nameSpan.to(f.body.span))
            block(f.body)
          }
        case .forLoop(_, _, let body):
          out.append(s.span)
          block(body)
        case .whileLoop(_, let body):
          block(body)
        default:
          break
        }
      }
    }
    statements(main.stmts)
    // Blocks of calls (`grad(x) { … }`) and of `if` expressions, at any depth.
    ASTWalker.forEachExpr(in: main.stmts) { e in
      switch e.kind {
      case .call(_, _, let b?):
        block(b)
      case .ifExpr(let i):
        block(i.then)
        if let o = i.otherwise { block(o) }
      default:
        break
      }
    }
    return out
  }
}
