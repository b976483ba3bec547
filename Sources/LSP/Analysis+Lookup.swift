import Language

/// What a name in the source denotes, as far as hover, definition and references care.
enum Target: Equatable {
  /// A declared name: binding, parameter, field, function, model, config field, module.
  case symbol(Int)
  /// A model's method, by qualified function name (`Mlp.forward`).
  case method(String)
  case builtin(BuiltinID)
  /// A `@bypass` strategy name (`es`) or option label (`sigma`).
  case strategy(String), option(String)
}

/// What lies under a position: the innermost expression or declared name there.
struct Hit {
  var span: Span
  var target: Target?
  /// The static type of the expression or name, when the checker recorded one.
  var type: ValueType?
}

extension Analysis {
  /// What is at byte `offset` of file `file` (a cursor just after a name still hits it).
  func hit(at offset: Int, file: Int) -> Hit? {
    let syms = program.symbols
    func contains(_ s: Span) -> Bool { s.file == file && s.start <= offset && offset <= s.end }
    // A declaration's name.
    var best: (Span, Int)?
    for (span, id) in program.bindings where contains(span) && id < syms.count {
      if case .receiver = syms[id].kind { continue }
      if let b = best, span.end - span.start >= b.0.end - b.0.start { continue }
      best = (span, id)
    }
    if let (span, id) = best { return Hit(span: span, target: .symbol(id), type: syms[id].type) }
    for (q, f) in program.functions where f.model != nil && contains(f.decl.nameSpan) {
      return Hit(span: f.decl.nameSpan, target: .method(q), type: .function(q))
    }
    // The innermost expression.
    var inner: Expr?
    for e in expressions where contains(e.span) {
      if let i = inner, e.span.end - e.span.start >= i.span.end - i.span.start { continue }
      inner = e
    }
    guard let e = inner else { return nil }
    let type = program.types[e.id]
    switch e.kind {
    case .name(let n):
      if let id = program.references[e.id] { return Hit(span: e.span, target: .symbol(id), type: type) }
      if case .builtin(let b)? = type { return Hit(span: e.span, target: .builtin(b), type: type) }
      if BypassStrategy(rawValue: n) != nil { return Hit(span: e.span, target: .strategy(n), type: nil) }
      return Hit(span: e.span, target: nil, type: type)
    case .member(let base, let name, let nameSpan) where contains(nameSpan):
      return Hit(span: nameSpan, target: memberTarget(base, name, e), type: type)
    case .bypass(_, let options, _):
      if let o = options.first(where: { $0.labelSpan.map(contains) == true }), let label = o.label {
        return Hit(span: o.labelSpan ?? o.span, target: .option(label), type: nil)
      }
      return Hit(span: e.span, target: nil, type: type)
    default:
      return Hit(span: e.span, target: nil, type: type)
    }
  }

  /// What `base.name` names: a module's member, or a model's field or method.
  func memberTarget(_ base: Expr, _ name: String, _ e: Expr) -> Target? {
    if let id = program.references[e.id] { return .symbol(id) }
    guard case .model(let q)? = program.types[base.id] else { return nil }
    if let m = program.members(of: .model(q)).first(where: { $0.name == name }) {
      if let id = m.symbol { return .symbol(id) }
      if let f = m.function { return .method(f) }
    }
    return nil
  }

  /// Where a target is declared; nil for builtins and strategies.
  func declaration(of target: Target) -> Span? {
    switch target {
    case .symbol(let id):
      guard id < program.symbols.count else { return nil }
      let s = program.symbols[id]
      if case .module(let m) = s.kind, let file = program.modules.first(where: { $0.name == m })?.fileID {
        return Span(file: file, start: 0, end: 0)
      }
      return s.span.file >= 0 ? s.span : nil
    case .method(let q):
      return program.functions[q]?.decl.nameSpan
    case .builtin, .strategy, .option:
      return nil
    }
  }

  /// Every use of a target in the files of this check (name spans; member names for `a.b`).
  func uses(of target: Target) -> [Span] {
    var out: [Span] = []
    for e in expressions {
      switch e.kind {
      case .name:
        if case .symbol(let id) = target, program.references[e.id] == id { out.append(e.span) }
      case .member(let base, let name, let nameSpan):
        if memberTarget(base, name, e) == target { out.append(nameSpan) }
      default: break
      }
    }
    return out
  }
}
