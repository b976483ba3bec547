/// Prints an AST as an indented tree, one node per line with its `line:col` — the output
/// of `dpl parse` and the format of the golden AST files.
public struct ASTPrinter {
  let file: SourceFile
  /// Whether lines end with the node's `@line:col` (without, two programs that differ
  /// only in layout print the same tree: what `dpl fmt` must preserve).
  var locations = true
  var out = ""

  public init(file: SourceFile) { self.file = file }

  /// The tree of a whole module.
  public static func print(_ module: SourceModule, file: SourceFile, locations: Bool = true) -> String {
    var p = ASTPrinter(file: file)
    p.locations = locations
    for s in module.stmts { p.stmt(s, 0) }
    return p.out
  }

  func loc(_ span: Span) -> String {
    guard locations else { return "" }
    let (l, c) = file.location(of: span.start)
    return "@\(l):\(c)"
  }

  mutating func line(_ depth: Int, _ text: String) {
    var t = Substring(text)
    if !locations { while t.last == " " { t.removeLast() } }
    out += String(repeating: "  ", count: depth) + t + "\n"
  }

  mutating func stmt(_ s: Stmt, _ d: Int) {
    switch s.kind {
    case .expr(let e): expr(e, d)
    case .binding(let b):
      line(d, "\(b.mutable ? "Var" : "Let") \(pattern(b.pattern))\(b.type.map { ": " + type($0) } ?? "") \(loc(s.span))")
      expr(b.value, d + 1)
    case .assign(let t, let op, let v):
      line(d, "Assign\(op.map { " " + $0.rawValue + "=" } ?? "") \(loc(s.span))")
      expr(t, d + 1)
      expr(v, d + 1)
    case .function(let f): function(f, d)
    case .model(let m):
      line(d, "Model \(m.name)(\(params(m.params))) \(loc(s.span))")
      for f in m.fields { stmt(f, d + 1) }
      for f in m.methods { function(f, d + 1) }
    case .importModule(let name, _): line(d, "Import \(name) \(loc(s.span))")
    case .config(let fields):
      line(d, "Config \(loc(s.span))")
      for f in fields {
        line(d + 1, "Field \(f.name): \(type(f.type)) \(loc(f.span))")
        expr(f.defaultValue, d + 2)
        if let r = f.range {
          line(d + 2, "Range \(r.closed ? "..." : "..<") \(loc(r.span))")
          if let lo = r.lower { line(d + 3, "Lower"); expr(lo, d + 4) }
          if let hi = r.upper { line(d + 3, "Upper"); expr(hi, d + 4) }
        }
      }
    case .forLoop(let p, let seq, let body):
      line(d, "For \(pattern(p)) \(loc(s.span))")
      expr(seq, d + 1)
      block(body, d + 1)
    case .whileLoop(let c, let body):
      line(d, "While \(loc(s.span))")
      expr(c, d + 1)
      block(body, d + 1)
    case .breakLoop: line(d, "Break \(loc(s.span))")
    case .continueLoop: line(d, "Continue \(loc(s.span))")
    case .returnValue(let e):
      line(d, "Return \(loc(s.span))")
      if let e { expr(e, d + 1) }
    }
  }

  mutating func function(_ f: FunctionDecl, _ d: Int) {
    line(d, "Fn \(f.name)(\(params(f.params)))\(f.result.map { " -> " + type($0) } ?? "") \(loc(f.nameSpan))")
    for p in f.params { if let def = p.defaultValue { line(d + 1, "Default \(p.name)"); expr(def, d + 2) } }
    block(f.body, d + 1)
  }

  mutating func block(_ b: Block, _ d: Int) {
    line(d, "Block \(loc(b.span))")
    for s in b.stmts { stmt(s, d + 1) }
  }

  func params(_ ps: [Param]) -> String {
    ps.map { p in p.name + (p.type.map { ": " + type($0) } ?? "") + (p.defaultValue == nil ? "" : " = …") }
      .joined(separator: ", ")
  }

  func pattern(_ p: Pattern) -> String {
    switch p {
    case .name(let n, _): return n
    case .wildcard: return "_"
    case .tuple(let ps, _): return "(" + ps.map(pattern).joined(separator: ", ") + ")"
    }
  }

  func type(_ t: TypeExpr) -> String {
    switch t {
    case .named(let n, let dims, _):
      guard let dims else { return n }
      return n + "[" + dims.map { d -> String in
        switch d {
        case .known(let v): return String(v)
        case .symbol(let s): return s
        case .any: return "_"
        }
      }.joined(separator: ", ") + "]"
    case .tuple(let ts, _): return "(" + ts.map(type).joined(separator: ", ") + ")"
    case .list(let t, _): return "[" + type(t) + "]"
    }
  }

  mutating func args(_ args: [CallArgument], _ d: Int) {
    for a in args {
      if let l = a.label {
        line(d, "Label \(l):")
        expr(a.value, d + 1)
      } else {
        expr(a.value, d)
      }
    }
  }

  mutating func expr(_ e: Expr, _ d: Int) {
    let at = loc(e.span)
    switch e.kind {
    case .int(let v): line(d, "Int \(v) \(at)")
    case .float(let v): line(d, "Float \(v) \(at)")
    case .bool(let v): line(d, "Bool \(v) \(at)")
    case .string(let segs):
      line(d, "String \(at)")
      for s in segs {
        switch s {
        case .text(let t): line(d + 1, "Text \(String(reflecting: t))")
        case .expr(let x): expr(x, d + 1)
        }
      }
    case .name(let n): line(d, "Name \(n) \(at)")
    case .list(let items):
      line(d, "List \(at)")
      for i in items { expr(i, d + 1) }
    case .tuple(let items):
      line(d, "Tuple \(at)")
      for i in items { expr(i, d + 1) }
    case .unary(let op, let x):
      line(d, "Unary \(op.rawValue) \(at)")
      expr(x, d + 1)
    case .binary(let op, let l, let r, let opSpan):
      line(d, "Binary \(op.rawValue) \(loc(opSpan))")
      expr(l, d + 1)
      expr(r, d + 1)
    case .call(let callee, let a, let b):
      line(d, "Call \(at)")
      expr(callee, d + 1)
      args(a, d + 1)
      if let b { line(d + 1, "Trailing"); block(b, d + 2) }
    case .index(let base, let items):
      line(d, "Index \(at)")
      expr(base, d + 1)
      for i in items {
        switch i {
        case .expr(let x): expr(x, d + 1)
        case .slice(let lo, let hi, let s):
          line(d + 1, "Slice \(loc(s))")
          if let lo { line(d + 2, "Lower"); expr(lo, d + 3) }
          if let hi { line(d + 2, "Upper"); expr(hi, d + 3) }
        }
      }
    case .member(let base, let name, _):
      line(d, "Member .\(name) \(at)")
      expr(base, d + 1)
    case .range(let a, let b):
      line(d, "Range \(at)")
      expr(a, d + 1)
      expr(b, d + 1)
    case .ifExpr(let i):
      line(d, "If \(at)")
      expr(i.condition, d + 1)
      block(i.then, d + 1)
      if let o = i.otherwise { line(d + 1, "Else"); block(o, d + 2) }
    case .bypass(let strategy, let options, let call):
      line(d, "Bypass \(at)")
      expr(strategy, d + 1)
      args(options, d + 1)
      expr(call, d + 1)
    case .error: line(d, "Error \(at)")
    }
  }
}
