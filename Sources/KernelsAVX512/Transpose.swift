/// Matrix transposes in 16 × 16 tiles of AVX-512 registers.

/// Writes the transpose of a `rows × columns` block of `src` (rows `ld` apart) to `dst`:
/// `dst[c·ldOut + r] = src[r·ld + c]`. Whole 16 × 16 tiles go through registers (64 lane
/// permutes per tile, against 256 scalar loads and strided stores), then one band of 8 rows
/// in 8 × 16 tiles (32 permutes each: 8-channel layers); the edges are scalar.
@inline(never)
public func transposeBlock(_ src: UnsafePointer<Float>, ld: Int, rows: Int, columns: Int,
                           into dst: UnsafeMutablePointer<Float>, ldOut: Int) {
  let c16 = columns / 16 * 16
  func scalar(rows band: Range<Int>, columns cs: Range<Int>) {
    for r in band { for c in cs { dst[c * ldOut + r] = src[r * ld + c] } }
  }
  var r0 = 0
  while r0 + 16 <= rows {
    for c0 in Swift.stride(from: 0, to: c16, by: 16) {
      transpose16(src + r0 * ld + c0, ld: ld, into: dst + c0 * ldOut + r0, ldOut: ldOut)
    }
    scalar(rows: r0..<(r0 + 16), columns: c16..<columns)
    r0 += 16
  }
  if r0 + 8 <= rows {
    for c0 in Swift.stride(from: 0, to: c16, by: 16) {
      transpose8x16(src + r0 * ld + c0, ld: ld, into: dst + c0 * ldOut + r0, ldOut: ldOut)
    }
    scalar(rows: r0..<(r0 + 8), columns: c16..<columns)
    r0 += 8
  }
  scalar(rows: r0..<rows, columns: 0..<columns)
}

/// Splits the concatenation of `a` and `b` into its even and its odd lanes.
@inline(__always)
func evenOdd(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> (SIMD16<Float>, SIMD16<Float>) {
  let c = SIMD32(lowHalf: a, highHalf: b)
  return (c.evenHalf, c.oddHalf)
}

/// One 8 × 16 tile (8 rows, 16 columns). As in `transpose16`, with a 3-bit row index and a
/// 4-bit column index: rows are loaded in bit-reversed order, and after four rounds of
/// interleaving register `k` holds columns `2m` and `2m + 1` (8 rows each), `m` the 3-bit
/// reverse of `k`.
@inline(__always)
func transpose8x16(_ src: UnsafePointer<Float>, ld: Int, into dst: UnsafeMutablePointer<Float>, ldOut: Int) {
  typealias V = SIMD16<Float>
  @inline(__always) func row(_ i: Int) -> V { UnsafeRawPointer(src + i * ld).loadUnaligned(as: V.self) }
  var (r0, r1, r2, r3) = (row(0), row(4), row(2), row(6))
  var (r4, r5, r6, r7) = (row(1), row(5), row(3), row(7))
  for _ in 0..<4 {
    let (n0, n1) = evenOdd(r0, r4), (n2, n3) = evenOdd(r1, r5)
    let (n4, n5) = evenOdd(r2, r6), (n6, n7) = evenOdd(r3, r7)
    (r0, r1, r2, r3, r4, r5, r6, r7) = (n0, n1, n2, n3, n4, n5, n6, n7)
  }
  @inline(__always) func store(_ v: V, columnPair m: Int) {
    let o = UnsafeMutableRawPointer(dst + 2 * m * ldOut)
    o.storeBytes(of: v.lowHalf, as: SIMD8<Float>.self)
    o.storeBytes(of: v.highHalf, toByteOffset: 4 * ldOut, as: SIMD8<Float>.self)
  }
  store(r0, columnPair: 0); store(r1, columnPair: 4); store(r2, columnPair: 2); store(r3, columnPair: 6)
  store(r4, columnPair: 1); store(r5, columnPair: 5); store(r6, columnPair: 3); store(r7, columnPair: 7)
}

/// One 16 × 16 tile. Four rounds of "interleave row i with row i + 8" (the even and odd
/// lanes of their concatenation become rows 2i and 2i + 1) rotate the 8-bit (row, column)
/// index of every element so that the result is the transpose with both indices
/// bit-reversed; loading rows and storing them in bit-reversed order undoes that.
@inline(__always)
func transpose16(_ src: UnsafePointer<Float>, ld: Int, into dst: UnsafeMutablePointer<Float>, ldOut: Int) {
  typealias V = SIMD16<Float>
  @inline(__always) func row(_ i: Int) -> V { UnsafeRawPointer(src + i * ld).loadUnaligned(as: V.self) }
  var (r0, r1, r2, r3, r4, r5, r6, r7) = (row(0), row(8), row(4), row(12), row(2), row(10), row(6), row(14))
  var (r8, r9, r10, r11, r12, r13, r14, r15) = (row(1), row(9), row(5), row(13), row(3), row(11), row(7), row(15))
  for _ in 0..<4 {
    let (n0, n1) = evenOdd(r0, r8), (n2, n3) = evenOdd(r1, r9), (n4, n5) = evenOdd(r2, r10), (n6, n7) = evenOdd(r3, r11)
    let (n8, n9) = evenOdd(r4, r12), (n10, n11) = evenOdd(r5, r13), (n12, n13) = evenOdd(r6, r14), (n14, n15) = evenOdd(r7, r15)
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
