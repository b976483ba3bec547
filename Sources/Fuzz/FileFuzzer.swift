import Datasets
import Formats
import Foundation
import Tensor

/// Feeds the readers behind `load()` and the ACDC loader — safetensors, NPY, CSV, NIfTI-1 —
/// crafted and mutated files: headers with shapes whose product wraps (`[2^32, 2^32]`,
/// `[2^62, 4]`), negative and huge extents, offsets past the end or overlapping, truncations,
/// bit flips. Each must end in a tensor whose storage matches its shape, or an `IOError`;
/// a crash is a crash of the process (`dpl fuzz --files N` notes the seed first).
public struct FileFuzzer {
  public struct Report: Sendable {
    public var inputs = 0
    /// Inputs that decoded to tensors (the rest were refused with a reason, as they should).
    public var decoded = 0
    public var failures: [String] = []
    public var seconds = 0.0
  }

  var rng: FuzzRandom

  public init(seed: UInt64) { rng = FuzzRandom(seed: seed) }

  /// Runs `count` inputs; `progress` sees the report every 50,000.
  public mutating func run(count: Int, progress: ((Report) -> Void)? = nil) -> Report {
    var report = Report()
    let start = Date()
    for i in 0..<count {
      let (kind, bytes) = nextInput()
      report.inputs += 1
      switch Self.feed(kind, bytes) {
      case .decoded: report.decoded += 1
      case .refused: break
      case .broken(let why): report.failures.append("input #\(i) (\(kind)): \(why)")
      }
      if let progress, report.inputs % 50_000 == 0 {
        report.seconds = Date().timeIntervalSince(start)
        progress(report)
      }
    }
    report.seconds = Date().timeIntervalSince(start)
    return report
  }

  enum Outcome { case decoded, refused, broken(String) }

  /// One file through its reader: every tensor it yields must hold as many elements as its
  /// shape says (the out-of-bounds reads of issue 27 were tensors that did not).
  static func feed(_ kind: String, _ bytes: [UInt8]) -> Outcome {
    do {
      var shapes: [([Int], Int)] = []
      switch kind {
      case "safetensors":
        let c = try Safetensors.decode(Data(bytes), path: "fuzz.safetensors")
        shapes = c.tensors.values.map { ($0.shape, $0.count) } + c.ints.values.map { ($0.shape, $0.count) }
      case "npy":
        switch try NPY.decode(bytes, path: "fuzz.npy") {
        case .float(let t): shapes = [(t.shape, t.count)]
        case .int(let t): shapes = [(t.shape, t.count)]
        }
      case "csv":
        let t = try CSV.decode(String(decoding: bytes, as: UTF8.self), path: "fuzz.csv")
        shapes = [(t.shape, t.count)]
      default:
        let v = try NIfTI.decode(Data(bytes), path: "fuzz.nii")
        shapes = [(v.dims, v.data.count)]
      }
      for (shape, count) in shapes {
        guard (try? TensorSize.check(shape, op: "fuzz")) == count else {
          return .broken("a tensor of shape \(shapeString(shape)) holds \(count) elements")
        }
      }
      return .decoded
    } catch is IOError {
      return .refused
    } catch {
      return .broken("not an IOError: \(error)")
    }
  }

  /// A crafted file (a valid one's header with hostile fields) or a mutated valid one.
  mutating func nextInput() -> (String, [UInt8]) {
    let kind = rng.pick(["safetensors", "npy", "csv", "nifti"])
    var bytes: [UInt8]
    switch kind {
    case "safetensors": bytes = craftSafetensors()
    case "npy": bytes = craftNPY()
    case "csv": bytes = craftCSV()
    default: bytes = craftNIfTI()
    }
    if rng.chance(0.4) { mutate(&bytes) }
    return (kind, bytes)
  }

  /// An extent: small, zero, at a power-of-two edge, negative or near Int.max.
  mutating func extent() -> Int {
    switch rng.below(8) {
    case 0: return 0
    case 1: return 1 << rng.pick([31, 32, 33, 40, 62, 63 - 1])
    case 2: return -rng.below(3) - 1
    case 3: return Int.max - rng.below(3)
    case 4: return 1 << rng.below(62)
    default: return rng.below(5) + 1
    }
  }

  mutating func shape() -> [Int] {
    if rng.chance(0.1) { return rng.pick([[1 << 32, 1 << 32], [1 << 62, 4], [0, 1 << 62], [1 << 31, 2], [1 << 21, 1 << 21, 1 << 22]]) }
    return (0..<rng.below(4)).map { _ in extent() }
  }

