import Foundation

/// A JSON value: what a JSON-RPC message is made of.
public enum JSON: Hashable, Sendable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSON])
  case object([String: JSON])

  /// Parses UTF-8 JSON text; throws on anything that is not one JSON value.
  public static func parse(_ bytes: [UInt8]) throws -> JSON {
    try JSONDecoder().decode(JSON.self, from: Data(bytes))
  }

  /// The member `key` of an object (`.null` when absent or not an object).
  public subscript(key: String) -> JSON {
    if case .object(let o) = self { return o[key] ?? .null }
    return .null
  }

  public var string: String? { if case .string(let s) = self { return s }; return nil }
  public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
  public var array: [JSON]? { if case .array(let a) = self { return a }; return nil }
  public var object: [String: JSON]? { if case .object(let o) = self { return o }; return nil }
  public var isNull: Bool { self == .null }

  /// A number that is a whole value in `Int`'s range.
  public var int: Int? {
    guard case .number(let d) = self, d.rounded() == d, abs(d) < 9.0e15 else { return nil }
    return Int(d)
  }

  /// Compact JSON text with object keys sorted, so output is reproducible.
  public var text: String {
    var out = ""
    write(to: &out)
    return out
  }

  func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let d):
      if d.rounded() == d, abs(d) < 9.0e15 { out += String(Int(d)) }
      else if d.isFinite { out += String(d) }
      else { out += "null" }
    case .string(let s): JSON.quote(s, into: &out)
    case .array(let xs):
      out += "["
      for (i, x) in xs.enumerated() {
        if i > 0 { out += "," }
        x.write(to: &out)
      }
      out += "]"
    case .object(let o):
      out += "{"
      for (i, k) in o.keys.sorted().enumerated() {
        if i > 0 { out += "," }
        JSON.quote(k, into: &out)
        out += ":"
        o[k]?.write(to: &out)
      }
      out += "}"
    }
  }

  static func quote(_ s: String, into out: inout String) {
    out += "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
      }
    }
    out += "\""
  }
}

extension JSON: Decodable {
  public init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() { self = .null }
    else if let b = try? c.decode(Bool.self) { self = .bool(b) }
    else if let d = try? c.decode(Double.self) { self = .number(d) }
    else if let s = try? c.decode(String.self) { self = .string(s) }
    else if let a = try? c.decode([JSON].self) { self = .array(a) }
    else { self = .object(try c.decode([String: JSON].self)) }
  }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
                ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
  public init(stringLiteral s: String) { self = .string(s) }
  public init(integerLiteral i: Int) { self = .number(Double(i)) }
  public init(booleanLiteral b: Bool) { self = .bool(b) }
  public init(arrayLiteral xs: JSON...) { self = .array(xs) }
  public init(dictionaryLiteral kvs: (String, JSON)...) {
    var o: [String: JSON] = [:]
    for (k, v) in kvs { o[k] = v }
    self = .object(o)
  }
  public init(nilLiteral: ()) { self = .null }
  init(_ i: Int) { self = .number(Double(i)) }
  init(_ s: String) { self = .string(s) }
}
