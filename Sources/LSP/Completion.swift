import Language

extension Analysis {
  /// Completion items at `offset` of the document. After `x.`: the members of `x`'s type
  /// (checked again with a placeholder name when `x.` alone does not parse, through
  /// `recheck`). Inside `@bypass(`: the strategies, then the options. Inside a call: the
  /// callee's parameter labels. Everywhere else: the names in scope, the builtins with
  /// their signatures, keywords and type names.
  func completions(at offset: Int, recheck: (String) -> Analysis) -> [JSON] {
    let bytes = source.bytes
    let off = max(0, min(offset, bytes.count))
    var start = off
    while start > 0, Self.isIdent(bytes[start - 1]) { start -= 1 }
    if Self.inNumber(bytes, start) { return [] }
    if start > 0, bytes[start - 1] == UInt8(ascii: ".") {
      return memberItems(nameStart: start, offset: off, recheck: recheck)
    }
    if start > 0, bytes[start - 1] == UInt8(ascii: "@") {
      return [item("bypass", Item.keyword, detail: "@bypass(strategy, options…) call")]
    }
    var items: [JSON] = []
    switch Self.enclosingCall(bytes, before: start) {
    case .bypass(let argument, let given)?:
      if argument == 0 {
        items += BypassStrategy.allCases.map { item($0.rawValue, Item.enumMember, detail: "strategy", doc: $0.summary) }
      } else {
        items += BypassStrategy.options.filter { !given.contains($0.name) }.map {
          item($0.name, Item.property, detail: "option", doc: $0.summary, insert: $0.name + ": ")
        }
      }
    case .call(let callee, let given)?:
      items += labels(of: callee).filter { !given.contains($0.0) }.map { item($0.0, Item.property, detail: $0.1, insert: $0.0 + ": ") }
    case nil:
      break
    }
    items += visibleSymbols(at: start).map(symbolItem)
    items += Builtins.all.map { item($0.name, Item.function, detail: $0.signature, doc: $0.summary) }
    items += Keyword.allCases.map { item($0.rawValue, Item.keyword) }
    items += ["Int", "Float", "Bool", "String", "Tensor", "IntTensor"].map { item($0, Item.type, detail: "type") }
    return items
  }

  /// The members after the `.` before `nameStart`.
  func memberItems(nameStart: Int, offset: Int, recheck: (String) -> Analysis) -> [JSON] {
    func baseType(_ a: Analysis) -> ValueType? {
      for e in a.expressions {
        if case .member(let base, _, let nameSpan) = e.kind, nameSpan.file == a.fileID, nameSpan.start == nameStart {
          return a.program.types[base.id]
        }
      }
      return nil
    }
    var analysis = self
    var type = baseType(self)
    if type == nil {
      // `x.` alone does not parse: check the text with a name after the dot and the line's
      // open brackets closed in place of the rest of the line.
      analysis = recheck(Self.completable(source.bytes, nameStart: nameStart, offset: offset))
      type = baseType(analysis)
    }
    guard let type else { return [] }
    return analysis.program.members(of: type).map { m in
      switch m.kind {
      case .field: return item(m.name, Item.field, detail: m.type.description)
      case .method:
        let head = m.function.flatMap { analysis.program.functions[$0] }.map { analysis.head(of: $0.decl, model: nil) }
        return item(m.name, Item.method, detail: head ?? "method")
      case .function:
        if let id = m.symbol { return analysis.symbolItem(analysis.program.symbols[id]) }
        return item(m.name, Item.function)
      case .model: return item(m.name, Item.class, detail: "model")
      case .property: return item(m.name, Item.property, detail: m.type.description)
      }
    }
  }

  /// The parameter labels of a callee named in the source: a builtin, a user function or a
  /// model (`f`, `nn.dice`, `nn.UNet`), with what each accepts.
  func labels(of callee: String) -> [(String, String)] {
    if let b = Builtins.named(callee) {
      return b.params.map { p in (p.name, "\(p.name): \(p.kind.rawValue)" + (p.defaultValue.map { " = \($0)" } ?? "")) }
    }
    let ps = program.functions[callee]?.decl.params ?? program.models[callee]?.decl.params ?? []
    return ps.map { p in (p.name, p.name + (p.type.map { ": " + text($0.span) } ?? "")) }
  }

  func symbolItem(_ s: Symbol) -> JSON {
    switch s.kind {
    case .function(let q):
      return item(s.name, Item.function, detail: program.functions[q].map { head(of: $0.decl, model: nil) })
    case .model(let q):
      return item(s.name, Item.class, detail: program.models[q].map { modelHead($0.decl) })
    case .module: return item(s.name, Item.module, detail: "module")
    case .config: return item(s.name, Item.property, detail: "config \(s.type)" + (s.constant.map { " = \($0)" } ?? ""))
    case .field: return item(s.name, Item.field, detail: s.type.description)
    case .local, .receiver: return item(s.name, Item.variable, detail: s.type.description)
    }
  }

  func item(_ label: String, _ kind: Int, detail: String? = nil, doc: String? = nil, insert: String? = nil) -> JSON {
    var o: [String: JSON] = ["label": JSON(label), "kind": JSON(kind)]
    if let detail { o["detail"] = JSON(detail) }
    if let doc { o["documentation"] = JSON(doc) }
    if let insert { o["insertText"] = JSON(insert) }
    return .object(o)
  }

  /// LSP `CompletionItemKind` numbers.
  enum Item {
    static let method = 2, function = 3, field = 5, variable = 6, `class` = 7, module = 9, property = 10
    static let keyword = 14, enumMember = 20, type = 22
  }

  static let placeholder = "dpl_completion_placeholder"

  /// The text with `placeholder` typed at `nameStart` and the rest of the line replaced by
  /// closers for the brackets the line opened before it: `f(net.` → `f(net.placeholder)`.
  static func completable(_ bytes: [UInt8], nameStart: Int, offset: Int) -> String {
    var lineStart = nameStart
    while lineStart > 0, bytes[lineStart - 1] != 10 { lineStart -= 1 }
    var open: [UInt8] = []
    for b in bytes[lineStart..<nameStart] {
      switch b {
      case UInt8(ascii: "("): open.append(UInt8(ascii: ")"))
      case UInt8(ascii: "["): open.append(UInt8(ascii: "]"))
      case UInt8(ascii: "{"): open.append(UInt8(ascii: "}"))
      case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"): if !open.isEmpty { open.removeLast() }
      default: break
      }
    }
    var lineEnd = offset
    while lineEnd < bytes.count, bytes[lineEnd] != 10 { lineEnd += 1 }
    return String(decoding: bytes[..<nameStart], as: UTF8.self) + placeholder
      + String(decoding: open.reversed(), as: UTF8.self) + String(decoding: bytes[lineEnd...], as: UTF8.self)
  }

  /// Whether the word starting at `start` is part of a number (`1.5`, `2e3`): nothing to complete.
  static func inNumber(_ bytes: [UInt8], _ start: Int) -> Bool {
    func digit(_ i: Int) -> Bool { i >= 0 && i < bytes.count && bytes[i] >= 48 && bytes[i] <= 57 }
    if digit(start) { return true }
    // After `1.`: the word before the dot starts with a digit.
    guard start >= 2, bytes[start - 1] == UInt8(ascii: "."), digit(start - 2) else { return false }
    var i = start - 2
    while i > 0, isIdent(bytes[i - 1]) { i -= 1 }
    return digit(i)
  }

  static func isIdent(_ b: UInt8) -> Bool {
    (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95
  }
}
