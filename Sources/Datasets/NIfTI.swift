import Formats
import Foundation

/// A NIfTI-1 image volume: voxel values as Float, with the grid size and voxel spacing.
public struct NIfTIVolume {
  /// Grid extents, fastest-varying first: `[nx, ny, nz, …]` (the header's dim[1…dim[0]]).
  public var dims: [Int]
  /// Voxel size per axis in the file's units (mm for ACDC), same order as `dims`.
  public var spacing: [Double]
  /// Voxel values after `scl_slope`/`scl_inter` scaling, x fastest (index `x + nx*(y + ny*z)`).
  public var data: [Float]
  /// The on-disk datatype code (2 uint8, 4 int16, 8 int32, 16 float32, 64 float64, 256 int8, 512 uint16, 768 uint32).
  public var datatype: Int

  /// The value at `(x, y, z)`.
  public subscript(x: Int, y: Int, z: Int) -> Float {
    data[x + dims[0] * (y + (dims.count > 1 ? dims[1] : 1) * z)]
  }
}

/// Reads NIfTI-1 single-file images (`.nii`, and gzip-compressed `.nii.gz`).
public enum NIfTI {
  /// Reads the volume at `url`; gzip is detected from the content, not the name.
  /// - Throws: `IOError` naming the file on a missing, truncated or malformed file.
  public static func read(_ url: URL) throws -> NIfTIVolume {
    var data = try readFile(url)
    if Gzip.isGzip(data) { data = try Gzip.decompress(data, path: url.path) }
    return try decode(data, path: url.path)
  }

  /// Parses the bytes of an uncompressed `.nii` file.
  public static func decode(_ data: Data, path: String = "") throws -> NIfTIVolume {
    let b = [UInt8](data)
    guard b.count >= 348 else { throw IOError(path, "truncated: \(b.count) bytes, a NIfTI-1 header needs 348") }
    let littleSize = Int32(b[0]) | Int32(b[1]) << 8 | Int32(b[2]) << 16 | Int32(b[3]) << 24
    let swapped: Bool
    if littleSize == 348 {
      swapped = false
    } else if littleSize.byteSwapped == 348 {
      swapped = true
    } else if littleSize == 540 || littleSize.byteSwapped == 540 {
      throw IOError(path, "NIfTI-2 files are not supported, only NIfTI-1")
    } else {
      throw IOError(path, "not a NIfTI-1 file (sizeof_hdr is \(littleSize), expected 348)")
    }
    let h = Reader(bytes: b, bigEndian: swapped)
    let magic = Array(b[344..<348])
    if magic == Array("ni1\0".utf8) {
      throw IOError(path, "this is the header of a .hdr/.img pair; only single-file .nii is supported")
    }
    guard magic == Array("n+1\0".utf8) else { throw IOError(path, "bad NIfTI-1 magic (expected 'n+1')") }
    let rank = Int(h.i16(40))
    guard (1...7).contains(rank) else { throw IOError(path, "dim[0] is \(rank), expected 1…7") }
    let dims = (1...rank).map { Int(h.i16(40 + 2 * $0)) }
    guard dims.allSatisfy({ $0 >= 1 }) else { throw IOError(path, "invalid dimensions \(dims)") }
    let spacing = (1...rank).map { Double(h.f32(76 + 4 * $0)) }
    // The spatial voxel sizes (mm) drive resampling: a spacing that is not a finite,
    // positive, plausible size would silently distort or drop slices.
    for i in 0..<min(rank, 3) where !(spacing[i].isFinite && spacing[i] >= 1e-6 && spacing[i] <= 1e6) {
      throw IOError(path, "pixdim[\(i + 1)] (the voxel size along axis \(i + 1)) is \(spacing[i]); it must be a finite size in 1e-6 … 1e6 mm")
    }
    let datatype = Int(h.i16(70))
    guard let width = bytesPerVoxel[datatype] else {
      throw IOError(path, "unsupported datatype \(datatype) (supported: uint8, int8, int16, uint16, int32, uint32, float32, float64)")
    }
    let voxOffset = h.f32(108)
    guard voxOffset.isFinite, voxOffset >= 348, voxOffset < Float(b.count + 1) else {
      throw IOError(path, "vox_offset \(voxOffset) is outside the file")
    }
    let start = Int(voxOffset)
    let count = try IOError.checkedCount(dims, path: path, "dimensions \(dims): ")
    guard count <= (b.count - start) / width else {
      throw IOError(path, "truncated: \(dims) voxels of \(width) bytes need \(count * width) bytes after offset \(start), file has \(b.count - start)")
    }
    var slope = h.f32(112), inter = h.f32(116)
    if slope == 0 || !slope.isFinite { slope = 1; inter = 0 }
    if !inter.isFinite { inter = 0 }
    var values = [Float](repeating: 0, count: count)
    values.withUnsafeMutableBufferPointer { out in
      let r = Reader(bytes: b, bigEndian: swapped)
      switch datatype {
      case 2: for i in 0..<count { out[i] = Float(b[start + i]) }
      case 256: for i in 0..<count { out[i] = Float(Int8(bitPattern: b[start + i])) }
      case 4: for i in 0..<count { out[i] = Float(r.i16(start + 2 * i)) }
      case 512: for i in 0..<count { out[i] = Float(UInt16(bitPattern: r.i16(start + 2 * i))) }
      case 8: for i in 0..<count { out[i] = Float(Int32(bitPattern: r.u32(start + 4 * i))) }
      case 768: for i in 0..<count { out[i] = Float(r.u32(start + 4 * i)) }
      case 16: for i in 0..<count { out[i] = Float(bitPattern: r.u32(start + 4 * i)) }
      default: for i in 0..<count { out[i] = Float(Double(bitPattern: r.u64(start + 8 * i))) }
      }
      if slope != 1 || inter != 0 {
        for i in 0..<count { out[i] = out[i] * slope + inter }
      }
    }
    return NIfTIVolume(dims: dims, spacing: spacing, data: values, datatype: datatype)
  }

