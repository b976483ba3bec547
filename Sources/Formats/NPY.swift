import Foundation
import Tensor

/// NumPy's `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html),
/// as `numpy.save` writes it: the magic `\x93NUMPY`, a version (1.0: a 2-byte header length;
/// 2.0 and 3.0: 4 bytes), a header that is a Python dict literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`, then the raw data.
/// dpl reads little-endian `f4`/`f8` (as a Tensor) and `i4`/`i8` (as an IntTensor; `i8`
/// values must fit in Int32) in C order.
public enum NPY {
  /// What an `.npy` file holds: a float or an integer array.
  public enum Array {
    case float(Tensor)
    case int(IntTensor)
  }

  public static func read(_ url: URL) throws -> Array {
    try decode([UInt8](try readFile(url)), path: url.path)
  }

  /// Parses the bytes of an `.npy` file; `path` names it in errors.
  public static func decode(_ bytes: [UInt8], path: String = "") throws -> Array {
    let magic: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8)
    guard bytes.count >= 6, Swift.Array(bytes[0..<6]) == magic else {
      throw IOError(path, "not an .npy file (it does not start with \\x93NUMPY)")
    }
    guard bytes.count >= 8 else { throw IOError(path, "truncated: the file ends inside the version") }
    let major = bytes[6]
    guard (1...3).contains(major) else { throw IOError(path, "unsupported .npy version \(major).\(bytes[7])") }
    let lengthBytes = major == 1 ? 2 : 4
    guard bytes.count >= 8 + lengthBytes else { throw IOError(path, "truncated: the file ends inside the header length") }
    var headerLength = 0
    for i in (0..<lengthBytes).reversed() { headerLength = headerLength << 8 | Int(bytes[8 + i]) }
    let dataStart = 8 + lengthBytes + headerLength
    guard dataStart <= bytes.count else {
      throw IOError(path, "truncated: the header needs \(headerLength) bytes, the file has \(bytes.count - 8 - lengthBytes)")
    }
    guard let header = String(bytes: bytes[(8 + lengthBytes)..<dataStart], encoding: major == 3 ? .utf8 : .isoLatin1) else {
      throw IOError(path, "the header is not text")
    }
    let descr = try field("descr", in: header, path: path)
    let fortran = try field("fortran_order", in: header, path: path)
    let shapeText = try field("shape", in: header, path: path)
    guard let descrName = quoted(descr) else { throw IOError(path, "the header's descr \(descr) is not a string") }
    if fortran == "True" {
      throw IOError(path, "the array is in Fortran order; save it in C order (numpy.ascontiguousarray) to load it")
    }
    guard fortran == "False" else { throw IOError(path, "the header's fortran_order is \(fortran), not True or False") }
    guard let shape = tupleOfInts(shapeText) else { throw IOError(path, "the header's shape \(shapeText) is not a tuple of sizes") }
    if descrName.hasPrefix(">") {
      throw IOError(path, "the data is big-endian (\(descrName)); save it little-endian (astype('<\(descrName.dropFirst())')) to load it")
    }
    let kind = descrName.hasPrefix("<") || descrName.hasPrefix("=") ? String(descrName.dropFirst()) : descrName
    let width: Int
    switch kind {
    case "f4", "i4": width = 4
    case "f8", "i8": width = 8
    default: throw IOError(path, "unsupported dtype \(descrName): dpl reads float32, float64, int32 and int64 arrays")
    }
    let count = try IOError.checkedCount(shape, path: path, "the header's shape \(shapeText): ")
    guard bytes.count - dataStart >= count * width else {
      throw IOError(path, "truncated: \(descrName)\(shapeString(shape)) needs \(count * width) bytes of data, the file has \(bytes.count - dataStart)")
    }
    func word(_ i: Int) -> UInt64 {
      var v: UInt64 = 0
      let at = dataStart + i * width
      for k in (0..<width).reversed() { v = v << 8 | UInt64(bytes[at + k]) }
      return v
    }
    switch kind {
    case "f4": return .float(try Tensor(shape: shape, scalars: (0..<count).map { Float(bitPattern: UInt32(word($0))) }))
    case "f8": return .float(try Tensor(shape: shape, scalars: (0..<count).map { Float(Double(bitPattern: word($0))) }))
    case "i4": return .int(try IntTensor(shape: shape, scalars: (0..<count).map { Int32(bitPattern: UInt32(word($0))) }))
    default:
      var values = [Int32](repeating: 0, count: count)
      for i in 0..<count {
        let v = Int64(bitPattern: word(i))
        guard let w = Int32(exactly: v) else { throw IOError(path, "element \(i) is \(v), which does not fit in Int32") }
        values[i] = w
      }
      return .int(try IntTensor(shape: shape, scalars: values))
    }
  }

  /// The text of `'key': value` in the header dict, up to the next top-level comma or brace.
  static func field(_ key: String, in header: String, path: String) throws -> String {
    guard let r = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else {
      throw IOError(path, "the header has no '\(key)'")
    }
    var rest = header[r.upperBound...].drop { $0 == " " }
    guard rest.first == ":" else { throw IOError(path, "the header's '\(key)' has no value") }
    rest = rest.dropFirst().drop { $0 == " " }
    var depth = 0, end = rest.endIndex
    for i in rest.indices {
      let c = rest[i]
      if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
      if depth == 0 && (c == "," || c == "}") { end = i; break }
      if depth < 0 { end = i; break }
    }
    return rest[..<end].trimmingCharacters(in: .whitespaces)
  }

  static func quoted(_ s: String) -> String? {
    guard s.count >= 2, let q = s.first, q == "'" || q == "\"", s.last == q else { return nil }
    return String(s.dropFirst().dropLast())
  }

  /// `(3, 4)`, `(5,)` or `()`.
  static func tupleOfInts(_ s: String) -> [Int]? {
    guard s.hasPrefix("("), s.hasSuffix(")") else { return nil }
    let parts = s.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    var out: [Int] = []
    for p in parts {
      guard let n = Int(p), n >= 0 else { return nil }
      out.append(n)
    }
    return out
  }
}
