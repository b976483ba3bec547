import Foundation
import Autodiff
import Testing
@testable import Tensor

/// Naive bilinear/nearest reading of one point, Double, clamped to the border.
private func naiveRead(_ map: Tensor, _ b: Int, _ c: Int, x: Double, y: Double, nearest: Bool) -> Double {
  let (h, w) = (map.shape[2], map.shape[3])
  let x = min(max(x, 0), Double(w - 1)), y = min(max(y, 0), Double(h - 1))
  func at(_ yy: Int, _ xx: Int) -> Double { Double(map[b, c, min(yy, h - 1), min(xx, w - 1)]) }
  if nearest { return at(Int(y.rounded()), Int(x.rounded())) }
  let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
  let fx = x - Double(x0), fy = y - Double(y0)
  return (1 - fx) * (1 - fy) * at(y0, x0) + fx * (1 - fy) * at(y0, x0 + 1)
    + (1 - fx) * fy * at(y0 + 1, x0) + fx * fy * at(y0 + 1, x0 + 1)
}

private func naiveSample(_ map: Tensor, centers: [Float], rotation: [Float], pattern p: StarPattern, nearest: Bool) -> [Double] {
  var out: [Double] = []
  for b in 0..<map.shape[0] {
    for c in 0..<map.shape[1] {
      for n in 0..<p.lines {
        let theta = 2 * Double.pi * Double(n) / Double(p.lines) + Double(rotation[b])
        for m in 0..<p.points {
          let r = p.points > 1 ? Double(p.radius) * Double(m) / Double(p.points - 1) : 0
          out.append(naiveRead(map, b, c, x: Double(centers[2 * b]) + r * cos(theta),
                               y: Double(centers[2 * b + 1]) + r * sin(theta), nearest: nearest))
        }
      }
    }
  }
  return out
}

@Suite struct ContourStarSampleTests {
  let pattern = StarPattern(lines: 7, points: 6, radius: 5.5)
  // Item 1's star pokes out of the 11×13 image, so clamping is exercised.
  let centersList: [Float] = [6.3, 5.2, 1.5, 9.7]
  let rotationList: [Float] = [0.3, -0.45]

  @Test(arguments: [StarInterpolation.nearest, .bilinear])
  func forwardMatchesNaive(_ mode: StarInterpolation) throws {
    var rng = RNG(seed: 3)
    let map = rng.uniform([2, 2, 11, 13])
    let centers = try Tensor(shape: [2, 2], scalars: centersList)
    let rotation = try Tensor(shape: [2], scalars: rotationList)
    let got = try starSample(map, centers: centers, rotation: rotation, pattern: pattern, interpolation: mode)
    #expect(got.shape == [2, 2, 7, 6])
    let want = naiveSample(map, centers: centersList, rotation: rotationList, pattern: pattern, nearest: mode == .nearest)
    for (a, b) in zip(got.scalars, want) { #expect(abs(Double(a) - b) < 1e-5) }
  }

  @Test func bilinearBackwardMatchesFiniteDifferences() throws {
    var rng = RNG(seed: 4)
    let map = rng.uniform([2, 1, 11, 13])
    let centers = try Tensor(shape: [2, 2], scalars: centersList)
    let rotation = try Tensor(shape: [2], scalars: rotationList)
    let v = rng.normal([2, 1, 7, 6])
    let grad = try starSampleBackward(v, centers: centers, rotation: rotation, pattern: pattern,
                                      interpolation: .bilinear, height: 11, width: 13)
    // L(map) = Σ v · sample(map) is linear, so central differences in Double are exact
    // up to rounding; checked on every pixel.
    let vs = v.scalars.map(Double.init)
    func loss(_ m: Tensor) -> Double {
      zip(naiveSample(m, centers: centersList, rotation: rotationList, pattern: pattern, nearest: false), vs)
        .reduce(0) { $0 + $1.0 * $1.1 }
    }
    let fd = try FiniteDifferences(step: 0.25).derivatives(at: [map]) { loss($0[0]) }[0]
    for i in 0..<map.count { #expect(abs(fd[i] - Double(grad[flat: i])) < 1e-4, "pixel \(i)") }
  }

  @Test func nearestBackwardIsAScatter() throws {
    var rng = RNG(seed: 5)
    let centers = try Tensor(shape: [2, 2], scalars: centersList)
    let v = rng.normal([2, 3, 7, 6])
    let grad = try starSampleBackward(v, centers: centers, pattern: pattern, interpolation: .nearest, height: 11, width: 13)
    var want = [Double](repeating: 0, count: 2 * 3 * 11 * 13)
    for b in 0..<2 {
      for c in 0..<3 {
        for n in 0..<7 {
          let theta = 2 * Double.pi * Double(n) / 7
          for m in 0..<6 {
            let r = 5.5 * Double(m) / 5
            let x = min(max(Double(centersList[2 * b]) + r * cos(theta), 0), 12).rounded()
            let y = min(max(Double(centersList[2 * b + 1]) + r * sin(theta), 0), 10).rounded()
            want[((b * 3 + c) * 11 + Int(y)) * 13 + Int(x)] += Double(v[b, c, n, m])
          }
        }
      }
    }
    for (a, b) in zip(grad.scalars, want) { #expect(abs(Double(a) - b) < 1e-5) }
  }

  @Test func rejectsBadShapes() throws {
    let map = Tensor.zeros([2, 1, 8, 8])
    #expect(throws: TensorError.self) { try starSample(Tensor.zeros([8, 8]), centers: Tensor.zeros([2, 2]), pattern: pattern) }
    #expect(throws: TensorError.self) { try starSample(map, centers: Tensor.zeros([3, 2]), pattern: pattern) }
    #expect(throws: TensorError.self) { try starSample(map, centers: Tensor.zeros([2, 2]), rotation: Tensor.zeros([3]), pattern: pattern) }
    #expect(throws: TensorError.self) { try starSample(map, centers: Tensor.zeros([2, 2]), pattern: StarPattern(lines: 0, points: 3, radius: 2)) }
    #expect(throws: TensorError.self) {
      try starSampleBackward(Tensor.zeros([2, 1, 7, 5]), centers: Tensor.zeros([2, 2]), pattern: pattern, height: 8, width: 8)
    }
  }
}
