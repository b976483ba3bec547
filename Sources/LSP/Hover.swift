import Foundation
import Language

extension Analysis {
  /// Markdown for what is at `offset` of the document: a name's declaration and type, an
  /// expression's type, and a tensor's shape; a builtin's signature and summary; a
  /// function's or model's header and the comment above it.
  func hover(at offset: Int) -> (text: String, span: Span)? {
    guard let hit = hit(at: offset, file: fileID) else { return nil }
    var parts: [String] = []
    switch hit.target {
    case .symbol(let id)?:
      parts = describe(symbol: id)
    case .method(let q)?:
      if let f = program.functions[q] { parts = [code(head(of: f.decl, model: f.model))] + doc(above: f.decl.nameSpan) }
    case .builtin(let id)?:
      let b = id.builtin
      parts = [code(b.signature), b.summary, "gradient: \(b.gradient.rawValue) · \(b.kind.rawValue)"]
    case .strategy(let s)?:
      parts = [code("@bypass(\(s))"), BypassStrategy(rawValue: s)?.summary ?? "a gradient strategy"]
    case .option(let o)?:
      parts = [code("@bypass(…, \(o): …)"), BypassStrategy.options.first { $0.name == o }?.summary ?? ""]
    case nil:
      guard let t = hit.type, t != .error else { return nil }
      parts = [code(t.description)] + shapeLine(t)
    }
    return parts.isEmpty ? nil : (parts.joined(separator: "\n\n"), hit.span)
  }

  func describe(symbol id: Int) -> [String] {
    guard id < program.symbols.count else { return [] }
    let s = program.symbols[id]
    switch s.kind {
    case .function(let q):
      guard let f = program.functions[q] else { return [code("fn \(q)")] }
      return [code(head(of: f.decl, model: nil))] + doc(above: f.decl.nameSpan)
    case .model(let q):
      guard let m = program.models[q] else { return [code("model \(q)")] }
      let members = program.members(of: .model(q)).map { $0.kind == .method ? "fn \($0.name)" : "\($0.name): \($0.type)" }
      return [code(modelHead(m.decl))] + doc(above: m.decl.nameSpan) + (members.isEmpty ? [] : ["members: " + members.joined(separator: ", ")])
    case .module(let m):
      let path = program.modules.first { $0.name == m }.map { compilation.files[$0.fileID].path }
      return [code("import \(m)")] + (path.map { ["module file `\($0)`"] } ?? [])
    case .config:
      var line = "config \(s.name): \(s.type)"
      if let c = s.constant { line += " = \(c)" }
      if let r = program.configRanges[id] { line += " in \(r)" }
      return [code(line), "set with `dpl run FILE --set \(s.name)=…`"] + doc(above: s.span)
    case .field(let model):
      return [code("\(model).\(s.name): \(s.type)")] + shapeLine(s.type)
    case .receiver(let model):
      return [code("self: \(model)")]
    case .local:
      let word = s.introducerSpan == nil ? "(parameter)" : s.mutable ? "var" : "let"
      var line = "\(word) \(s.name): \(s.type)"
      if let c = s.constant, !s.mutable { line += " = \(c)" }
      return [code(line)] + shapeLine(s.type)
    }
  }

  /// `shape [4, 8] (rank 2)` for a tensor type, when its rank is known.
  func shapeLine(_ t: ValueType) -> [String] {
    guard t.isTensor else { return [] }
    guard let s = t.shape else { return ["shape known at run time"] }
    return ["shape `[\(s.map(\.description).joined(separator: ", "))]` (rank \(s.count))"]
  }

  func code(_ s: String) -> String { "```dpl\n\(s)\n```" }

  /// `fn name(x: Tensor, k: Int = 3) -> Tensor`, from the declaration's own text.
  func head(of f: FunctionDecl, model: String?) -> String {
    let result = f.result.map { " -> " + text($0.span) } ?? ""
    return "fn " + (model.map { $0 + "." } ?? "") + f.name + params(f.params) + result
  }

  func modelHead(_ m: ModelDecl) -> String { "model " + m.name + params(m.params) }

  func params(_ ps: [Param]) -> String {
    "(" + ps.map { p in
      p.name + (p.type.map { ": " + text($0.span) } ?? "") + (p.defaultValue.map { " = " + text($0.span) } ?? "")
    }.joined(separator: ", ") + ")"
  }

  func text(_ span: Span) -> String {
    span.file >= 0 && span.file < compilation.files.count ? compilation.files[span.file].text(of: span) : ""
  }

  /// The `//` comment lines right above the line of `span`, without their slashes.
  func doc(above span: Span) -> [String] {
    guard span.file >= 0, span.file < compilation.files.count else { return [] }
    let f = compilation.files[span.file]
    var line = f.location(of: span.start).line - 1
    var out: [String] = []
    while line >= f.firstLine {
      let t = f.lineText(line).trimmingCharacters(in: .whitespaces)
      guard t.hasPrefix("//") else { break }
      out.insert(String(t.dropFirst(2)).trimmingCharacters(in: .whitespaces), at: 0)
      line -= 1
    }
    return out.isEmpty ? [] : [out.joined(separator: "\n")]
  }
}
