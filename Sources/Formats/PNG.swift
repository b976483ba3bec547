import Foundation

/// An 8-bit image, grayscale (1 channel) or RGB (3 channels), rows top to bottom.
public struct PNGImage: Equatable {
  public let width: Int
  public let height: Int
  /// 1 (gray) or 3 (RGB).
  public let channels: Int
  /// `height × width × channels` bytes, row-major, channels interleaved.
  public var pixels: [UInt8]

  /// An image filled with `fill` (one value per channel; a single value is repeated).
  public init(width: Int, height: Int, channels: Int = 3, fill: [UInt8] = [255]) {
    self.width = max(0, width)
    self.height = max(0, height)
    self.channels = channels == 1 ? 1 : 3
    let px = fill.count == self.channels ? fill : Array(repeating: fill.first ?? 0, count: self.channels)
    let count = self.width * self.height * self.channels
    // One repeated byte for a gray fill (the common white background): fast even unoptimised.
    pixels = px.allSatisfy { $0 == px[0] } ? Array(repeating: px[0], count: count) : (0..<count).map { px[$0 % px.count] }
  }

  /// An image from raw bytes; throws when the count does not match.
  public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
    guard channels == 1 || channels == 3, width >= 0, height >= 0, pixels.count == width * height * channels else {
      throw IOError("", "\(pixels.count) bytes do not make a \(width)×\(height) image with \(channels) channel(s)")
    }
    self.width = width
    self.height = height
    self.channels = channels
    self.pixels = pixels
  }

  /// Sets pixel `(x, y)` to `rgb` (gray images take the mean); ignores points outside.
  public mutating func set(_ x: Int, _ y: Int, _ rgb: RGB) {
    guard x >= 0, y >= 0, x < width, y < height else { return }
    let i = (y * width + x) * channels
    if channels == 1 {
      pixels[i] = UInt8((Int(rgb.r) + Int(rgb.g) + Int(rgb.b)) / 3)
    } else {
      pixels[i] = rgb.r; pixels[i + 1] = rgb.g; pixels[i + 2] = rgb.b
    }
  }

  /// The colour at `(x, y)`.
  public func get(_ x: Int, _ y: Int) -> RGB {
    let i = (y * width + x) * channels
    return channels == 1 ? RGB(pixels[i], pixels[i], pixels[i]) : RGB(pixels[i], pixels[i + 1], pixels[i + 2])
  }

  /// The same picture with 3 channels.
  public var rgb: PNGImage {
    if channels == 3 { return self }
    var out = PNGImage(width: width, height: height, channels: 3)
    for (i, v) in pixels.enumerated() { out.pixels[3 * i] = v; out.pixels[3 * i + 1] = v; out.pixels[3 * i + 2] = v }
    return out
  }
}

/// An 8-bit colour.
public struct RGB: Equatable, Sendable {
  public var r: UInt8, g: UInt8, b: UInt8
  public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }

  public static let black = RGB(0, 0, 0)
  public static let white = RGB(255, 255, 255)
  public static let gray = RGB(128, 128, 128)
  public static let lightGray = RGB(220, 220, 220)
  public static let red = RGB(228, 26, 28)
  public static let green = RGB(77, 175, 74)
  public static let blue = RGB(55, 126, 184)
  public static let orange = RGB(255, 127, 0)
  public static let purple = RGB(152, 78, 163)
  public static let yellow = RGB(255, 221, 0)
  public static let cyan = RGB(0, 190, 210)
  /// Colours for successive plot series.
  public static let palette: [RGB] = [.blue, .red, .green, .orange, .purple, .cyan, .yellow, .gray]
}

/// Encodes PNG files: 8-bit gray or RGB, no interlace, filter chosen per row, zlib via CZlib.
public enum PNG {
  static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// Writes `image` to `url` atomically.
  public static func write(_ image: PNGImage, to url: URL) throws {
    do {
      try AtomicWrite.write(try encode(image), to: url)
    } catch let e as IOError where e.path.isEmpty {
      throw e.at(url.path)
    }
  }

  /// The bytes of a PNG file holding `image`.
  public static func encode(_ image: PNGImage) throws -> Data {
    guard image.width > 0, image.height > 0 else { throw IOError("", "cannot encode an empty \(image.width)×\(image.height) image") }
    var out = Data(signature)
    var ihdr = Data()
    ihdr.appendBigEndian(UInt32(image.width))
    ihdr.appendBigEndian(UInt32(image.height))
    ihdr.append(contentsOf: [8, image.channels == 1 ? 0 : 2, 0, 0, 0])
    appendChunk(&out, "IHDR", ihdr)
    appendChunk(&out, "IDAT", try Gzip.zlibCompress(filtered(image)))
    appendChunk(&out, "IEND", Data())
    return out
  }

  /// Scanlines with a filter byte each: Sub for images with horizontal smoothness, else Up
  /// or None, whichever has the smallest sum of absolute residuals (the usual heuristic).
  static func filtered(_ image: PNGImage) -> Data {
    let stride = image.width * image.channels, bpp = image.channels
    var raw = Data(capacity: (stride + 1) * image.height)
    var row = [UInt8](repeating: 0, count: stride)
    image.pixels.withUnsafeBufferPointer { p in
      for y in 0..<image.height {
        let base = y * stride
        var best: (UInt8, Int) = (0, Int.max)
        for filter: UInt8 in [0, 1, 2] {
          var cost = 0
          for i in 0..<stride {
            let v = residual(filter, p, base, i, bpp, stride, y)
            cost += abs(Int(Int8(bitPattern: v)))
          }
          if cost < best.1 { best = (filter, cost) }
        }
        for i in 0..<stride { row[i] = residual(best.0, p, base, i, bpp, stride, y) }
        raw.append(best.0)
        raw.append(contentsOf: row)
      }
    }
    return raw
  }

  @inline(__always)
  private static func residual(_ f: UInt8, _ p: UnsafeBufferPointer<UInt8>, _ base: Int, _ i: Int,
                               _ bpp: Int, _ stride: Int, _ y: Int) -> UInt8 {
    let x = p[base + i]
    switch f {
    case 1: return x &- (i >= bpp ? p[base + i - bpp] : 0)
    case 2: return x &- (y > 0 ? p[base + i - stride] : 0)
    default: return x
    }
  }

  private static func appendChunk(_ out: inout Data, _ type: String, _ body: Data) {
    out.appendBigEndian(UInt32(body.count))
    let typeBytes = Data(type.utf8)
    out.append(typeBytes)
    out.append(body)
    out.appendBigEndian(Gzip.crc32(body, crc: Gzip.crc32(typeBytes)))
  }
}

extension Data {
  mutating func appendBigEndian(_ v: UInt32) {
    append(contentsOf: [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
  }
}
