import Foundation

/// The one check on the size of a tensor whose shape comes from a program or a file
/// (creation builtins, `reshape`, `pad`, `upsample`, `one_hot`, `concat`, broadcasting,
/// `matmul`, layer weights, loaded safetensors / NPY / CSV / NIfTI arrays): the extents are
/// multiplied with overflow checks and the size is held to a limit *before* anything is
/// allocated, so a huge or wrapped size is an error that names it — never an allocation that
/// aborts the process, nor a tensor whose storage is smaller than its shape.
///
/// Empty axes count as 1: `[0, 2^62]` holds nothing, but a reduction over its axis 0 would
/// make a `[2^62]` tensor, so the shape itself is refused.
public enum TensorSize {
  /// At most this many elements in one tensor: flat indices are Int32 (`argmax`, `gather`).
  public static let maxElements = 1 << 31

  /// The size limit in effect: `DPL_MAX_TENSOR_BYTES`, else half the memory this process
  /// may use (the physical memory, or a smaller cgroup limit). Read once.
  public static let limit = Limit(environment: ProcessInfo.processInfo.environment["DPL_MAX_TENSOR_BYTES"])

  /// The number of elements of `shape`, checked: no negative extent, no overflow, at most
  /// `maxElements` elements and `limit` bytes (elements of `elementBytes`, counting empty axes as 1).
  /// - Throws: `TensorError(op, …)` naming the shape, the size it needs and the limit.
  @discardableResult
  public static func check(_ shape: [Int], op: String, elementBytes: Int = 4, limit: Limit = limit) throws -> Int {
    if let d = shape.first(where: { $0 < 0 }) {
      throw TensorError(op, "shape \(shapeString(shape)) has a negative dimension (\(d))")
    }
    // Runs for every tensor made: no allocation, and the message only when it fails.
    var product = elementBytes, overflow = false
    for d in shape where !overflow {
      (product, overflow) = product.multipliedReportingOverflow(by: Swift.max(d, 1))
    }
    func what() -> String { shape.contains(0) ? "shape \(shapeString(shape)) spans" : "a \(shapeString(shape)) tensor needs" }
    if overflow || product > limit.bytes {
      let bytes = shape.reduce(Double(elementBytes)) { $0 * Double(Swift.max($1, 1)) }
      throw TensorError(op, "\(what()) \(byteText(bytes)), more than the size limit of \(limit)")
    }
    if product / elementBytes > maxElements {
      throw TensorError(op, "\(what()) \(product / elementBytes) elements, more than 2^31 (indices are Int32)")
    }
    return shape.reduce(1, *)
  }

  /// `a + b` for an extent (padding, a joined axis), or an error naming `what` when it overflows.
  public static func sum(_ a: Int, _ b: Int, op: String, _ what: @autoclosure () -> String) throws -> Int {
    let (s, overflow) = a.addingReportingOverflow(b)
    guard !overflow else { throw TensorError(op, "\(what()) is beyond any tensor's size") }
    return s
  }

  /// `a · b` for an extent (an upsampled side), or an error naming `what` when it overflows.
  public static func product(_ a: Int, _ b: Int, op: String, _ what: @autoclosure () -> String) throws -> Int {
    let (p, overflow) = a.multipliedReportingOverflow(by: b)
    guard !overflow else { throw TensorError(op, "\(what()) is beyond any tensor's size") }
    return p
  }

  /// A number of bytes for people: `512 bytes`, `11.5 GiB`, `64.0 EiB`.
  public static func byteText(_ bytes: Double) -> String {
    let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    guard bytes >= 1024 else { return "\(Int(bytes)) bytes" }
    var v = bytes / 1024, u = 0
    while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
    return String(format: v < 10_000 ? "%.1f %@" : "%.3g %@", v, units[u])
  }

  /// A size limit in bytes and where it came from.
  public struct Limit: CustomStringConvertible, Sendable {
    public let bytes: Int
    /// `DPL_MAX_TENSOR_BYTES`, or why the default holds.
    public let source: String

    public init(bytes: Int, source: String) {
      self.bytes = bytes
      self.source = source
    }

    /// From the value of `DPL_MAX_TENSOR_BYTES` (bytes, or with a suffix K, M, G, T — powers
    /// of 1024); absent or not a size: half the usable memory, saying so.
    public init(environment value: String?) {
      let half = Swift.max(TensorSize.usableMemory() / 2, 1 << 20)
      guard let value else {
        self.init(bytes: half, source: "half the memory; DPL_MAX_TENSOR_BYTES sets it")
        return
      }
      guard let n = TensorSize.parseBytes(value) else {
        self.init(bytes: half, source: "half the memory: DPL_MAX_TENSOR_BYTES='\(value)' is not a size such as 4G")
        return
      }
      self.init(bytes: n, source: "DPL_MAX_TENSOR_BYTES")
    }

    public var description: String { "\(TensorSize.byteText(Double(bytes))) (\(source))" }
  }

  /// `1048576`, `512K`, `1.5G`, `2TiB`: a positive number of bytes, or nil.
  public static func parseBytes(_ text: String) -> Int? {
    var t = text.trimmingCharacters(in: .whitespaces).uppercased()
    for tail in ["IB", "B"] where t.hasSuffix(tail) && t.count > tail.count { t.removeLast(tail.count); break }
    let scales: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
    var scale = 1.0
    if let last = t.last, let s = scales[last] { scale = s; t.removeLast() }
    guard t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let v = Double(t), v.isFinite else { return nil }
    let bytes = (v * scale).rounded(.down)
    guard bytes >= 1, bytes < 0x1p62 else { return nil }
    return Int(bytes)
  }

  /// The memory this process may use: the physical memory, or a cgroup's limit when smaller.
  static func usableMemory() -> Int {
    var memory = Int(clamping: ProcessInfo.processInfo.physicalMemory)
    for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
      guard let text = try? String(contentsOfFile: file, encoding: .utf8),
            let n = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), n > 0 else { continue }
      memory = Swift.min(memory, n)
    }
    return memory
  }
}
