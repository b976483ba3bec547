import Foundation
import Testing
@testable import Runtime
@testable import Datasets
@testable import Formats

/// Splits a PNG into chunks, checking each CRC, and returns (type, body) pairs.
func pngChunks(_ d: Data) throws -> [(String, Data)] {
  let b = [UInt8](d)
  #expect(Array(b.prefix(8)) == PNG.signature)
  var out: [(String, Data)] = []
  var i = 8
  func u32(_ k: Int) -> UInt32 { UInt32(b[k]) << 24 | UInt32(b[k + 1]) << 16 | UInt32(b[k + 2]) << 8 | UInt32(b[k + 3]) }
  while i + 12 <= b.count {
    let n = Int(u32(i))
    let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
    let body = Data(b[(i + 8)..<(i + 8 + n)])
    #expect(u32(i + 8 + n) == Gzip.crc32(Data(b[(i + 4)..<(i + 8 + n)])), "CRC of \(type)")
    out.append((type, body))
    i += 12 + n
  }
  #expect(i == b.count)
  return out
}

/// Decodes the pixels of a PNG written by `PNG.encode` (filters None, Sub, Up).
func decodePNG(_ d: Data) throws -> PNGImage {
  let chunks = try pngChunks(d)
  let ihdr = [UInt8](chunks[0].1)
  let w = Int(ihdr[0]) << 24 | Int(ihdr[1]) << 16 | Int(ihdr[2]) << 8 | Int(ihdr[3])
  let h = Int(ihdr[4]) << 24 | Int(ihdr[5]) << 16 | Int(ihdr[6]) << 8 | Int(ihdr[7])
  let ch = ihdr[9] == 0 ? 1 : 3
  let raw = [UInt8](try Gzip.zlibDecompress(chunks.filter { $0.0 == "IDAT" }.map(\.1).reduce(Data(), +)))
  let stride = w * ch
  var px = [UInt8](repeating: 0, count: w * h * ch)
  for y in 0..<h {
    let f = raw[y * (stride + 1)]
    for i in 0..<stride {
      let r = raw[y * (stride + 1) + 1 + i]
      let left = i >= ch ? px[y * stride + i - ch] : 0
      let up = y > 0 ? px[(y - 1) * stride + i] : 0
      px[y * stride + i] = f == 1 ? r &+ left : f == 2 ? r &+ up : r
    }
  }
  return try PNGImage(width: w, height: h, channels: ch, pixels: px)
}

@Suite("PNG, gzip, NIfTI, plots")
struct IOImageTests {
  @Test("PNG: signature, chunk CRCs, IDAT inflates back to the pixels (gray and RGB)")
  func png() throws {
    var rgb = PNGImage(width: 7, height: 5)
    for y in 0..<5 { for x in 0..<7 { rgb.set(x, y, RGB(UInt8(x * 30), UInt8(y * 50), UInt8((x * y) % 256))) } }
    let gray = try PNGImage.gray(try Tensor(shape: [3, 4], scalars: (0..<12).map { Float($0) }))
    #expect(gray.pixels.first == 0 && gray.pixels.last == 255)
    for img in [rgb, gray] {
      let data = try PNG.encode(img)
      #expect(try pngChunks(data).map(\.0) == ["IHDR", "IDAT", "IEND"])
      #expect(try decodePNG(data) == img)
    }
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("sub/x.png")
    try PNG.write(rgb, to: url)
    #expect(try decodePNG(Data(contentsOf: url)) == rgb)
  }

  @Test("overlay draws label contours in colour")
  func overlay() throws {
    var labels = IntTensor(shape: [9, 9], repeating: 0)
    for r in 2...6 { for c in 2...6 { labels[r, c] = 3 } }
    let img = try PNGImage.overlay(Tensor(shape: [9, 9], repeating: 0.5), labels: labels)
    #expect(img.get(2, 2) == .red && img.get(4, 2) == .red)
    #expect(img.get(4, 4) != .red && img.get(0, 0) != .red)
  }

  @Test("line plot renders to a decodable PNG with coloured lines")
  func plot() throws {
    var p = LinePlot(title: "loss and dice", xLabel: "step", yRange: 0...1)
    p.add("loss", x: [0, 10, 20, 30], y: [0.9, 0.5, 0.3, 0.2])
    p.add("val dice", x: [0, 10, 20, 30], y: [0.1, 0.5, .nan, 0.8])
    let img = p.render()
    #expect(img.pixels.count == img.width * img.height * 3)
    #expect(img.pixels.indices.contains { i in i % 3 == 0 && img.pixels[i] == RGB.blue.r && img.pixels[i + 2] == RGB.blue.b })
    #expect(try decodePNG(try PNG.encode(img)) == img)
    #expect(LinePlot.ticks(0, 1) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1] || LinePlot.ticks(0, 1).count == 6)
    #expect(LinePlot.format(0.25) == "0.25" && LinePlot.format(1000) == "1000")
  }

