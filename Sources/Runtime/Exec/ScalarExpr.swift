import IR
import Language

/// A fused tree of Int, Float or Bool ops (docs/runtime.md, "Execution": operator fusion),
/// its value as one machine word: an Int, a Float's bit pattern, a Bool as 0 or 1. One
/// closure type for all three keeps every tree in its native calling convention (a closure
/// whose result type were generic would be called through reabstraction thunks).
typealias Tree = (Frame) throws -> Int

/// Int, Float (`Double`) and Bool: the values a fused tree computes unboxed.
protocol SlotScalar {
  /// The value `v` holds, if it is of this type.
  static func unbox(_ v: Value) -> Self?
  static var typeName: String { get }
  static func ofWord(_ w: Int) -> Self
  var word: Int { get }
}

extension Int: SlotScalar {
  @inline(__always) static func unbox(_ v: Value) -> Int? {
    if case .int(let x) = v { return x }
    return nil
  }
  static var typeName: String { "Int" }
  @inline(__always) static func ofWord(_ w: Int) -> Int { w }
  @inline(__always) var word: Int { self }
}

extension Double: SlotScalar {
  @inline(__always) static func unbox(_ v: Value) -> Double? {
    if case .float(let x) = v { return x }
    return nil
  }
  static var typeName: String { "Float" }
  @inline(__always) static func ofWord(_ w: Int) -> Double { Double(bitPattern: UInt64(bitPattern: Int64(w))) }
  @inline(__always) var word: Int { Int(Int64(bitPattern: bitPattern)) }
}

extension Bool: SlotScalar {
  @inline(__always) static func unbox(_ v: Value) -> Bool? {
    if case .bool(let x) = v { return x }
    return nil
  }
  static var typeName: String { "Bool" }
  @inline(__always) static func ofWord(_ w: Int) -> Bool { w != 0 }
  @inline(__always) var word: Int { self ? 1 : 0 }
}

/// One operand of a fused op, as the compiler knows it: a slot read when the tree runs, a
/// constant, or a tree of its own.
enum Typed<T: SlotScalar> {
  case slot(ValueID)
  case constant(T)
  case expr(Tree)

  /// The operand as a tree (a slot read or a constant become one).
  func tree(_ span: Span) -> Tree {
    switch self {
    case .slot(let x): return { f in (try f.scalar(x, span) as T).word }
    case .constant(let k): return { [w = k.word] _ in w }
    case .expr(let e): return e
    }
  }

  /// The operand converted to another scalar type (`Int` to `Float` where the operator
  /// computes in Float).
  func map<U: SlotScalar>(_ span: Span, _ convert: @escaping (T) -> U) -> Typed<U> {
    if case .constant(let k) = self { return .constant(convert(k)) }
    let e = tree(span)
    return .expr { f in convert(T.ofWord(try e(f))).word }
  }
}

extension Frame {
  /// The scalar in slot `id`. The IR types the value, so another case is a compiler bug,
  /// reported at the op rather than computed wrongly.
  @inline(__always)
  func scalar<T: SlotScalar>(_ id: ValueID, _ span: Span) throws -> T {
    if let v = T.unbox(slots[id]) { return v }
    throw RuntimeError("internal: a value typed \(T.typeName) holds \(slots[id].typeName)", at: span)
  }

  /// Stores a scalar in a slot that holds only scalars (its old value needs no release).
  @inline(__always)
  func setScalar(_ id: ValueID, _ v: Value) {
    (slots + id).initialize(to: v)
  }
}

// MARK: Operators

/// An Int operator: the value, or `true` when `ScalarArithmetic` fails (overflow, division
/// by zero), whose error the ordinary path then reports.
protocol IntOperator { static func apply(_ x: Int, _ y: Int) -> (Int, Bool) }
enum IntAdd: IntOperator { static func apply(_ x: Int, _ y: Int) -> (Int, Bool) { x.addingReportingOverflow(y) } }
enum IntSub: IntOperator { static func apply(_ x: Int, _ y: Int) -> (Int, Bool) { x.subtractingReportingOverflow(y) } }
enum IntMul: IntOperator { static func apply(_ x: Int, _ y: Int) -> (Int, Bool) { x.multipliedReportingOverflow(by: y) } }
enum IntDiv: IntOperator {
  static func apply(_ x: Int, _ y: Int) -> (Int, Bool) { y == 0 ? (0, true) : x.dividedReportingOverflow(by: y) }
}
enum IntMod: IntOperator {
  static func apply(_ x: Int, _ y: Int) -> (Int, Bool) { y == 0 ? (0, true) : x.remainderReportingOverflow(dividingBy: y) }
}

