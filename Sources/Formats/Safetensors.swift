import Foundation
import Tensor

/// The safetensors file format (https://github.com/huggingface/safetensors), as read by
/// PyTorch's `safetensors.torch.load_file`.
///
/// Layout: an 8-byte little-endian header length `n`, `n` bytes of JSON (padded with
/// spaces to a multiple of 8), then the raw little-endian tensor data. The header maps
/// each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative
/// to the start of the data) and may hold `"__metadata__"`, a string-to-string map.
/// dpl writes `F32` for `Tensor` and `I32` for `IntTensor`, names sorted, data packed in
/// name order. It reads F32, F64, F16, BF16 (as Float) and I8, U8, I16, I32, I64, BOOL (as Int32,
/// I64 values must fit).
public enum Safetensors {
  /// What a safetensors file holds.
  public struct Contents {
    /// Floating-point tensors by name.
    public var tensors: [String: Tensor]
    /// Integer tensors by name.
    public var ints: [String: IntTensor]
    /// The `__metadata__` map (empty when absent).
    public var metadata: [String: String]

    public init(tensors: [String: Tensor] = [:], ints: [String: IntTensor] = [:], metadata: [String: String] = [:]) {
      self.tensors = tensors
      self.ints = ints
      self.metadata = metadata
    }
  }

  /// Largest header accepted when reading (the reference implementation's limit).
  static let maxHeader = 100_000_000

  /// Writes tensors and metadata to `url` atomically (temporary file, fsync, rename).
  /// - Throws: `IOError` when a name is used twice or the file cannot be written.
  public static func write(_ tensors: [String: Tensor], ints: [String: IntTensor] = [:],
                           metadata: [String: String] = [:], to url: URL) throws {
    let data = try encode(tensors, ints: ints, metadata: metadata, path: url.path)
    try AtomicWrite.write(data, to: url)
  }

  /// Reads a safetensors file.
  /// - Throws: `IOError` naming the file and what is wrong (truncated, bad header, bad offsets…).
  public static func read(_ url: URL) throws -> Contents {
    let data = try readFile(url)
    return try decode(data, path: url.path)
  }