  @Test("gzip: round trip, concatenated members, truncated and corrupt input")
  func gzip() throws {
    let text = Data((0..<5000).map { UInt8($0 % 251) })
    let z = try Gzip.compress(text)
    #expect(Gzip.isGzip(z))
    #expect(try Gzip.decompress(z) == text)
    #expect(try Gzip.decompress(z + z) == text + text)
    #expect(throws: IOError.self) { try Gzip.decompress(z.prefix(z.count / 2)) }
    var bad = z
    bad[20] ^= 0xFF
    bad[21] ^= 0xFF
    #expect(throws: IOError.self) { try Gzip.decompress(bad) }
    #expect(throws: IOError.self) { try Gzip.decompress(Data()) }
  }

  @Test("NIfTI: .nii and .nii.gz, every datatype, scaling, byte-swapped header", arguments: [2, 4, 8, 16, 64, 256, 512, 768])
  func nifti(_ datatype: Int) throws {
    let dims = [4, 3, 2]
    let values = (0..<24).map { Double($0 * 3 % 17) }
    let data = try NIfTI.encode(dims: dims, spacing: [1.25, 1.5, 10], values: values, datatype: datatype, slope: 2, inter: -1)
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    for (name, bytes) in [("v.nii", data), ("v.nii.gz", try Gzip.compress(data))] {
      let url = dir.appendingPathComponent(name)
      try bytes.write(to: url)
      let v = try NIfTI.read(url)
      #expect(v.dims == dims && v.datatype == datatype)
      #expect(v.spacing == [1.25, 1.5, 10])
      #expect(v.data == values.map { Float($0 * 2 - 1) })
      #expect(v[3, 2, 1] == Float(values[23] * 2 - 1))
    }
  }

  @Test("NIfTI: big-endian file")
  func bigEndian() throws {
    // Swap every header field we read and the int16 voxels by hand.
    var b = [UInt8](try NIfTI.encode(dims: [2, 2], spacing: [1, 2], values: [1, -2, 300, 4], datatype: 4))
    func swap(_ at: Int, _ n: Int) { b[at..<(at + n)].reverse() }
    swap(0, 4)
    for k in 0..<8 { swap(40 + 2 * k, 2) }
    swap(70, 2); swap(72, 2)
    for k in 0..<8 { swap(76 + 4 * k, 4) }
    swap(108, 4); swap(112, 4); swap(116, 4)
    for k in 0..<4 { swap(352 + 2 * k, 2) }
    let v = try NIfTI.decode(Data(b))
    #expect(v.dims == [2, 2] && v.spacing == [1, 2] && v.data == [1, -2, 300, 4])
  }

  @Test("NIfTI: truncated and malformed files give IOErrors", arguments: ["short", "magic", "size", "voxels", "dtype"])
  func niftiErrors(_ kind: String) throws {
    var b = [UInt8](try NIfTI.encode(dims: [4, 4], spacing: [1, 1], values: Array(repeating: 1, count: 16), datatype: 16))
    switch kind {
    case "short": b = Array(b.prefix(200))
    case "magic": b[345] = 0x3F
    case "size": b[0] = 0x10
    case "voxels": b = Array(b.dropLast(5))
    default: b[70] = 0x20
    }
    do {
      _ = try NIfTI.decode(Data(b), path: "x.nii")
      Issue.record("no error for \(kind)")
    } catch let e as IOError {
      #expect(e.path == "x.nii" && !e.message.isEmpty)
    }
  }

  @Test("NIfTI: a voxel size that is not finite and positive is refused with the field", arguments: [0.0, -1.0, .nan, .infinity, 1e-30])
  func niftiSpacing(_ bad: Double) throws {
    let data = try NIfTI.encode(dims: [4, 4, 2], spacing: [1, bad, 10], values: Array(repeating: 1, count: 32), datatype: 16)
    do {
      _ = try NIfTI.decode(data, path: "x.nii")
      Issue.record("no error for pixdim \(bad)")
    } catch let e as IOError {
      #expect(e.path == "x.nii" && e.message.hasPrefix("pixdim[2] (the voxel size along axis 2) is"), "\(e)")
    }
  }
}