  mutating func craftSafetensors() -> [UInt8] {
    var entries: [String] = [], offset = 0, data: [UInt8] = []
    for k in 0..<rng.below(3) + 1 {
      let s = shape()
      let dtype = rng.pick(Array(Safetensors.elementSize.keys).sorted() + ["F8", "X"])
      let real = s.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue } &* (Safetensors.elementSize[dtype] ?? 4)
      let small = rng.below(64)
      let length = rng.chance(0.6) ? min(max(real, 0), 256) : rng.pick([0, real, 0 &- real, 1 << 62, small])
      let begin = rng.chance(0.8) ? offset : rng.pick([-1, 0, offset + 1, Int.max, 1 << 53])
      let end = begin &+ length
      entries.append("\"t\(k)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(s.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(end)]}")
      offset = max(offset, min(end, 256))
    }
    data = (0..<(rng.chance(0.8) ? offset : rng.below(offset + 8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
    let wrong: UInt64 = rng.pick([0, UInt64.max, 1 << 40, UInt64(header.count + 1)])
    let n = rng.chance(0.9) ? UInt64(header.count) : wrong
    return withUnsafeBytes(of: n.littleEndian) { [UInt8]($0) } + header + data
  }

  mutating func craftNPY() -> [UInt8] {
    let s = shape()
    let descr = rng.pick(["<f4", "<f8", "<i4", "<i8", "|u1", ">f4", "<f2"])
    let dims = s.map { "\($0)," }.joined(separator: " ")
    let text = "{'descr': '\(descr)', 'fortran_order': \(rng.chance(0.9) ? "False" : "True"), 'shape': (\(dims)), }"
    var header = Array(text.utf8)
    while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
    header.append(0x0A)
    let count = s.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
    let room = rng.chance(0.8) ? 256 : rng.below(16)
    let data = (0..<min(max(count &* 4, 0), room)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let other = rng.below(1 << 16)
    let length = UInt16(truncatingIfNeeded: rng.chance(0.9) ? header.count : other)
    return [0x93] + Array("NUMPY".utf8) + [1, 0] + withUnsafeBytes(of: length.littleEndian) { [UInt8]($0) } + header + data
  }

  mutating func craftCSV() -> [UInt8] {
    let rows = rng.below(6), cols = rng.below(4) + 1
    var lines = rng.chance(0.3) ? ["a,b,c"] : []
    for _ in 0..<rows {
      let extra = rng.chance(0.1) ? 1 : 0
      lines.append((0..<cols + extra).map { _ in rng.pick(["1", "-2.5", "1e40", "nan", "inf", "x", "", "9223372036854775808"]) }.joined(separator: ","))
    }
    return Array(lines.joined(separator: rng.chance(0.8) ? "\n" : "\r\n").utf8)
  }

  mutating func craftNIfTI() -> [UInt8] {
    let dims = (0..<rng.below(4) + 1).map { _ in rng.below(4) + 1 }
    let count = dims.reduce(1, *)
    let datatype = rng.pick([2, 4, 8, 16, 64, 256, 512, 768])
    guard var b = try? [UInt8](NIfTI.encode(dims: dims, spacing: dims.map { _ in 1.0 },
                                                    values: (0..<count).map { Double($0) }, datatype: datatype)) else { return [] }
    if rng.chance(0.5) {  // hostile extents: up to 32767 on each of up to 7 axes (a product past 2^63)
      let rank = rng.below(9)
      b[40] = UInt8(truncatingIfNeeded: rank); b[41] = 0
      for i in 0..<7 {
        let any = rng.below(40_000)
        let d = Int16(truncatingIfNeeded: rng.pick([32767, -1, 0, 1, 2, any]))
        withUnsafeBytes(of: d.littleEndian) { b[42 + 2 * i] = $0[0]; b[43 + 2 * i] = $0[1] }
      }
    }
    return b
  }

  /// Flips, overwrites, truncates or extends a few bytes.
  mutating func mutate(_ b: inout [UInt8]) {
    for _ in 0..<rng.below(4) + 1 {
      guard !b.isEmpty else { return }
      let at = rng.below(b.count)
      switch rng.below(4) {
      case 0: b[at] ^= UInt8(1 << rng.below(8))
      case 1: b[at] = rng.pick([0, 0xFF, 0x7F, 0x80, 0x30, 0x39, 0x2C, 0x5D])
      case 2: b.removeLast(rng.below(b.count) / 2)
      default: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
      }
    }
  }
}