protocol FloatOperator { static func apply(_ x: Double, _ y: Double) -> Double }
enum FloatAdd: FloatOperator { static func apply(_ x: Double, _ y: Double) -> Double { x + y } }
enum FloatSub: FloatOperator { static func apply(_ x: Double, _ y: Double) -> Double { x - y } }
enum FloatMul: FloatOperator { static func apply(_ x: Double, _ y: Double) -> Double { x * y } }
enum FloatDiv: FloatOperator { static func apply(_ x: Double, _ y: Double) -> Double { x / y } }
enum FloatMod: FloatOperator { static func apply(_ x: Double, _ y: Double) -> Double { x.truncatingRemainder(dividingBy: y) } }

protocol Comparison { static func apply<T: Comparable>(_ x: T, _ y: T) -> Bool }
enum Less: Comparison { static func apply<T: Comparable>(_ x: T, _ y: T) -> Bool { x < y } }
enum LessOrEqual: Comparison { static func apply<T: Comparable>(_ x: T, _ y: T) -> Bool { x <= y } }
enum Greater: Comparison { static func apply<T: Comparable>(_ x: T, _ y: T) -> Bool { x > y } }
enum GreaterOrEqual: Comparison { static func apply<T: Comparable>(_ x: T, _ y: T) -> Bool { x >= y } }
enum Equal: Comparison { static func apply<T: Comparable>(_ x: T, _ y: T) -> Bool { x == y } }
enum NotEqual: Comparison { static func apply<T: Comparable>(_ x: T, _ y: T) -> Bool { x != y } }

/// A binary operator as fused ops compute it; `fail` reports what `ScalarArithmetic` rejects
/// (overflow, division by zero) through the ordinary path, with its error.
protocol FusedOperator {
  associatedtype Operand: SlotScalar
  associatedtype Result: SlotScalar
  static func apply(_ x: Operand, _ y: Operand, _ fail: Failure) throws -> Result
}

/// The ordinary path for operands a fused op rejects, on the operands' words.
typealias Failure = (Int, Int) throws -> Int

enum CheckedInt<O: IntOperator>: FusedOperator {
  @inline(__always)
  static func apply(_ x: Int, _ y: Int, _ fail: Failure) throws -> Int {
    let (v, failed) = O.apply(x, y)
    return failed ? try fail(x, y) : v
  }
}

enum PlainFloat<O: FloatOperator>: FusedOperator {
  @inline(__always)
  static func apply(_ x: Double, _ y: Double, _ fail: Failure) throws -> Double { O.apply(x, y) }
}

enum Compared<C: Comparison, T: SlotScalar & Comparable>: FusedOperator {
  @inline(__always)
  static func apply(_ x: T, _ y: T, _ fail: Failure) throws -> Bool { C.apply(x, y) }
}

/// Builds the closure of one fused binary op from its operands' forms: a slot or a
/// constant is read inside the op's own closure, so `i + 1` is one closure call, not three.
/// Specialised for each operator, so the operator itself is inlined.
enum Fused {
  static func binary<K: FusedOperator>(_: K.Type, _ l: Typed<K.Operand>, _ r: Typed<K.Operand>, _ span: Span,
                                       fail: @escaping Failure) -> Tree {
    typealias T = K.Operand
    switch (l, r) {
    case (.slot(let a), .slot(let b)):
      return { f in try K.apply(try f.scalar(a, span), try f.scalar(b, span), fail).word }
    case (.slot(let a), .constant(let k)):
      return { f in try K.apply(try f.scalar(a, span), k, fail).word }
    case (.expr(let e), .constant(let k)):
      return { f in try K.apply(T.ofWord(try e(f)), k, fail).word }
    case (.expr(let e), .slot(let b)):
      return { f in
        let x = T.ofWord(try e(f))
        return try K.apply(x, try f.scalar(b, span), fail).word
      }
    case (.slot(let a), .expr(let e)):
      return { f in
        let x: T = try f.scalar(a, span)
        return try K.apply(x, T.ofWord(try e(f)), fail).word
      }
    default:
      let x = l.tree(span), y = r.tree(span)
      return { f in
        let a = T.ofWord(try x(f))
        return try K.apply(a, T.ofWord(try y(f)), fail).word
      }
    }
  }
}
