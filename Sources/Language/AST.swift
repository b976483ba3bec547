/// Identifies an AST node within one compilation (unique across its files).
public typealias NodeID = Int

/// An expression node: value type with a unique id and a span.
public struct Expr: Hashable, Sendable {
  public var id: NodeID
  public var span: Span
  public var kind: ExprKind
  public init(id: NodeID, span: Span, kind: ExprKind) {
    self.id = id
    self.span = span
    self.kind = kind
  }
}

/// What an expression is.
public indirect enum ExprKind: Hashable, Sendable {
  case int(Int64)
  case float(Double)
  case bool(Bool)
  case string([StringSegment])
  case name(String)
  case list([Expr])
  case tuple([Expr])
  case unary(UnaryOp, Expr)
  case binary(BinaryOp, Expr, Expr, opSpan: Span)
  /// A call `callee(args) { block }`; the trailing block is optional.
  case call(callee: Expr, args: [CallArgument], block: Block?)
  case index(Expr, [IndexItem])
  case member(Expr, name: String, nameSpan: Span)
  case range(Expr, Expr)
  case ifExpr(IfExpr)
  /// `@bypass(strategy, label: value, …) call`.
  case bypass(strategy: Expr, options: [CallArgument], call: Expr)
  /// A parse error placeholder; never reported on again.
  case error
}

/// A piece of a string literal.
public enum StringSegment: Hashable, Sendable {
  case text(String)
  case expr(Expr)
}

/// A call argument, optionally labelled (`axis: 0`).
public struct CallArgument: Hashable, Sendable {
  public var label: String?
  public var labelSpan: Span?
  public var value: Expr
  public var span: Span
}

/// One subscript item: an expression or a slice `a:b`.
public enum IndexItem: Hashable, Sendable {
  case expr(Expr)
  case slice(lower: Expr?, upper: Expr?, span: Span)
  public var span: Span {
    switch self {
    case .expr(let e): return e.span
    case .slice(_, _, let s): return s
    }
  }
}

/// `if cond { … } else …`.
public struct IfExpr: Hashable, Sendable {
  public var condition: Expr
  public var then: Block
  /// The else branch: a block (an `else if` is a block holding one `if` expression).
  public var otherwise: Block?
}

/// `{ stmt; stmt; expr }`; its value is the last statement if that is an expression.
public struct Block: Hashable, Sendable {
  public var stmts: [Stmt]
  public var span: Span
}

public enum UnaryOp: String, Hashable, Sendable { case neg = "-", not = "!" }

public enum BinaryOp: String, Hashable, Sendable, CaseIterable {
  case or = "||", and = "&&", eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
  case add = "+", sub = "-", mul = "*", div = "/", mod = "%", matmul = "@"
  /// Comparison operators (their result has no gradient).
  public var isComparison: Bool { [.eq, .ne, .lt, .le, .gt, .ge].contains(self) }
  public var isLogical: Bool { self == .or || self == .and }
}

/// A statement node.
public struct Stmt: Hashable, Sendable {
  public var id: NodeID
  public var span: Span
  public var kind: StmtKind
}

public indirect enum StmtKind: Hashable, Sendable {
  case expr(Expr)
  case binding(Binding)
  /// `target = value` or a compound `target op= value`.
  case assign(target: Expr, op: BinaryOp?, value: Expr)
  case function(FunctionDecl)
  case model(ModelDecl)
  case importModule(name: String, nameSpan: Span)
  case config([ConfigField])
  case forLoop(pattern: Pattern, sequence: Expr, body: Block)
  case whileLoop(condition: Expr, body: Block)
  case breakLoop
  case continueLoop
  case returnValue(Expr?)
}

/// `let`/`var` pattern `: Type` = value.
public struct Binding: Hashable, Sendable {
  public var mutable: Bool
  public var pattern: Pattern
  public var type: TypeExpr?
  public var value: Expr
}

/// A binding pattern: a name, `_`, or a tuple of patterns.
public indirect enum Pattern: Hashable, Sendable {
  case name(String, Span)
  case wildcard(Span)
  case tuple([Pattern], Span)
  public var span: Span {
    switch self {
    case .name(_, let s), .wildcard(let s), .tuple(_, let s): return s
    }
  }
}

/// A written type: `Int`, `Tensor[B, 1, H, W]`, `(Int, Float)`, `[Int]`, `nn.UNet`.
public indirect enum TypeExpr: Hashable, Sendable {
  case named(name: String, dims: [DimExpr]?, span: Span)
  case tuple([TypeExpr], span: Span)
  case list(TypeExpr, span: Span)
  public var span: Span {
    switch self {
    case .named(_, _, let s), .tuple(_, let s), .list(_, let s): return s
    }
  }
}

/// A dimension in a tensor annotation: a number, a symbol, or `_`.
public enum DimExpr: Hashable, Sendable {
  case known(Int)
  case symbol(String)
  case any
}

/// A function parameter.
public struct Param: Hashable, Sendable {
  public var name: String
  public var span: Span
  public var type: TypeExpr?
  public var defaultValue: Expr?
}

/// `fn name(params) -> Type { body }`.
public struct FunctionDecl: Hashable, Sendable {
  public var name: String
  public var nameSpan: Span
  public var params: [Param]
  public var result: TypeExpr?
  public var body: Block
}

/// `model Name(params) { let …; fn forward(…) … }`.
public struct ModelDecl: Hashable, Sendable {
  public var name: String
  public var nameSpan: Span
  public var params: [Param]
  /// The `let`/`var` statements that create the model's fields, in order.
  public var fields: [Stmt]
  public var methods: [FunctionDecl]
}

/// `name: Type = default` inside `config { … }`, optionally `in lo...hi` (either bound may
/// be left out; `..<` excludes the upper one).
public struct ConfigField: Hashable, Sendable {
  public var name: String
  public var span: Span
  public var type: TypeExpr
  public var defaultValue: Expr
  public var range: ConfigBounds?
}

/// The written bounds of a config field's range.
public struct ConfigBounds: Hashable, Sendable {
  public var lower: Expr?
  public var upper: Expr?
  public var closed: Bool
  public var span: Span
}

/// A parsed file.
public struct SourceModule: Hashable, Sendable {
  /// The module name (file stem), e.g. `nn`.
  public var name: String
  public var fileID: Int
  public var stmts: [Stmt]
}
