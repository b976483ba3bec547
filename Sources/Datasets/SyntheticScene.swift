import Foundation
import Tensor

/// The random anatomy and acquisition of one synthetic slice, in pixel units of an
/// `S × S` image (`u = S / 128` scales every length). Drawn by `init`, drawn into pixels by
/// `render` (in SyntheticRender.swift).
struct SyntheticScene {
  /// An ellipse: centre, semi-axes, rotation, soft-edge width, intensity.
  struct Blob {
    var r: Float, c: Float, a: Float, b: Float, angle: Float, soft: Float, value: Float
    /// cos and sin of `angle`, and the half-width of a box that holds the soft ellipse.
    let cs: Float, sn: Float, reach: Float

    init(r: Float, c: Float, a: Float, b: Float, angle: Float, soft: Float, value: Float) {
      (self.r, self.c, self.a, self.b, self.angle, self.soft, self.value) = (r, c, a, b, angle, soft, value)
      cs = cos(angle)
      sn = sin(angle)
      reach = max(a, b) + 2 * soft + 1
    }
  }

  let size: Int
  // LV geometry: centre, endocardial and epicardial radius per angle bin.
  static let bins = 128
  var lvR: Float = 0, lvC: Float = 0
  var endo: [Float] = []
  var epi: [Float] = []
  var maxEpi: Float = 0
  // RV: an ellipse beside the septum, minus the LV epicardium and a gap.
  var hasRV = false
  var rv = Blob(r: 0, c: 0, a: 0, b: 0, angle: 0, soft: 1, value: 0)
  var rvWall: Float = 0
  var septumGap: Float = 0
  // Papillary muscles inside the cavity (label stays 3, as in ACDC).
  var papillary: [Blob] = []
  // Intensities.
  var blood: Float = 1, myo: Float = 0.3, rvBlood: Float = 1, air: Float = 0.02
  var edgeSoft: Float = 1
  // Surroundings.
  var body = Blob(r: 0, c: 0, a: 0, b: 0, angle: 0, soft: 2, value: 0.35)
  var organs: [Blob] = []
  var fatWidth: Float = 0
  var fatPhase: Float = 0, fatFreq: Float = 2, fatLevel: Float = 0.5, fatValue: Float = 0.8
  // Acquisition.
  var bias: [Float] = []
  var blur: Float = 1
  var noise: Float = 0.05
  var textureAmp: Float = 0.15

