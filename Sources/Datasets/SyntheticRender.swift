import Foundation
import Tensor

extension SyntheticScene {
  /// Draws the scene: soft-edged layers painted back to front (body, organs, epicardial
  /// fat, RV, LV myocardium, LV blood, papillary muscles), then bias, blur, Rician noise and
  /// z-score. Labels come from the hard geometry, so fuzzy image edges stay ambiguous.
  func render(rng: inout RNG) -> (pixels: [Float], labels: [Int32]) {
    let S = size, n = S * S
    var img = [Float](repeating: air, count: n)
    var lab = [Int32](repeating: 0, count: n)
    let coarse = NoiseGrid(cells: 6, size: S, rng: &rng)
    let fine = NoiseGrid(cells: max(8, S / 7), size: S, rng: &rng)
    let bins = Float(Self.bins)
    let heartReach = maxEpi + max(septumGap, fatWidth) + 2 * edgeSoft + 2
    let rvCos = rv.cs, rvSin = rv.sn
    let rvMin = min(rv.a, rv.b)

    for r in 0..<S {
      let fr = Float(r)
      for c in 0..<S {
        let fc = Float(c)
        let k = r * S + c
        let t1 = coarse.at(fr, fc), t2 = fine.at(fr, fc)
        var v = air
        // Body with tissue texture.
        let bodyIn = body.inside(fr, fc)
        if bodyIn > -body.soft {
          let tex = body.value * (1 + textureAmp * (1.2 * t1 + 0.8 * t2))
          v = mix(v, tex, ramp(bodyIn, body.soft))
        }
        for o in organs {
          let d = o.inside(fr, fc)
          if d > -o.soft { v = mix(v, o.value * (1 + 0.5 * textureAmp * t2), ramp(d, o.soft)) }
        }
        // Heart in polar coordinates about the LV centre.
        let dr = fr - lvR, dc = fc - lvC
        let dist = (dr * dr + dc * dc).squareRoot()
        var endoR: Float = -1, epiR: Float = -1
        var fatHere = false
        if dist < heartReach {
          var t = atan2(dr, dc)
          if t < 0 { t += 2 * .pi }
          let f = t / (2 * .pi) * bins
          let i0 = Int(f) % Self.bins, i1 = (i0 + 1) % Self.bins
          let w = f - Float(Int(f))
          endoR = endo[i0] * (1 - w) + endo[i1] * w
          epiR = epi[i0] * (1 - w) + epi[i1] * w
          fatHere = cos(fatFreq * t + fatPhase) > fatLevel
          if fatHere && fatWidth > 0 {
            v = mix(v, fatValue * (1 + 0.3 * textureAmp * t2), ramp(epiR + fatWidth - dist, edgeSoft))
          }
        }
        // RV: free wall, then bright blood; labelled where outside the LV and the septal gap.
        if hasRV {
          let y = fr - rv.r, x = fc - rv.c
          let along = x * rvCos + y * rvSin, across = -x * rvSin + y * rvCos
          let q = ((along / rv.a) * (along / rv.a) + (across / rv.b) * (across / rv.b)).squareRoot()
          if q < 1 + (rvWall + 2 * edgeSoft) / rvMin {
            let inside = (1 - q) * rvMin
            v = mix(v, myo * (1 + 0.5 * textureAmp * t2), ramp(inside + rvWall, edgeSoft))
            let gapEdge = epiR < 0 ? -1e9 : epiR + septumGap - dist
            let cov = ramp(min(inside, -gapEdge), edgeSoft)
            v = mix(v, rvBlood * (1 + 0.4 * textureAmp * t1), cov)
            if q < 1 && (epiR < 0 || dist >= epiR + septumGap) { lab[k] = 1 }
          }
        }
        // LV: myocardium ring, then the blood pool with a trabeculated (noisy) edge.
        if epiR > 0 {
          if dist < epiR + 2 * edgeSoft {
            v = mix(v, myo * (1 + 0.4 * textureAmp * t2), ramp(epiR - dist, edgeSoft))
          }
          if dist < endoR + 2 * edgeSoft + 1 {
            let rough = endoR - dist + 0.8 * edgeSoft * t2
            v = mix(v, blood * (1 + 0.3 * textureAmp * t1), ramp(rough, edgeSoft))
          }
          if dist < endoR { lab[k] = 3 } else if dist < epiR { lab[k] = 2 }
        }
        for p in papillary {
          let d = p.inside(fr, fc)
          if d > -p.soft { v = mix(v, p.value, ramp(d, p.soft)) }
        }
        img[k] = v
      }
    }
    applyBias(&img)
    gaussianBlur(&img, size: S, sigma: blur)
    addRicianNoise(&img, sigma: noise * blood, rng: &rng)
    zscore(&img)
    return (img, lab)
  }

