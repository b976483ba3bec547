import IR
import Language

/// Where a compiled op finds an operand: its slot, a constant known when the function is
/// compiled, or a fused tree of Int, Float or Bool ops it runs itself.
enum Operand {
  case slot(ValueID)
  case constant(Value)
  case int(Tree)
  case float(Tree)
  case bool(Tree)

  /// The operand's value, a tree's scalar boxed.
  func reader() -> (Frame) throws -> Value {
    switch self {
    case .slot(let x): return { f in f[x] }
    case .constant(let v): return { _ in v }
    case .int(let e): return { f in .int(try e(f)) }
    case .float(let e): return { f in .float(Double.ofWord(try e(f))) }
    case .bool(let e): return { f in .bool(try e(f) != 0) }
    }
  }

  /// Whether reading the operand runs ops (and so must happen where they stood).
  var isTree: Bool {
    switch self {
    case .slot, .constant: return false
    case .int, .float, .bool: return true
    }
  }
}

/// Operator fusion (docs/runtime.md, "Execution"). An Int, Float or Bool op whose value one
/// later op uses is not a step of its own: it waits on a stack of pending trees, and the op
/// that uses it runs it inside its own closure, reading the operand unboxed. Only the
/// latest pending trees can be taken, and every step first stores what is still pending
/// in order, so ops run exactly in the order the IR gives them; constants are read where
/// they are used.
extension FunctionCompiler {
  /// A tree an op defined, waiting for the op that uses it.
  typealias Pending = [(value: ValueID, tree: Operand)]

  /// Operand `v` of an op being compiled: a constant, the latest pending tree, or its slot.
  func take(_ v: ValueID, _ pending: inout Pending) -> Operand {
    if let c = constants[v] { return .constant(c) }
    if let last = pending.last, last.value == v {
      pending.removeLast()
      return last.tree
    }
    return .slot(v)
  }

  /// All operands of `op`, right to left, so the trees taken are the latest ones.
  func takeAll(_ ids: [ValueID], _ pending: inout Pending) -> [Operand] {
    var out = ids.map { Operand.slot($0) }
    for k in ids.indices.reversed() { out[k] = take(ids[k], &pending) }
    return out
  }

  /// The step that stores a tree's value in its slot (a scalar slot: nothing to release).
  static func store(_ tree: Operand, _ r: ValueID) -> Step {
    switch tree {
    case .int(let e): return { f in f.setScalar(r, .int(try e(f))); return .next }
    case .float(let e): return { f in f.setScalar(r, .float(Double.ofWord(try e(f)))); return .next }
    case .bool(let e): return { f in f.setScalar(r, .bool(try e(f) != 0)); return .next }
    case .constant(let v): return { f in f.setScalar(r, v); return .next }
    case .slot(let x): return { f in f[r] = f[x]; return .next }
    }
  }

  /// Whether `op` reads its operands through `take` (so a constant operand needs no slot).
  func readsOperandsFused(_ op: Op) -> Bool {
    switch op.kind {
    case .binary(let b): return FunctionCompiler.isScalar(op.type) && scalarBinary(b, op) != nil
    case .unary: return FunctionCompiler.isScalar(op.type) && types[op.operands[0]].map(FunctionCompiler.isScalar) == true
    case .varNew, .varSet: return op.operands.first.map(promoted.contains) == true && FunctionCompiler.isScalar(cellType(op))
    case .returnValue, .yield, .ifElse, .call, .method: return true
    case .index(let items): return isListElement(op, items)
    default: return false
    }
  }

  func cellType(_ op: Op) -> ValueType {
    if case .varNew = op.kind { return op.type }
    return types[op.operands[0]] ?? .any
  }

  // MARK: Typed operands

  func typed<T: SlotScalar>(_ o: Operand, _ type: T.Type) -> Typed<T>? {
    switch o {
    case .slot(let x): return .slot(x)
    case .constant(let v): return T.unbox(v).map { .constant($0) }
    case .int(let e): return T.self == Int.self ? .expr(e) : nil
    case .float(let e): return T.self == Double.self ? .expr(e) : nil
    case .bool(let e): return T.self == Bool.self ? .expr(e) : nil
    }
  }

  /// An Int, Float or Bool operand of static type `type` as a word tree.
  func word(_ o: Operand, _ type: ValueType?) -> WordOperand? {
    switch type {
    case .int?: return typed(o, Int.self).map(WordOperand.init)
    case .float?: return typed(o, Double.self).map(WordOperand.init)
    case .bool?: return typed(o, Bool.self).map(WordOperand.init)
    default: return nil
    }
  }

  /// An Int or Float operand as a Float (an Int operand of a Float operator is converted).
  func float(_ o: Operand, _ type: ValueType?, _ span: Span) -> Typed<Double>? {
    if type == .int, let i = typed(o, Int.self) { return i.map(span) { Double($0) } }
    return type == .float ? typed(o, Double.self) : nil
  }

  // MARK: Fused ops

