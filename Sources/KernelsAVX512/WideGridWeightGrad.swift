/// The weight gradient of a 3 × 3 stride-1 convolution, directly on AVX-512 cores.
///
/// `dw[co, t, ci] = Σ_p dy[co, p] · x̃[p + tap_t, ci]` over the output places `p`, where `x̃`
/// is the input zero-padded into rows `wp` wide and *transposed* (channels innermost), so the
/// 16 channels of one tap are one vector, and `dy` is transposed too (`dyT[p, co]`). For one
/// row of taps and eight output channels, 24 sums stay in registers over the whole sum: per
/// output place, three vector loads and eight broadcasts feed 24 fused multiply-adds. No
/// column matrix, no horizontal sums.

/// The three taps `(ki, 0…2)` of one output channel, for 16 input channels.
struct TapRow {
  var k0 = SIMD16<Float>(), k1 = SIMD16<Float>(), k2 = SIMD16<Float>()

  @inline(__always) mutating func add(_ x0: SIMD16<Float>, _ x1: SIMD16<Float>, _ x2: SIMD16<Float>, times w: Float) {
    let s = SIMD16<Float>(repeating: w)
    k0.addProduct(x0, s); k1.addProduct(x1, s); k2.addProduct(x2, s)
  }

  /// Adds the three vectors to `p`, `p + stride`, `p + 2·stride`.
  @inline(__always) func addTo(_ p: UnsafeMutablePointer<Float>, stride: Int) {
    for (j, v) in [k0, k1, k2].enumerated() {
      let r = UnsafeMutableRawPointer(p + j * stride)
      r.storeBytes(of: r.loadUnaligned(as: SIMD16<Float>.self) + v, as: SIMD16<Float>.self)
    }
  }
}

/// Adds `Σ_p dyT[p, co] · x̃[p + tap_t, ci]` to `acc[(co·9 + t)·channels + ci]` for a 3 × 3
/// window, over output rows `0..<rows` of width `width` (output place `p = oy·width + ox`) and
/// `co < couts`; place `p` of `dyT` holds its `couts` values at `p·dyStride`. Channels are
/// read in eights, so up to 7 floats past the last place's values are read (and ignored):
/// the caller keeps them readable.
///
/// `xT` is the transposed padded input: place `(r, c)` of the `wp`-wide padded grid holds
/// `channels` floats at `(r·wp + c)·channels`; tap `(ki, kj)` of output place `(oy, ox)` is
/// `(oy + ki, ox + kj)`. `channels` must be a multiple of 16.
@inline(never)
public func wideGridWeightGrad3x3(xT: UnsafePointer<Float>, channels: Int, wp: Int,
                                  dyT: UnsafePointer<Float>, dyStride: Int, couts: Int, rows: Int, width: Int,
                                  acc: UnsafeMutablePointer<Float>) {
  let placeBytes = channels * 4
  for c0 in Swift.stride(from: 0, to: channels, by: 16) {
    for co0 in Swift.stride(from: 0, to: couts, by: 8) {
      for ki in 0..<3 {
        var a0 = TapRow(), a1 = TapRow(), a2 = TapRow(), a3 = TapRow()
        var a4 = TapRow(), a5 = TapRow(), a6 = TapRow(), a7 = TapRow()
        for oy in 0..<rows {
          var p = UnsafeRawPointer(xT + ((oy + ki) * wp) * channels + c0)
          var d = dyT + oy * width * dyStride + co0
          for _ in 0..<width {
            let x0 = p.loadUnaligned(as: SIMD16<Float>.self)
            let x1 = p.loadUnaligned(fromByteOffset: placeBytes, as: SIMD16<Float>.self)
            let x2 = p.loadUnaligned(fromByteOffset: 2 * placeBytes, as: SIMD16<Float>.self)
            a0.add(x0, x1, x2, times: d[0]); a1.add(x0, x1, x2, times: d[1])
            a2.add(x0, x1, x2, times: d[2]); a3.add(x0, x1, x2, times: d[3])
            a4.add(x0, x1, x2, times: d[4]); a5.add(x0, x1, x2, times: d[5])
            a6.add(x0, x1, x2, times: d[6]); a7.add(x0, x1, x2, times: d[7])
            p += placeBytes
            d += dyStride
          }
        }
        let out = acc + (co0 * 9 + ki * 3) * channels + c0, s = 9 * channels
        for (j, a) in [a0, a1, a2, a3, a4, a5, a6, a7].enumerated() where co0 + j < couts {
          a.addTo(out + j * s, stride: channels)
        }
      }
    }
  }
}

