import CZlib
import Foundation

/// zlib compression for gzip files (`.nii.gz`) and zlib streams (PNG's IDAT).
public enum Gzip {
  /// Decompresses gzip (or zlib) data; concatenated gzip members are joined.
  ///
  /// - Parameter path: names the source in errors (empty for in-memory data).
  /// - Throws: `IOError` when the data is truncated, corrupt or not compressed.
  public static func decompress(_ data: Data, path: String = "") throws -> Data {
    try inflate(data, windowBits: 15 + 32, path: path)
  }

  /// Compresses `data` as a single gzip member.
  public static func compress(_ data: Data, level: Int32 = 6) throws -> Data {
    try deflate(data, level: level, windowBits: 15 + 16)
  }

  /// Whether `data` starts with the gzip magic bytes.
  public static func isGzip(_ data: Data) -> Bool {
    data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
  }

  /// Compresses `data` as a zlib stream (RFC 1950), as PNG's IDAT chunk needs.
  static func zlibCompress(_ data: Data, level: Int32 = 6) throws -> Data {
    try deflate(data, level: level, windowBits: 15)
  }

  /// Decompresses a zlib stream (RFC 1950).
  static func zlibDecompress(_ data: Data, path: String = "") throws -> Data {
    try inflate(data, windowBits: 15, path: path)
  }

  /// CRC-32 (as in gzip and PNG) of `bytes`, continuing from `crc`.
  static func crc32(_ bytes: UnsafeRawBufferPointer, crc: UInt32 = 0) -> UInt32 {
    guard let base = bytes.baseAddress else { return crc }
    return UInt32(CZlib.crc32(uLong(crc), base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
  }

  static func crc32(_ data: Data, crc: UInt32 = 0) -> UInt32 {
    data.withUnsafeBytes { crc32($0, crc: crc) }
  }

  private static func inflate(_ data: Data, windowBits: Int32, path: String) throws -> Data {
    if data.isEmpty { throw IOError(path, "compressed data is empty") }
    var stream = z_stream()
    guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw IOError(path, "cannot initialise zlib")
    }
    defer { inflateEnd(&stream) }
    var out = Data()
    let chunk = 1 << 18
    var buffer = [UInt8](repeating: 0, count: chunk)
    return try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) -> Data in
      guard let inBase = input.baseAddress else { return out }
      stream.next_in = UnsafeMutablePointer(mutating: inBase.assumingMemoryBound(to: Bytef.self))
      stream.avail_in = uInt(input.count)
      while true {
        let status: Int32 = buffer.withUnsafeMutableBufferPointer { b in
          stream.next_out = b.baseAddress
          stream.avail_out = uInt(chunk)
          let s = CZlib.inflate(&stream, Z_NO_FLUSH)
          out.append(contentsOf: b[0..<(chunk - Int(stream.avail_out))])
          return s
        }
        switch status {
        case Z_OK:
          if stream.avail_in == 0 && stream.avail_out != 0 {
            throw IOError(path, "compressed data is truncated (\(input.count) bytes read, stream not finished)")
          }
        case Z_STREAM_END:
          // Another gzip member may follow (e.g. from `cat a.gz b.gz`); trailing zeros are padding.
          let rest = UnsafeRawBufferPointer(start: stream.next_in, count: Int(stream.avail_in))
          if rest.isEmpty || rest.allSatisfy({ $0 == 0 }) { return out }
          guard windowBits > 15, inflateReset(&stream) == Z_OK else {
            throw IOError(path, "\(rest.count) unexpected bytes after the end of the compressed stream")
          }
        case Z_BUF_ERROR:
          throw IOError(path, "compressed data is truncated (\(input.count) bytes read, stream not finished)")
        case Z_DATA_ERROR:
          let why = stream.msg.map { String(cString: $0) } ?? "invalid data"
          throw IOError(path, "corrupt compressed data: \(why)")
        case Z_MEM_ERROR:
          throw IOError(path, "out of memory while decompressing")
        default:
          throw IOError(path, "decompression failed (zlib status \(status))")
        }
      }
    }
  }

  private static func deflate(_ data: Data, level: Int32, windowBits: Int32) throws -> Data {
    var stream = z_stream()
    guard deflateInit2_(&stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
                        ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw IOError("", "cannot initialise zlib")
    }
    defer { deflateEnd(&stream) }
    let bound = Int(deflateBound(&stream, uLong(data.count)))
    var out = [UInt8](repeating: 0, count: bound)
    let status: Int32 = data.withUnsafeBytes { input in
      out.withUnsafeMutableBufferPointer { o in
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        stream.next_out = o.baseAddress
        stream.avail_out = uInt(bound)
        return CZlib.deflate(&stream, Z_FINISH)
      }
    }
    guard status == Z_STREAM_END else { throw IOError("", "compression failed (zlib status \(status))") }
    return Data(out[0..<Int(stream.total_out)])
  }
}