  /// The bytes of a safetensors file.
  public static func encode(_ tensors: [String: Tensor], ints: [String: IntTensor] = [:],
                            metadata: [String: String] = [:], path: String = "") throws -> Data {
    if let clash = tensors.keys.first(where: { ints[$0] != nil }) {
      throw IOError(path, "tensor name '\(clash)' is used for both a float and an int tensor")
    }
    if tensors["__metadata__"] != nil || ints["__metadata__"] != nil {
      throw IOError(path, "'__metadata__' is reserved and cannot name a tensor")
    }
    let names = (Array(tensors.keys) + Array(ints.keys)).sorted()
    var entries: [String] = []
    var offset = 0
    for name in names {
      let (dtype, shape, bytes) = tensors[name].map { ("F32", $0.shape, $0.count * 4) }
        ?? ints[name].map { ("I32", $0.shape, $0.count * 4) } ?? ("F32", [], 0)
      let shapeText = shape.map(String.init).joined(separator: ",")
      entries.append("\(jsonString(name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(shapeText)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
      offset += bytes
    }
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0] ?? ""))" }
      entries.insert("\"__metadata__\":{\(pairs.joined(separator: ","))}", at: 0)
    }
    var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var out = Data(capacity: 8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: header)
    for name in names {
      if let t = tensors[name] {
        t.withUnsafeBufferPointer { b in
          if Int(bitPattern: 1).littleEndian == 1 {
            out.append(contentsOf: UnsafeRawBufferPointer(b))
          } else {
            for v in b { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
          }
        }
      } else if let t = ints[name] {
        t.withUnsafeBufferPointer { b in
          for v in b { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        }
      }
    }
    return out
  }

  /// Parses the bytes of a safetensors file; `path` names it in errors.
  public static func decode(_ data: Data, path: String = "") throws -> Contents {
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else {
      throw IOError(path, "file is \(bytes.count) bytes, too short for a safetensors header length")
    }
    var n: UInt64 = 0
    for i in (0..<8).reversed() { n = n << 8 | UInt64(bytes[i]) }
    guard n <= UInt64(maxHeader) else { throw IOError(path, "header length \(n) is implausibly large (corrupt file?)") }
    let headerLength = Int(n)
    guard 8 + headerLength <= bytes.count else {
      throw IOError(path, "truncated: header needs \(headerLength) bytes, file has \(bytes.count - 8) after the length")
    }
    let json: Any
    do {
      json = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)]))
    } catch {
      throw IOError(path, "header is not valid JSON")
    }
    guard let header = json as? [String: Any] else { throw IOError(path, "header is not a JSON object") }
    let dataStart = 8 + headerLength
    let dataCount = bytes.count - dataStart
    var result = Contents()
    // Every entry is checked before any tensor is made: its size, its bytes, its place in the file.
    var entries: [(name: String, dtype: String, shape: [Int], begin: Int, end: Int, count: Int)] = []
    for (name, value) in header {
      if name == "__metadata__" {
        guard let m = value as? [String: Any] else { throw IOError(path, "__metadata__ is not an object") }
        for (k, v) in m {
          guard let s = v as? String else { throw IOError(path, "__metadata__ value for '\(k)' is not a string") }
          result.metadata[k] = s
        }
        continue
      }
      guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
            let shapeAny = entry["shape"] as? [Any], let offAny = entry["data_offsets"] as? [Any] else {
        throw IOError(path, "tensor '\(name)': entry needs dtype, shape and data_offsets")
      }
      guard let shape = intArray(shapeAny), shape.allSatisfy({ $0 >= 0 }) else {
        throw IOError(path, "tensor '\(name)': shape is not a list of non-negative integers")
      }
      guard let offs = intArray(offAny), offs.count == 2, offs[0] >= 0, offs[0] <= offs[1] else {
        throw IOError(path, "tensor '\(name)': data_offsets must be [begin, end] with begin <= end")
      }
      guard let width = elementSize[dtype] else {
        throw IOError(path, "tensor '\(name)': unsupported dtype \(dtype)")
      }
      let bytes = shape.reduce((1, false)) { p, d in p.1 ? p : p.0.multipliedReportingOverflow(by: d) }
      let needed = bytes.1 ? nil : bytes.0.multipliedReportingOverflow(by: width)
      guard let needed, !needed.overflow, needed.partialValue == offs[1] - offs[0] else {
        let text = needed.flatMap { $0.overflow ? nil : "\($0.partialValue) bytes" }
          ?? TensorSize.byteText(shape.reduce(Double(width)) { $0 * Double($1) })
        throw IOError(path, "tensor '\(name)': \(dtype)\(shapeString(shape)) needs \(text), data_offsets give \(offs[1] - offs[0])")
      }
      guard offs[1] <= dataCount else {
        throw IOError(path, "truncated: tensor '\(name)' ends at byte \(offs[1]) of the data, file has \(dataCount)")
      }
      let count = try IOError.checkedCount(shape, path: path, "tensor '\(name)': ")
      entries.append((name, dtype, shape, offs[0], offs[1], count))
    }
    let ranges = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
    for (a, b) in zip(ranges, ranges.dropFirst()) where b.begin < a.end {
      throw IOError(path, "tensors '\(a.name)' and '\(b.name)' overlap in the data")
    }
    for (name, dtype, shape, begin, _, count) in entries {
      let width = elementSize[dtype] ?? 4
      let base = dataStart + begin
      switch dtype {
      case "F32" where Int(bitPattern: 1).littleEndian == 1:
        var t = Tensor(shape: shape, repeating: 0)
        t.withUnsafeMutableBufferPointer { dst in
          bytes.withUnsafeBytes { src in
            UnsafeMutableRawBufferPointer(dst).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[base..<(base + count * 4)]))
          }
        }
        result.tensors[name] = t
      case "F32", "F64", "F16", "BF16":
        let values = (0..<count).map { floatValue(bytes, base + $0 * width, dtype) }
        result.tensors[name] = try Tensor(shape: shape, scalars: values)
      default:
        var values = [Int32](repeating: 0, count: count)
        for i in 0..<count {
          let v = intValue(bytes, base + i * width, dtype)
          guard let w = Int32(exactly: v) else {
            throw IOError(path, "tensor '\(name)': value \(v) does not fit in Int32")
          }
          values[i] = w
        }
        result.ints[name] = try IntTensor(shape: shape, scalars: values)
      }
    }
    return result
  }

  /// Bytes per element of each dtype dpl reads.
  public static let elementSize: [String: Int] = [
    "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
  ]

  private static func intArray(_ a: [Any]) -> [Int]? {
    var out: [Int] = []
    for v in a {
      guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue) else { return nil }
      out.append(i)
    }
    return out
  }

  private static func le(_ b: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
    var v: UInt64 = 0
    for i in (0..<width).reversed() { v = v << 8 | UInt64(b[at + i]) }
    return v
  }

  private static func floatValue(_ b: [UInt8], _ at: Int, _ dtype: String) -> Float {
    switch dtype {
    case "F64": return Float(Double(bitPattern: le(b, at, 8)))
    case "F16": return Float(halfBits: UInt16(le(b, at, 2)))
    case "BF16": return Float(bitPattern: UInt32(le(b, at, 2)) << 16)
    default: return Float(bitPattern: UInt32(le(b, at, 4)))
    }
  }

  private static func intValue(_ b: [UInt8], _ at: Int, _ dtype: String) -> Int64 {
    switch dtype {
    case "I64": return Int64(bitPattern: le(b, at, 8))
    case "I16": return Int64(Int16(bitPattern: UInt16(le(b, at, 2))))
    case "I8": return Int64(Int8(bitPattern: b[at]))
    case "U8", "BOOL": return Int64(b[at])
    default: return Int64(Int32(bitPattern: UInt32(le(b, at, 4))))
    }
  }

  /// A JSON string literal for `s`.
  static func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 {
          out += String(format: "\\u%04x", u.value)
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }
}

extension Float {
  /// Decodes an IEEE half-precision bit pattern.
  init(halfBits h: UInt16) {
    let sign = UInt32(h >> 15) << 31
    let exp = Int((h >> 10) & 0x1F)
    let frac = UInt32(h & 0x3FF)
    if exp == 0 {
      let v = Float(frac) * 0x1p-24
      self = sign != 0 ? -v : v
    } else if exp == 31 {
      self = Float(bitPattern: sign | 0x7F80_0000 | frac << 13)
    } else {
      self = Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | frac << 13)
    }
  }
}