/// `wideGridWeightGrad3x3` for exactly 8 input channels. One 16-float load at place `q` of
/// `x̃` holds taps `(ki, 0)` and `(ki, 1)` (8 channels each), and one at `q + 2` holds tap
/// `(ki, 2)` in its low half (its high half, the place past the window, is ignored): per
/// output place two loads and eight broadcasts feed 16 fused multiply-adds, three quarters
/// of them useful. `acc` is laid out as in `wideGridWeightGrad3x3` (`channels` = 8), so taps
/// `(ki, 0)`, `(ki, 1)` are one 16-float run and `(ki, 2)` the 8 floats after it. Reads up
/// to 8 floats past place `(rows + 1)·wp + width + 1` of `xT` and 7 past the last place's
/// values of `dyT`: the caller keeps them readable.
@inline(never)
public func wideGridWeightGrad3x3Channels8(xT: UnsafePointer<Float>, wp: Int,
                                           dyT: UnsafePointer<Float>, dyStride: Int, couts: Int, rows: Int,
                                           width: Int, acc: UnsafeMutablePointer<Float>) {
  for co0 in Swift.stride(from: 0, to: couts, by: 8) {
    for ki in 0..<3 {
      // a[j] holds taps (ki, 0…1) of output channel co0 + j, b[j] tap (ki, 2) in its low half.
      var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
      var a4 = SIMD16<Float>(), a5 = SIMD16<Float>(), a6 = SIMD16<Float>(), a7 = SIMD16<Float>()
      var b0 = SIMD16<Float>(), b1 = SIMD16<Float>(), b2 = SIMD16<Float>(), b3 = SIMD16<Float>()
      var b4 = SIMD16<Float>(), b5 = SIMD16<Float>(), b6 = SIMD16<Float>(), b7 = SIMD16<Float>()
      for oy in 0..<rows {
        var p = UnsafeRawPointer(xT + (oy + ki) * wp * 8)
        var d = dyT + oy * width * dyStride + co0
        for _ in 0..<width {
          let x01 = p.loadUnaligned(as: SIMD16<Float>.self)
          let x2 = p.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
          var s = SIMD16<Float>(repeating: d[0]); a0.addProduct(x01, s); b0.addProduct(x2, s)
          s = SIMD16<Float>(repeating: d[1]); a1.addProduct(x01, s); b1.addProduct(x2, s)
          s = SIMD16<Float>(repeating: d[2]); a2.addProduct(x01, s); b2.addProduct(x2, s)
          s = SIMD16<Float>(repeating: d[3]); a3.addProduct(x01, s); b3.addProduct(x2, s)
          s = SIMD16<Float>(repeating: d[4]); a4.addProduct(x01, s); b4.addProduct(x2, s)
          s = SIMD16<Float>(repeating: d[5]); a5.addProduct(x01, s); b5.addProduct(x2, s)
          s = SIMD16<Float>(repeating: d[6]); a6.addProduct(x01, s); b6.addProduct(x2, s)
          s = SIMD16<Float>(repeating: d[7]); a7.addProduct(x01, s); b7.addProduct(x2, s)
          p += 32
          d += dyStride
        }
      }
      let out = acc + (co0 * 9 + ki * 3) * 8
      for (j, (a, b)) in zip([a0, a1, a2, a3, a4, a5, a6, a7], [b0, b1, b2, b3, b4, b5, b6, b7]).enumerated()
      where co0 + j < couts {
        let r = UnsafeMutableRawPointer(out + j * 72)
        r.storeBytes(of: r.loadUnaligned(as: SIMD16<Float>.self) + a, as: SIMD16<Float>.self)
        r.storeBytes(of: r.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self) + b.lowHalf,
                     toByteOffset: 64, as: SIMD8<Float>.self)
      }
    }
  }
}
