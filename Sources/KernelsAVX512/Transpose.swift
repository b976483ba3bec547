/// Matrix transposes in 16 × 16 tiles of AVX-512 registers.

/// Writes the transpose of a `rows × columns` block of `src` (rows `ld` apart) to `dst`:
/// `dst[c·ldOut + r] = src[r·ld + c]`. Whole 16 × 16 tiles go through registers (64 lane
/// permutes per tile, against 256 scalar loads and strided stores); the edges are scalar.
@inline(never)
public func transposeBlock(_ src: UnsafePointer<Float>, ld: Int, rows: Int, columns: Int,
                           into dst: UnsafeMutablePointer<Float>, ldOut: Int) {
  let r16 = rows / 16 * 16, c16 = columns / 16 * 16
  for r0 in Swift.stride(from: 0, to: r16, by: 16) {
    for c0 in Swift.stride(from: 0, to: c16, by: 16) {
      transpose16(src + r0 * ld + c0, ld: ld, into: dst + c0 * ldOut + r0, ldOut: ldOut)
    }
    for r in r0..<(r0 + 16) {
      for c in c16..<columns { dst[c * ldOut + r] = src[r * ld + c] }
    }
  }
  for r in r16..<rows {
    for c in 0..<columns { dst[c * ldOut + r] = src[r * ld + c] }
  }
}

/// One 16 × 16 tile. Four rounds of "interleave row i with row i + 8" (the even and odd
/// lanes of their concatenation become rows 2i and 2i + 1) rotate the 8-bit (row, column)
/// index of every element so that the result is the transpose with both indices
/// bit-reversed; loading rows and storing them in bit-reversed order undoes that.
@inline(__always)
func transpose16(_ src: UnsafePointer<Float>, ld: Int, into dst: UnsafeMutablePointer<Float>, ldOut: Int) {
  typealias V = SIMD16<Float>
  @inline(__always) func row(_ i: Int) -> V { UnsafeRawPointer(src + i * ld).loadUnaligned(as: V.self) }
  @inline(__always) func split(_ a: V, _ b: V) -> (V, V) {
    let c = SIMD32(lowHalf: a, highHalf: b)
    return (c.evenHalf, c.oddHalf)
  }
  var (r0, r1, r2, r3, r4, r5, r6, r7) = (row(0), row(8), row(4), row(12), row(2), row(10), row(6), row(14))
  var (r8, r9, r10, r11, r12, r13, r14, r15) = (row(1), row(9), row(5), row(13), row(3), row(11), row(7), row(15))
  for _ in 0..<4 {
    let (n0, n1) = split(r0, r8), (n2, n3) = split(r1, r9), (n4, n5) = split(r2, r10), (n6, n7) = split(r3, r11)
    let (n8, n9) = split(r4, r12), (n10, n11) = split(r5, r13), (n12, n13) = split(r6, r14), (n14, n15) = split(r7, r15)
    (r0, r1, r2, r3, r4, r5, r6, r7) = (n0, n1, n2, n3, n4, n5, n6, n7)
    (r8, r9, r10, r11, r12, r13, r14, r15) = (n8, n9, n10, n11, n12, n13, n14, n15)
  }
  let o = UnsafeMutableRawPointer(dst), s = 4 * ldOut
  (o + 0 * s).storeBytes(of: r0, as: V.self); (o + 8 * s).storeBytes(of: r1, as: V.self)
  (o + 4 * s).storeBytes(of: r2, as: V.self); (o + 12 * s).storeBytes(of: r3, as: V.self)
  (o + 2 * s).storeBytes(of: r4, as: V.self); (o + 10 * s).storeBytes(of: r5, as: V.self)
  (o + 6 * s).storeBytes(of: r6, as: V.self); (o + 14 * s).storeBytes(of: r7, as: V.self)
  (o + 1 * s).storeBytes(of: r8, as: V.self); (o + 9 * s).storeBytes(of: r9, as: V.self)
  (o + 5 * s).storeBytes(of: r10, as: V.self); (o + 13 * s).storeBytes(of: r11, as: V.self)
  (o + 3 * s).storeBytes(of: r12, as: V.self); (o + 11 * s).storeBytes(of: r13, as: V.self)
  (o + 7 * s).storeBytes(of: r14, as: V.self); (o + 15 * s).storeBytes(of: r15, as: V.self)
}