  /// What a binary op computes on, when both operands are Int, Float or Bool.
  enum ScalarKind { case int, float, bool }

  func scalarBinary(_ b: BinaryOp, _ op: Op) -> ScalarKind? {
    guard op.operands.count == 2, let l = types[op.operands[0]], let r = types[op.operands[1]] else { return nil }
    switch (l, r) {
    case (.int, .int): return b == .and || b == .or ? nil : .int
    case (.int, .float), (.float, .int), (.float, .float): return b == .and || b == .or ? nil : .float
    case (.bool, .bool): return b == .and || b == .or ? .bool : nil
    default: return nil
    }
  }

  /// A binary op as a tree, or nil when it takes the ordinary path.
  func fusedBinary(_ b: BinaryOp, _ op: Op, _ l: Operand, _ r: Operand) -> Operand? {
    guard let kind = scalarBinary(b, op) else { return nil }
    unowned(unsafe) let me = interpreter
    let span = op.span
    switch kind {
    case .int:
      guard let x = typed(l, Int.self), let y = typed(r, Int.self) else { return nil }
      let fail: Failure = { a, c in try me.fusedFailure(b, .int(a), .int(c), op) }
      switch b {
      case .add: return .int(Fused.binary(CheckedInt<IntAdd>.self, x, y, span, fail: fail))
      case .sub: return .int(Fused.binary(CheckedInt<IntSub>.self, x, y, span, fail: fail))
      case .mul: return .int(Fused.binary(CheckedInt<IntMul>.self, x, y, span, fail: fail))
      case .div: return .int(Fused.binary(CheckedInt<IntDiv>.self, x, y, span, fail: fail))
      case .mod: return .int(Fused.binary(CheckedInt<IntMod>.self, x, y, span, fail: fail))
      default: return comparison(b, x, y, span)
      }
    case .float:
      guard let x = float(l, types[op.operands[0]], span), let y = float(r, types[op.operands[1]], span) else { return nil }
      let fail: Failure = { a, _ in a }  // Float operators do not fail
      switch b {
      case .add: return .float(Fused.binary(PlainFloat<FloatAdd>.self, x, y, span, fail: fail))
      case .sub: return .float(Fused.binary(PlainFloat<FloatSub>.self, x, y, span, fail: fail))
      case .mul: return .float(Fused.binary(PlainFloat<FloatMul>.self, x, y, span, fail: fail))
      case .div: return .float(Fused.binary(PlainFloat<FloatDiv>.self, x, y, span, fail: fail))
      case .mod: return .float(Fused.binary(PlainFloat<FloatMod>.self, x, y, span, fail: fail))
      default: return comparison(b, x, y, span)
      }
    case .bool:
      guard let x = typed(l, Bool.self), let y = typed(r, Bool.self) else { return nil }
      let fail: Failure = { a, _ in a }
      return .bool(b == .and ? Fused.binary(BoolAnd.self, x, y, span, fail: fail) : Fused.binary(BoolOr.self, x, y, span, fail: fail))
    }
  }

  func comparison<T: SlotScalar & Comparable>(_ b: BinaryOp, _ x: Typed<T>, _ y: Typed<T>, _ span: Span) -> Operand? {
    let fail: Failure = { a, _ in a }  // comparisons do not fail
    switch b {
    case .lt: return .bool(Fused.binary(Compared<Less, T>.self, x, y, span, fail: fail))
    case .le: return .bool(Fused.binary(Compared<LessOrEqual, T>.self, x, y, span, fail: fail))
    case .gt: return .bool(Fused.binary(Compared<Greater, T>.self, x, y, span, fail: fail))
    case .ge: return .bool(Fused.binary(Compared<GreaterOrEqual, T>.self, x, y, span, fail: fail))
    case .eq: return .bool(Fused.binary(Compared<Equal, T>.self, x, y, span, fail: fail))
    case .ne: return .bool(Fused.binary(Compared<NotEqual, T>.self, x, y, span, fail: fail))
    default: return nil
    }
  }

  /// `-x` and `!x` as a tree.
  func fusedUnary(_ u: UnaryOp, _ op: Op, _ x: Operand) -> Operand? {
    unowned(unsafe) let me = interpreter
    let span = op.span
    switch (u, types[op.operands[0]]) {
    case (.neg, .int?):
      guard let e = typed(x, Int.self)?.tree(span) else { return nil }
      return .int { f in
        let v = try e(f)
        return v == .min ? try me.fusedFailure(u, .int(v), op) : -v
      }
    case (.neg, .float?):
      guard let e = typed(x, Double.self)?.tree(span) else { return nil }
      return .float { f in (-Double.ofWord(try e(f))).word }
    case (.not, .bool?):
      guard let e = typed(x, Bool.self)?.tree(span) else { return nil }
      return .bool { f in try e(f) ^ 1 }
    default: return nil
    }
  }