  init(size: Int, rng: inout RNG) {
    self.size = size
    let u = Float(size) / 128
    let S = Float(size)
    func uni(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * Float(rng.uniform()) }
    func nrm(_ s: Float) -> Float { s * Float(rng.normal()) }

    // Slice level (0 apex … 1 base) and cardiac phase (1 diastole … 0.6 systole).
    let level = uni(0, 1)
    let phase = uni(0.6, 1)
    let scale = uni(0.8, 1.2) * u
    let r0 = scale * (3 + 10 * Float(pow(Double(level), 0.6))) * phase.squareRoot()
    let wall = scale * (2.8 + 2.2 * Float(rng.uniform())) * (1 + 0.35 * (1 - phase))
    lvR = S / 2 + max(-0.18 * S, min(0.18 * S, nrm(7 * u)))
    lvC = S / 2 + max(-0.18 * S, min(0.18 * S, nrm(7 * u)))

    // Radii as low-order Fourier series over angle.
    var endoCoef: [(Float, Float)] = [], epiCoef: [(Float, Float)] = []
    for k in 2...4 { endoCoef.append((nrm(0.07 / Float(k - 1)), uni(0, 2 * .pi))) }
    for _ in 1...2 { epiCoef.append((nrm(0.18), uni(0, 2 * .pi))) }
    endo = [Float](repeating: 0, count: Self.bins)
    epi = endo
    for i in 0..<Self.bins {
      let t = 2 * Float.pi * Float(i) / Float(Self.bins)
      var e: Float = 1
      for (k, (a, p)) in endoCoef.enumerated() { e += a * cos(Float(k + 2) * t + p) }
      var w: Float = 1
      for (k, (a, p)) in epiCoef.enumerated() { w += a * cos(Float(k + 1) * t + p) }
      endo[i] = max(1.2 * u, r0 * e)
      epi[i] = endo[i] + max(1.2 * u, wall * w)
    }
    maxEpi = epi.max() ?? 0
    let meanEpi = epi.reduce(0, +) / Float(Self.bins)

    // RV beside the septum: pointing roughly to one side of the image, absent near the apex.
    let rvDir = 0.8 * Float.pi + nrm(0.4)
    hasRV = level > 0.12 || rng.uniform() < 0.3
    if hasRV {
      let radial = scale * (2.5 + 5.5 * level) * uni(0.7, 1.3)
      let tangential = meanEpi * uni(1.05, 1.6)
      let d = meanEpi + radial * 0.35
      rv = Blob(r: lvR + d * sin(rvDir), c: lvC + d * cos(rvDir), a: radial + meanEpi * 0.45, b: tangential,
                angle: rvDir, soft: 1, value: 1)
      rvWall = uni(1, 2) * u
      septumGap = uni(0.3, 1.2) * u
    }

    // Papillary muscles: dark blobs in the cavity near the wall, away from the septum.
    if r0 > 4.5 * u {
      for _ in 0..<rng.int(below: 3) {
        let t = rvDir + .pi + nrm(0.9)
        let bin = Self.bin(t)
        let pr = r0 * uni(0.14, 0.26)
        let d = endo[bin] - pr * uni(0.4, 1.1)
        papillary.append(Blob(r: lvR + d * sin(t), c: lvC + d * cos(t), a: pr, b: pr * uni(0.7, 1.3),
                              angle: uni(0, .pi), soft: 0.7 * u, value: 0))
      }
    }

    // Intensities: bright blood, darker myocardium with variable contrast.
    blood = uni(0.75, 1)
    myo = blood * uni(0.2, 0.5)
    rvBlood = blood * uni(0.8, 1.05)
    edgeSoft = uni(0.4, 1.8) * u
    for i in papillary.indices { papillary[i].value = myo * uni(0.9, 1.3) }

    // Body, lungs, liver, aorta, other bright structures.
    body = Blob(r: S / 2 + nrm(3 * u), c: S / 2 + nrm(3 * u), a: S * uni(0.4, 0.6), b: S * uni(0.5, 0.75),
                angle: nrm(0.2), soft: 1.5 * u, value: uni(0.3, 0.55))
    let side = rvDir + .pi / 2
    for sgn: Float in [-1, 1] where rng.uniform() < 0.85 {
      let d = maxEpi + uni(6, 16) * u
      let t = side + (sgn < 0 ? .pi : 0) + nrm(0.3)
      organs.append(Blob(r: lvR + d * sin(t), c: lvC + d * cos(t), a: uni(8, 16) * u, b: uni(14, 26) * u,
                         angle: t, soft: 2 * u, value: uni(0.02, 0.1)))
    }
    if rng.uniform() < 0.7 {
      let t = rvDir + .pi * 0.9 + nrm(0.4), d = maxEpi + uni(8, 20) * u
      organs.append(Blob(r: lvR + d * sin(t), c: lvC + d * cos(t), a: uni(12, 22) * u, b: uni(16, 30) * u,
                         angle: uni(0, .pi), soft: 2 * u, value: uni(0.35, 0.6)))
    }
    let aortaD = maxEpi + uni(4, 14) * u, aortaT = rvDir + .pi + nrm(0.8)
    let ar = uni(2.5, 5) * u
    organs.append(Blob(r: lvR + aortaD * sin(aortaT), c: lvC + aortaD * cos(aortaT), a: ar, b: ar * uni(0.85, 1.15),
                       angle: 0, soft: 0.8 * u, value: blood * uni(0.8, 1.05)))
    for _ in 0..<rng.int(below: 5) {
      let t = uni(0, 2 * .pi), d = maxEpi + uni(6, 30) * u, br = uni(1.5, 5) * u
      organs.append(Blob(r: lvR + d * sin(t), c: lvC + d * cos(t), a: br, b: br * uni(0.6, 1.4), angle: uni(0, .pi),
                         soft: 1 * u, value: uni(0.5, 0.95)))
    }
    fatWidth = uni(0, 2.5) * u
    fatPhase = uni(0, 2 * .pi)
    fatFreq = Float(1 + rng.int(below: 3))
    fatLevel = uni(-0.2, 0.7)
    fatValue = uni(0.55, 0.9)

    // Acquisition: bias field (quadratic, in log space), blur, noise, texture.
    bias = (0..<5).map { _ in nrm(0.22) }
    blur = uni(0.35, 1.2) * u
    noise = uni(0.015, 0.08)
    textureAmp = uni(0.05, 0.2)
  }

  /// The angle bin of `t` (radians).
  @inline(__always)
  static func bin(_ t: Float) -> Int {
    var i = Int((t / (2 * .pi) * Float(bins)).rounded(.down)) % bins
    if i < 0 { i += bins }
    return i
  }
}
