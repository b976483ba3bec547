import Foundation
import Testing
@testable import Tensor

/// Smooth random star-shaped blobs `r(θ) = r0 (1 + Σ_k a_k cos(kθ + φ_k))` around `centers`.
private func blobs(_ rng: inout RNG, count: Int, size: Int) -> (mask: Tensor, centers: [Float]) {
  var mask = Tensor.zeros([count, size, size])
  var centers: [Float] = []
  for b in 0..<count {
    let cx = Double(size) / 2 + 6 * (rng.uniform() - 0.5), cy = Double(size) / 2 + 6 * (rng.uniform() - 0.5)
    let r0 = Double(size) * (0.18 + 0.1 * rng.uniform())
    let harmonics = (2...4).map { _ in (0.08 * rng.uniform(), 2 * Double.pi * rng.uniform()) }
    for y in 0..<size {
      for x in 0..<size {
        let (dx, dy) = (Double(x) - cx, Double(y) - cy)
        let theta = atan2(dy, dx)
        var r = r0
        for (k, (a, phi)) in harmonics.enumerated() { r += r0 * a * cos(Double(k + 2) * theta + phi) }
        if dx * dx + dy * dy <= r * r { mask[b, y, x] = 1 }
      }
    }
    centers += [Float(cx), Float(cy)]
  }
  return (mask, centers)
}

@Suite struct ContourMaskTests {
  @Test func targetsThenRasterizeReproduceBlobs() throws {
    var rng = RNG(seed: 21)
    let size = 64
    let (mask, c) = blobs(&rng, count: 6, size: size)
    let centers = try Tensor(shape: [6, 2], scalars: c)
    let rotation = rng.uniform([6], lo: -0.5, hi: 0.5)
    // One sample per pixel of radius: 31 points out to radius 30.
    let pattern = StarPattern(lines: 48, points: 31, radius: 30)
    let targets = try starTargets(mask, centers: centers, rotation: rotation, pattern: pattern)
    #expect(targets.shape == [6, 48])
    let filled = try rasterizeStar(targets.map { Float($0) }, centers: centers, rotation: rotation,
                                   pattern: pattern, height: size, width: size)
    let scores = try dice(filled, mask)
    for s in scores.scalars { #expect(s >= 0.95) }
    let boxed = try diceInBox(filled, mask, centers: centers, halfSize: 30)
    for s in boxed.scalars { #expect(s >= 0.95) }
  }

  @Test func targetsOnADisc() throws {
    // A disc of radius 5.2 around (10, 10): samples at r = 0…9 (one per pixel); the
    // last inside is r = 5, so every ray's edge is 5 (between r = 5 and r = 6).
    var mask = Tensor.zeros([1, 1, 21, 21])
    for y in 0..<21 { for x in 0..<21 where (x - 10) * (x - 10) + (y - 10) * (y - 10) <= 27 { mask[0, 0, y, x] = 1 } }
    let centers = try Tensor(shape: [1, 2], scalars: [10, 10])
    let t = try starTargets(mask, centers: centers, pattern: StarPattern(lines: 4, points: 10, radius: 9))
    #expect(t.scalars == [5, 5, 5, 5])
    // Never leaves: the last edge; centre outside: edge 0.
    let full = Tensor.ones([1, 21, 21])
    #expect(try starTargets(full, centers: centers, pattern: StarPattern(lines: 2, points: 5, radius: 4)).scalars == [3, 3])
    #expect(try starTargets(Tensor.zeros([1, 21, 21]), centers: centers, pattern: StarPattern(lines: 2, points: 5, radius: 4)).scalars == [0, 0])
  }

  @Test func rasterizeSquareStar() throws {
    // Four rays (0°, 90°, 180°, 270°) with vertices at radius 2.5: a diamond |x|+|y| ≤ 2.5
    // around (5, 5) on pixel centres.
    let pattern = StarPattern(lines: 4, points: 11, radius: 10)
    let m = try rasterizeStar(Tensor(shape: [1, 4], scalars: [2, 2, 2, 2]), centers: Tensor(shape: [1, 2], scalars: [5, 5]),
                              pattern: pattern, height: 11, width: 11)
    var count = 0
    for y in 0..<11 {
      for x in 0..<11 {
        let inside = abs(x - 5) + abs(y - 5) <= 2
        #expect((m[0, y, x] == 1) == inside, "pixel (\(x), \(y))")
        count += inside ? 1 : 0
      }
    }
    #expect(count == 13)
    #expect(throws: TensorError.self) {
      try rasterizeStar(Tensor.zeros([1, 3]), centers: Tensor.zeros([1, 2]), pattern: pattern, height: 4, width: 4)
    }
  }

  @Test func diceByHand() throws {
    let a = try Tensor(shape: [3, 2, 2], scalars: [1, 1, 0, 0, /**/ 1, 0, 0, 0, /**/ 0, 0, 0, 0])
    let b = try Tensor(shape: [3, 2, 2], scalars: [1, 0, 0, 0, /**/ 0, 1, 0, 0, /**/ 0, 0, 0, 0])
    #expect(try dice(a, b).scalars == [2.0 / 3, 0, 1])
    #expect(abs(try meanDice(a, b) - 5.0 / 9) < 1e-6)
    #expect(throws: TensorError.self) { try dice(a, Tensor.zeros([3, 4])) }
    // In a box of half-size 1 around (1, 1) on 5×5: only the 3×3 corner counts.
    var p = Tensor.zeros([1, 5, 5]), q = Tensor.zeros([1, 5, 5])
    p[0, 1, 1] = 1; q[0, 1, 1] = 1
    p[0, 4, 4] = 1  // outside the box
    let centers = try Tensor(shape: [1, 2], scalars: [1, 1])
    #expect(try diceInBox(p, q, centers: centers, halfSize: 1).scalars == [1])
    #expect(try dice(p, q).scalars == [Float(2) / 3])
  }

  @Test func jitterStaysInside() throws {
    var rng = RNG(seed: 2)
    let (mask, _) = blobs(&rng, count: 4, size: 48)
    var a = RNG(seed: 99), b = RNG(seed: 99)
    let (centers, rotation) = try jitteredStarPlacement(mask, rng: &a)
    let again = try jitteredStarPlacement(mask, rng: &b)
    #expect(centers == again.centers && rotation == again.rotation)
    for i in 0..<4 {
      #expect(abs(rotation[i]) <= 0.5)
      let x = Int(centers[i, 0].rounded()), y = Int(centers[i, 1].rounded())
      #expect(mask[i, y, x] == 1)
    }
  }
}
