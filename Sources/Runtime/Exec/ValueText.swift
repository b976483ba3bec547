import Tensor

/// The printed form of values (`print`, string interpolation, `str`).
public enum ValueText {
  public static func text(_ v: Value) -> String {
    switch v {
    case .int(let n): return String(n)
    case .float(let f): return float(f)
    case .bool(let b): return b ? "true" : "false"
    case .string(let s): return s
    case .tensor(let t, _): return tensor(t.value.shape, t.value.scalars.map { float(Double($0)) })
    case .parameter(let p): return tensor(p.value.shape, p.value.scalars.map { float(Double($0)) })
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

  /// Shortest round-trip decimal, with `.0` on whole numbers.
  public static func float(_ f: Double) -> String {
    if f.isNaN { return "nan" }
    if f.isInfinite { return f > 0 ? "inf" : "-inf" }
    return f.description
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
