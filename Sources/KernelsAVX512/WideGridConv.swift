/// Direct convolution for AVX-512 cores.
///
/// This module is compiled for `skylake-avx512` (see Package.swift), so every function in it
/// may use AVX-512 instructions: call into it only after `Tensor` has checked the CPU
/// (`CPUFeatures.avx512`). It holds no globals, so nothing runs here at load time.
///
/// The kernel works on a *wide grid*: input planes are zero-padded into rows of `wp` floats,
/// and output place `q = oy·wp + ox` reads kernel tap `t` at `q + taps[t]` of every padded
/// plane. A stride-1 convolution is then, for every place of the grid, the same dot product
/// over (channel, tap) — no window bookkeeping — and the places `ox ≥ ow` of each row are junk
/// the caller discards. Eight output channels × 48 consecutive places stay in 24 registers
/// while one input vector and one broadcast weight feed 8 fused multiply-adds per load.

/// 48 consecutive places of one output channel: three AVX-512 registers.
struct Places48 {
  var a = SIMD16<Float>(), b = SIMD16<Float>(), c = SIMD16<Float>()

  @inline(__always) init() {}

  @inline(__always) init(_ p: UnsafeRawPointer) {
    a = p.loadUnaligned(as: SIMD16<Float>.self)
    b = p.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
    c = p.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
  }

  @inline(__always) mutating func add(_ x: Places48, times w: Float) {
    let s = SIMD16<Float>(repeating: w)
    a.addProduct(x.a, s); b.addProduct(x.b, s); c.addProduct(x.c, s)
  }

  @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) {
    let r = UnsafeMutableRawPointer(p)
    r.storeBytes(of: a, as: SIMD16<Float>.self)
    r.storeBytes(of: b, toByteOffset: 64, as: SIMD16<Float>.self)
    r.storeBytes(of: c, toByteOffset: 128, as: SIMD16<Float>.self)
  }
}

/// Output places per tile of `wideGridConv`: `count` is rounded up to a multiple of this.
/// (Inlinable, so reading it runs no code of this module.)
@inlinable public var wideGridTile: Int { 48 }

/// `output[co·outputStride + q] = Σ_ci Σ_t weights[co, ci, t] · input[ci·plane + q + taps[t]]`
/// for `q` in `0..<count` rounded up to `wideGridTile`, and `co` in `0..<8·blocks`.
///
/// `weights` is packed as `[blocks, channels, tapCount, 8]` (eight output channels innermost,
/// zero rows for padding channels). The caller provides readable input up to the last
/// tile's reach (`channels·plane` plus `wideGridTile + max(taps)` floats past the last
/// plane's start of row 0 is enough) and `outputStride ≥` the rounded count.
@inline(never)
public func wideGridConv(input: UnsafePointer<Float>, channels: Int, plane: Int,
                         taps: UnsafePointer<Int>, tapCount: Int,
                         weights: UnsafePointer<Float>, blocks: Int,
                         output: UnsafeMutablePointer<Float>, outputStride: Int, count: Int) {
  let s = outputStride
  for block in 0..<blocks {
    let wb = weights + block * 8 * channels * tapCount
    let out = output + block * 8 * s
    var q = 0
    while q < count {
      var y0 = Places48(), y1 = Places48(), y2 = Places48(), y3 = Places48()
      var y4 = Places48(), y5 = Places48(), y6 = Places48(), y7 = Places48()
      var w = wb
      for ci in 0..<channels {
        let base = UnsafeRawPointer(input + ci * plane + q)
        for t in 0..<tapCount {
          let x = Places48(base + 4 * taps[t])
          y0.add(x, times: w[0]); y1.add(x, times: w[1]); y2.add(x, times: w[2]); y3.add(x, times: w[3])
          y4.add(x, times: w[4]); y5.add(x, times: w[5]); y6.add(x, times: w[6]); y7.add(x, times: w[7])
          w += 8
        }
      }
      let o = out + q
      y0.store(o); y1.store(o + s); y2.store(o + 2 * s); y3.store(o + 3 * s)
      y4.store(o + 4 * s); y5.store(o + 5 * s); y6.store(o + 6 * s); y7.store(o + 7 * s)
      q += wideGridTile
    }
  }
}
