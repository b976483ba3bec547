import Foundation

/// The base protocol's framing: each message is `Content-Length: N\r\n`, optional other
/// headers, a blank line, then N bytes of UTF-8 JSON.
///
/// Bytes arrive in reads of any size; `append` takes them and `next` hands out whole
/// bodies as they complete. A malformed header block is reported once and skipped up to
/// the next `Content-Length`, so one bad message never stops the stream.
public struct MessageFramer {
  var buffer: [UInt8] = []
  /// Largest accepted body and header block, in bytes.
  static let maxBody = 256 << 20, maxHeader = 8 << 10

  public init() {}

  public mutating func append<S: Sequence>(_ bytes: S) where S.Element == UInt8 { buffer.append(contentsOf: bytes) }

  /// The next complete body, a framing error, or nil when more bytes are needed.
  public mutating func next() -> Result<[UInt8], FramingError>? {
    guard let end = headerEnd() else {
      if buffer.count > Self.maxHeader { return .failure(skip("a header block longer than \(Self.maxHeader) bytes")) }
      return nil
    }
    let header = String(decoding: buffer[..<end], as: UTF8.self)
    var length: Int?
    for line in header.components(separatedBy: "\r\n") where !line.isEmpty {
      guard let colon = line.firstIndex(of: ":") else { return .failure(skip("a header line without ':': '\(line)'")) }
      let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      if name == "content-length" {
        guard let n = Int(value), n >= 0, n <= Self.maxBody else {
          return .failure(skip("a Content-Length that is not a size: '\(value)'"))
        }
        length = n
      }
    }
    guard let length else { return .failure(skip("a header block without Content-Length")) }
    let start = end + 4
    guard buffer.count - start >= length else { return nil }
    let body = Array(buffer[start..<start + length])
    buffer.removeFirst(start + length)
    return .success(body)
  }

  /// Where the header block's `\r\n\r\n` starts.
  func headerEnd() -> Int? {
    guard buffer.count >= 4 else { return nil }
    for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
      return i
    }
    return nil
  }

  /// Drops the bad header block: everything up to the next `Content-Length` after its start.
  mutating func skip(_ why: String) -> FramingError {
    let key = Array("Content-Length".utf8)
    var cut = buffer.count
    if buffer.count > key.count {
      for i in 1...(buffer.count - key.count) where buffer[i..<i + key.count].elementsEqual(key) {
        cut = i
        break
      }
    }
    buffer.removeFirst(cut)
    return FramingError(message: why)
  }

  /// A body with its header, ready to write.
  public static func frame(_ body: [UInt8]) -> [UInt8] {
    Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
  }
}

/// A header block that could not be read.
public struct FramingError: Error, Equatable {
  public var message: String
}
