/// Visits every expression of a statement list (pre-order), including nested blocks,
/// function bodies and model bodies.
public enum ASTWalker {
  public static func forEachExpr(in stmts: [Stmt], _ visit: (Expr) -> Void) {
    for s in stmts { stmt(s, visit) }
  }

  static func stmt(_ s: Stmt, _ visit: (Expr) -> Void) {
    switch s.kind {
    case .expr(let e): expr(e, visit)
    case .binding(let b): expr(b.value, visit)
    case .assign(let t, _, let v): expr(t, visit); expr(v, visit)
    case .function(let f): block(f.body, visit)
    case .model(let m):
      forEachExpr(in: m.fields, visit)
      for f in m.methods { block(f.body, visit) }
    case .config(let fields):
      for f in fields {
        expr(f.defaultValue, visit)
        for b in [f.range?.lower, f.range?.upper] { if let b { expr(b, visit) } }
      }
    case .forLoop(_, let seq, let body): expr(seq, visit); block(body, visit)
    case .whileLoop(let c, let body): expr(c, visit); block(body, visit)
    case .returnValue(let e): if let e { expr(e, visit) }
    case .importModule, .breakLoop, .continueLoop: break
    }
  }

  static func block(_ b: Block, _ visit: (Expr) -> Void) { forEachExpr(in: b.stmts, visit) }

  public static func expr(_ e: Expr, _ visit: (Expr) -> Void) {
    visit(e)
    switch e.kind {
    case .int, .float, .bool, .name, .error: break
    case .string(let segs): for case .expr(let x) in segs { expr(x, visit) }
    case .list(let xs), .tuple(let xs): for x in xs { expr(x, visit) }
    case .unary(_, let x): expr(x, visit)
    case .binary(_, let l, let r, _): expr(l, visit); expr(r, visit)
    case .call(let c, let args, let b):
      expr(c, visit)
      for a in args { expr(a.value, visit) }
      if let b { block(b, visit) }
    case .index(let base, let items):
      expr(base, visit)
      for i in items {
        switch i {
        case .expr(let x): expr(x, visit)
        case .slice(let lo, let hi, _):
          if let lo { expr(lo, visit) }
          if let hi { expr(hi, visit) }
        }
      }
    case .member(let base, _, _): expr(base, visit)
    case .range(let a, let b): expr(a, visit); expr(b, visit)
    case .ifExpr(let i):
      expr(i.condition, visit)
      block(i.then, visit)
      if let o = i.otherwise { block(o, visit) }
    case .bypass(let s, let opts, let c):
      expr(s, visit)
      for o in opts { expr(o.value, visit) }
      expr(c, visit)
    }
  }
}