  private func applyBias(_ img: inout [Float]) {
    let S = size, h = Float(S - 1) / 2
    for r in 0..<S {
      let y = (Float(r) - h) / h
      for c in 0..<S {
        let x = (Float(c) - h) / h
        img[r * S + c] *= exp(bias[0] * x + bias[1] * y + bias[2] * x * x + bias[3] * y * y + bias[4] * x * y)
      }
    }
  }

  private func addRicianNoise(_ img: inout [Float], sigma: Float, rng: inout RNG) {
    for i in img.indices {
      let a = img[i] + sigma * fastNormal(&rng), b = sigma * fastNormal(&rng)
      img[i] = (a * a + b * b).squareRoot()
    }
  }

  private func zscore(_ img: inout [Float]) {
    var s: Float = 0, q: Float = 0
    for v in img { s += v; q += v * v }
    let m = s / Float(img.count)
    let inv = 1 / max((q / Float(img.count) - m * m).squareRoot(), 1e-6)
    for i in img.indices { img[i] = (img[i] - m) * inv }
  }
}

/// Separable Gaussian blur with clamped edges.
func gaussianBlur(_ img: inout [Float], size S: Int, sigma: Float) {
  guard sigma > 0.1 else { return }
  let radius = max(1, Int((2.5 * sigma).rounded(.up)))
  var kernel = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
  let total = kernel.reduce(0, +)
  kernel = kernel.map { $0 / total }
  var tmp = [Float](repeating: 0, count: S * S)
  img.withUnsafeBufferPointer { src in
    tmp.withUnsafeMutableBufferPointer { dst in
      for r in 0..<S {
        let row = r * S
        for c in 0..<S {
          var acc: Float = 0
          for j in 0...(2 * radius) { acc += kernel[j] * src[row + min(S - 1, max(0, c + j - radius))] }
          dst[row + c] = acc
        }
      }
    }
  }
  tmp.withUnsafeBufferPointer { src in
    img.withUnsafeMutableBufferPointer { dst in
      for r in 0..<S {
        for c in 0..<S {
          var acc: Float = 0
          for j in 0...(2 * radius) { acc += kernel[j] * src[min(S - 1, max(0, r + j - radius)) * S + c] }
          dst[r * S + c] = acc
        }
      }
    }
  }
}

/// Smooth random field: N(0, 1) values on a `cells × cells` lattice, bilinearly interpolated.
struct NoiseGrid {
  let cells: Int
  let values: [Float]
  let scale: Float

  init(cells: Int, size: Int, rng: inout RNG) {
    self.cells = cells
    values = (0..<((cells + 1) * (cells + 1))).map { _ in fastNormal(&rng) }
    scale = Float(cells) / Float(max(size - 1, 1))
  }

  @inline(__always)
  func at(_ r: Float, _ c: Float) -> Float {
    let y = r * scale, x = c * scale
    let i = min(Int(y), cells - 1), j = min(Int(x), cells - 1)
    let fy = y - Float(i), fx = x - Float(j)
    let w = cells + 1
    let top = values[i * w + j] * (1 - fx) + values[i * w + j + 1] * fx
    let bottom = values[(i + 1) * w + j] * (1 - fx) + values[(i + 1) * w + j + 1] * fx
    return top * (1 - fy) + bottom * fy
  }
}

extension SyntheticScene.Blob {
  /// Approximate signed distance inside the ellipse (positive inside), in pixels.
  @inline(__always)
  func inside(_ pr: Float, _ pc: Float) -> Float {
    let y = pr - r, x = pc - c
    if abs(y) > reach || abs(x) > reach { return -reach }
    let u = x * cs + y * sn, v = -x * sn + y * cs
    let q = ((u / a) * (u / a) + (v / b) * (v / b)).squareRoot()
    return (1 - q) * min(a, b)
  }
}

/// Coverage in [0, 1] of a soft edge at signed distance `d` (positive inside) of width `w`.
@inline(__always)
func ramp(_ d: Float, _ w: Float) -> Float { min(1, max(0, 0.5 + d / (2 * w))) }

@inline(__always)
func mix(_ a: Float, _ b: Float, _ t: Float) -> Float { a + (b - a) * t }

/// An approximately standard normal draw from one 64-bit word (Irwin–Hall of 4 uniforms).
@inline(__always)
func fastNormal(_ rng: inout RNG) -> Float {
  let x = rng.next()
  let s = Float(x & 0xFFFF) + Float((x >> 16) & 0xFFFF) + Float((x >> 32) & 0xFFFF) + Float(x >> 48)
  return (s * (1 / 65536) - 2) * 1.732_050_8
}