  static let bytesPerVoxel: [Int: Int] = [2: 1, 256: 1, 4: 2, 512: 2, 8: 4, 768: 4, 16: 4, 64: 8]

  /// The bytes of a minimal `.nii` file (little-endian, vox_offset 352) holding `values`
  /// as `datatype` (for tests and exporting masks).
  public static func encode(dims: [Int], spacing: [Double], values: [Double], datatype: Int,
                            slope: Float = 1, inter: Float = 0) throws -> Data {
    guard (1...7).contains(dims.count), dims.count == spacing.count, dims.reduce(1, *) == values.count,
          let width = bytesPerVoxel[datatype] else {
      throw IOError("", "cannot encode NIfTI: inconsistent dims, spacing, values or datatype")
    }
    var h = [UInt8](repeating: 0, count: 352)
    func put<T: FixedWidthInteger>(_ v: T, _ at: Int) {
      withUnsafeBytes(of: v.littleEndian) { for (i, x) in $0.enumerated() { h[at + i] = x } }
    }
    put(Int32(348), 0)
    put(Int16(dims.count), 40)
    for (i, d) in dims.enumerated() { put(Int16(d), 42 + 2 * i) }
    put(Int16(datatype), 70)
    put(Int16(width * 8), 72)
    put(Float(1).bitPattern, 76)
    for (i, s) in spacing.enumerated() { put(Float(s).bitPattern, 80 + 4 * i) }
    put(Float(352).bitPattern, 108)
    put(slope.bitPattern, 112)
    put(inter.bitPattern, 116)
    for (i, c) in "n+1\0".utf8.enumerated() { h[344 + i] = c }
    var out = Data(h)
    out.reserveCapacity(352 + values.count * width)
    for v in values {
      switch datatype {
      case 2: out.append(UInt8(clamping: Int(v.rounded())))
      case 256: out.append(UInt8(bitPattern: Int8(clamping: Int(v.rounded()))))
      case 4: withUnsafeBytes(of: Int16(clamping: Int(v.rounded())).littleEndian) { out.append(contentsOf: $0) }
      case 512: withUnsafeBytes(of: UInt16(clamping: Int(v.rounded())).littleEndian) { out.append(contentsOf: $0) }
      case 8: withUnsafeBytes(of: Int32(clamping: Int(v.rounded())).littleEndian) { out.append(contentsOf: $0) }
      case 768: withUnsafeBytes(of: UInt32(clamping: Int(v.rounded())).littleEndian) { out.append(contentsOf: $0) }
      case 16: withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { out.append(contentsOf: $0) }
      default: withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
      }
    }
    return out
  }
}

/// Reads fixed-width numbers at byte offsets, in the file's byte order.
private struct Reader {
  let bytes: [UInt8]
  let bigEndian: Bool

  func u16(_ at: Int) -> UInt16 {
    let v = UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    return bigEndian ? v.byteSwapped : v
  }
  func i16(_ at: Int) -> Int16 { Int16(bitPattern: u16(at)) }
  func u32(_ at: Int) -> UInt32 {
    let v = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    return bigEndian ? v.byteSwapped : v
  }
  func u64(_ at: Int) -> UInt64 {
    let v = UInt64(u32(bigEndian ? at + 4 : at)) | UInt64(u32(bigEndian ? at : at + 4)) << 32
    return v
  }
  func f32(_ at: Int) -> Float { Float(bitPattern: u32(at)) }
}
