import Language

extension Analysis {
  /// The document's outline (`DocumentSymbol`s): imports, the config block and its fields,
  /// functions, models with their fields and methods, and top-level bindings.
  func documentSymbols() -> JSON {
    guard let main = module(inFile: fileID) else { return [] }
    let index = lines(fileID)
    func symbol(_ name: String, _ kind: Int, _ range: Span, _ selection: Span, detail: String? = nil, children: [JSON] = []) -> JSON {
      var o: [String: JSON] = ["name": JSON(name), "kind": JSON(kind), "range": index.range(range.to(selection)),
                               "selectionRange": index.range(selection)]
      if let detail { o["detail"] = JSON(detail) }
      if !children.isEmpty { o["children"] = .array(children) }
      return .object(o)
    }
    func names(_ p: Pattern) -> [(String, Span)] {
      switch p {
      case .name(let n, let s): return [(n, s)]
      case .wildcard: return []
      case .tuple(let ps, _): return ps.flatMap(names)
      }
    }
    func bindings(_ s: Stmt, field: Bool) -> [JSON] {
      guard case .binding(let b) = s.kind else { return [] }
      return names(b.pattern).map { n, span in
        let type = program.bindings[span].map { program.symbols[$0].type.description }
        return symbol(n, field ? Kind.field : b.mutable ? Kind.variable : Kind.constant, s.span, span, detail: type)
      }
    }
    func function(_ f: FunctionDecl, kind: Int, range: Span) -> JSON {
      let sig = params(f.params) + (f.result.map { " -> " + text($0.span) } ?? "")
      return symbol(f.name, kind, range, f.nameSpan, detail: sig)
    }
    var out: [JSON] = []
    for s in main.stmts {
      switch s.kind {
      case .importModule(let name, let span):
        out.append(symbol(name, Kind.module, s.span, span))
      case .function(let f):
        out.append(function(f, kind: Kind.function, range: s.span))
      case .model(let m):
        let fields = m.fields.flatMap { bindings($0, field: true) }
        let methods = m.methods.map { function($0, kind: Kind.method, range: $0.nameSpan.to($0.body.span)) }
        out.append(symbol(m.name, Kind.class, s.span, m.nameSpan, detail: params(m.params), children: fields + methods))
      case .config(let fields):
        let children = fields.map { f in
          symbol(f.name, Kind.property, f.span.to(f.range?.span ?? f.defaultValue.span), f.span,
                 detail: text(f.type.span) + " = " + text(f.defaultValue.span))
        }
        out.append(symbol("config", Kind.namespace, s.span, Span(file: s.span.file, start: s.span.start, end: s.span.start + 6),
                          children: children))
      case .binding:
        out += bindings(s, field: false)
      default:
        break
      }
    }
    return .array(out)
  }

  /// LSP `SymbolKind` numbers.
  enum Kind {
    static let module = 2, namespace = 3, `class` = 5, method = 6, property = 7, field = 8
    static let function = 12, variable = 13, constant = 14
  }
}
