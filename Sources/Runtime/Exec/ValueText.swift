import Foundation
import Tensor

/// The printed form of values (`print`, string interpolation, `str`).
public enum ValueText {
  public static func text(_ v: Value) -> String {
    switch v {
    case .int(let n): return String(n)
    case .float(let f): return float(f)
    case .bool(let b): return b ? "true" : "false"
    case .string(let s): return s
    case .tensor(let t, _): return tensor(t.value.shape, t.value.scalars.map(scalar))
    case .parameter(let p): return tensor(p.value.shape, p.value.scalars.map(scalar))
    case .intTensor(let t, _): return tensor(t.shape, t.scalars.map { String($0) })
    case .list(let xs): return "[" + xs.map(element).joined(separator: ", ") + "]"
    case .tuple(let xs): return "(" + xs.map(element).joined(separator: ", ") + ")"
    case .range(let lo, let hi): return "\(lo)..<\(hi)"
    case .gradient(let g): return g.description
    case .none: return "none"
    case .void: return "()"
    default: return v.typeName
    }
  }

  /// Strings inside lists and tuples are quoted.
  static func element(_ v: Value) -> String {
    if case .string(let s) = v { return String(reflecting: s) }
    return text(v)
  }

  /// Shortest round-trip decimal, with `.0` on whole numbers. A number printed alone keeps
  /// every bit, the sign of a zero included.
  public static func float(_ f: Double) -> String {
    if f.isNaN { return "nan" }
    if f.isInfinite { return f > 0 ? "inf" : "-inf" }
    return f.description
  }

  /// A tensor's element: as `float`, except that a zero prints as `0.0` whatever its sign
  /// (a gradient's `-0.0` says nothing a reader needs).
  static func scalar(_ x: Float) -> String { x == 0 ? "0.0" : float(Double(x)) }

  /// `format(x, digits:)`: numbers with `digits` digits after the point, each element of a
  /// tensor so, in the brackets `print` uses; Ints (and an IntTensor's elements) as they are.
  public static func format(_ v: Value, digits: Int) -> String? {
    switch v {
    case .int(let n): return String(n)
    case .float(let f): return fixed(f, digits: digits)
    case .tensor(let t, _): return tensor(t.value.shape, t.value.scalars.map { fixed(Double($0), digits: digits) })
    case .parameter(let p): return tensor(p.value.shape, p.value.scalars.map { fixed(Double($0), digits: digits) })
    case .intTensor(let t, _): return tensor(t.shape, t.scalars.map { String($0) })
    default: return nil
    }
  }

  /// `x` with `digits` digits after the point (`%.*f`); a nonzero value that would show as
  /// zero (`digits` > 0), or one of magnitude 1e16 or more, in scientific notation
  /// (`1.2346e-07`). A value shown as zero has no sign.
  public static func fixed(_ x: Double, digits: Int) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    let tiny = digits > 0 && x != 0 && abs(x) < 0.5 * pow(10, -Double(digits))
    var s = String(format: tiny || abs(x) >= 1e16 ? "%.*e" : "%.*f", digits, x)
    if s.hasPrefix("-"), !s.contains(where: { ("1"..."9").contains($0) }) { s.removeFirst() }
    return s
  }

  /// Nested brackets for small tensors; a summary for large ones.
  public static func tensor(_ shape: [Int], _ items: [String]) -> String {
    if shape.isEmpty { return items.first ?? "" }
    guard items.count <= 64 else { return "Tensor\(shapeString(shape))" }
    func nest(_ d: Int, _ offset: Int) -> String {
      let stride = shape[(d + 1)...].reduce(1, *)
      if d == shape.count - 1 { return "[" + items[offset..<(offset + shape[d])].joined(separator: ", ") + "]" }
      return "[" + (0..<shape[d]).map { nest(d + 1, offset + $0 * stride) }.joined(separator: ", ") + "]"
    }
    return nest(0, 0)
  }
}