  /// `xs[i]` of an Int, Float or Bool in a list.
  func isListElement(_ op: Op, _ items: [IndexKind]) -> Bool {
    guard items == [.at], op.operands.count == 2, Self.isScalar(op.type), op.type != .void,
          types[op.operands[1]] == .int, case .list? = types[op.operands[0]] else { return false }
    return true
  }

  /// `xs[i]` as a tree: the element read in place; anything else (a negative index, one out
  /// of range) takes the ordinary path, with its error.
  func fusedIndex(_ op: Op, _ base: Operand, _ at: Operand) -> Operand? {
    guard case .slot(let list) = base, let i = typed(at, Int.self) else { return nil }
    switch op.type {
    case .int: return .int(listElement(Int.self, list, i, op))
    case .float: return .float(listElement(Double.self, list, i, op))
    case .bool: return .bool(listElement(Bool.self, list, i, op))
    default: return nil
    }
  }

  func listElement<T: SlotScalar>(_: T.Type, _ list: ValueID, _ at: Typed<Int>, _ op: Op) -> Tree {
    unowned(unsafe) let me = interpreter
    let span = op.span
    let slow: (Frame, Int) throws -> Int = { f, k in
      do {
        return (try Self.unbox(try me.index(f[list], [.at], [.int(k)], op), span) as T).word
      } catch {
        throw me.located(error, op)
      }
    }
    @inline(__always) func element(_ f: Frame, _ k: Int) throws -> Int {
      if case .list(let xs) = f.slots[list], k >= 0, k < xs.count, let v = T.unbox(xs[k]) { return v.word }
      return try slow(f, k)
    }
    switch at {
    case .slot(let x): return { f in try element(f, try f.scalar(x, span)) }
    case .constant(let k): return { f in try element(f, k) }
    case .expr(let e): return { f in try element(f, try e(f)) }
    }
  }

  /// A call's value as a tree of the callee's result type.
  static func unboxed(_ run: @escaping (Frame) throws -> Value, _ type: ValueType, _ span: Span) -> Operand? {
    switch type {
    case .int: return .int { f in (try unbox(try run(f), span) as Int).word }
    case .float: return .float { f in (try unbox(try run(f), span) as Double).word }
    case .bool: return .bool { f in (try unbox(try run(f), span) as Bool).word }
    default: return nil
    }
  }

  static func unbox<T: SlotScalar>(_ v: Value, _ span: Span) throws -> T {
    if let x = T.unbox(v) { return x }
    throw RuntimeError("internal: a value typed \(T.typeName) holds \(v.typeName)", at: span)
  }

  /// `c ? a : b` for an `if` whose branches are trees of one scalar type.
  static func ternary(_ c: Operand, _ a: Operand, _ b: Operand, _ type: ValueType, _ compiler: FunctionCompiler,
                      _ span: Span) -> Operand? {
    guard let cond = compiler.typed(c, Bool.self)?.tree(span) else { return nil }
    func pick<T: SlotScalar>(_: T.Type) -> Tree? {
      guard let ta = compiler.typed(a, T.self), let tb = compiler.typed(b, T.self) else { return nil }
      let (x, y) = (ta.tree(span), tb.tree(span))
      // A branch that is a slot (`if n < 2 { n } else { … }`) is read here, not called.
      switch (ta, tb) {
      case (.slot(let s), _): return { f in try cond(f) != 0 ? (try f.scalar(s, span) as T).word : try y(f) }
      case (_, .slot(let s)): return { f in try cond(f) != 0 ? try x(f) : (try f.scalar(s, span) as T).word }
      default: return { f in try cond(f) != 0 ? try x(f) : try y(f) }
      }
    }
    switch type {
    case .int: return pick(Int.self).map { .int($0) }
    case .float: return pick(Double.self).map { .float($0) }
    case .bool: return pick(Bool.self).map { .bool($0) }
    default: return nil
    }
  }
}

/// A typed operand whose scalar type is no longer needed: it only gives its tree.
struct WordOperand {
  let tree: (Span) -> Tree
  init<T: SlotScalar>(_ t: Typed<T>) { tree = t.tree }
}

enum BoolAnd: FusedOperator {
  static func apply(_ x: Bool, _ y: Bool, _ fail: Failure) throws -> Bool { x && y }
}

enum BoolOr: FusedOperator {
  static func apply(_ x: Bool, _ y: Bool, _ fail: Failure) throws -> Bool { x || y }
}

extension Interpreter {
  /// What the ordinary path makes of a fused op's operands that `ScalarArithmetic` rejects:
  /// its error, located at the op.
  func fusedFailure(_ b: BinaryOp, _ x: Value, _ y: Value, _ op: IR.Op) throws -> Int {
    do {
      return try FunctionCompiler.unbox(try binary(b, x, y, op), op.span) as Int
    } catch {
      throw located(error, op)
    }
  }

  func fusedFailure(_ u: UnaryOp, _ x: Value, _ op: IR.Op) throws -> Int {
    do {
      return try FunctionCompiler.unbox(try unary(u, x, op), op.span) as Int
    } catch {
      throw located(error, op)
    }
  }
}
