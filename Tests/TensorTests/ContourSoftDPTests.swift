import Foundation
import Testing
@testable import Tensor

/// Every closed contour of item `b` (`|v_n − v_(n+1 mod N)| ≤ δ`) with its energy, in Double.
private func contours(_ g: Tensor, _ b: Int, delta: Int) -> [([Int], Double)] {
  let (n, m) = (g.shape[1], g.shape[2])
  var v = [Int](repeating: 0, count: n), out: [([Int], Double)] = []
  while true {
    if (0..<n).allSatisfy({ abs(v[$0] - v[($0 + 1) % n]) <= delta }) {
      out.append((v, (0..<n).reduce(0.0) { $0 + Double(g[b, $1, v[$1]]) }))
    }
    var k = 0
    while k < n { v[k] += 1; if v[k] < m { break }; v[k] = 0; k += 1 }
    if k == n { return out }
  }
}

/// The Gibbs marginals `[n][m]` and the smoothed minimum of item `b` by enumeration.
private func bruteForce(_ g: Tensor, _ b: Int, delta: Int, gamma: Double) -> ([[Double]], Double) {
  let (n, m) = (g.shape[1], g.shape[2])
  let all = contours(g, b, delta: delta)
  let best = all.map(\.1).min() ?? 0
  var mu = [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
  var z = 0.0
  for (v, e) in all {
    let w = exp(-(e - best) / gamma)
    z += w
    for r in 0..<n { mu[r][v[r]] += w }
  }
  return (mu.map { $0.map { $0 / z } }, best - gamma * log(z))
}

@Suite struct ContourSoftDPTests {
  @Test func marginalsMatchEnumeration() throws {
    var rng = RNG(seed: 5)
    for delta in [0, 1, 2] {
      for n in 1...4 {
        for m in 1...4 {
          for gamma: Float in [0.25, 1, 3] {
            let g = rng.uniform([2, n, m], lo: -1, hi: 1)
            let mu = try dpContourSoft(g, delta: delta, gamma: gamma)
            let value = try dpContourSoftValue(g, delta: delta, gamma: gamma)
            #expect(mu.shape == [2, n, m])
            for b in 0..<2 {
              let (want, wantValue) = bruteForce(g, b, delta: delta, gamma: Double(gamma))
              for r in 0..<n {
                for j in 0..<m {
                  #expect(abs(Double(mu[b, r, j]) - want[r][j]) <= 1e-6,
                          "N=\(n) M=\(m) δ=\(delta) γ=\(gamma) item \(b) μ[\(r), \(j)] = \(mu[b, r, j]), want \(want[r][j])")
                }
              }
              #expect(abs(Double(value[b]) - wantValue) <= 1e-5 * max(1, abs(wantValue)), "N=\(n) M=\(m) δ=\(delta) γ=\(gamma)")
            }
          }
        }
      }
    }
  }

  @Test func rowsSumToOne() throws {
    var rng = RNG(seed: 8)
    for (n, m, delta, gamma) in [(25, 19, 1, Float(1)), (25, 65, 1, 0.1), (9, 17, 3, 0.01), (7, 40, 0, 2), (6, 8, 12, 0.5), (3, 50, 1, 1e-4)] {
      let g = rng.uniform([3, n, m], lo: -2, hi: 2)
      let mu = try dpContourSoft(g, delta: delta, gamma: gamma)
      for b in 0..<3 {
        for r in 0..<n {
          let row = (0..<m).map { Double(mu[b, r, $0]) }
          #expect(row.allSatisfy { $0 >= 0 && $0 <= 1 })
          #expect(abs(row.reduce(0, +) - 1) <= 1e-5, "N=\(n) M=\(m) δ=\(delta) γ=\(gamma) item \(b) ray \(r): \(row.reduce(0, +))")
        }
      }
    }
  }

  /// As γ → 0 the marginals put their mass on `dp_contour`'s contour (random costs have
  /// no ties), and the smoothed minimum tends to its energy.
  @Test func zeroTemperatureIsTheDP() throws {
    var rng = RNG(seed: 13)
    for (n, m, delta) in [(25, 19, 1), (25, 65, 1), (9, 17, 2), (12, 20, 3), (7, 40, 0), (1, 6, 1), (2, 9, 1), (10, 12, 1)] {
      let g = rng.uniform([4, n, m])
      let hard = try dpContour(g, delta: delta)
      let energy = try contourEnergy(g, hard, delta: delta)
      let gamma: Float = 1e-5
      let mu = try dpContourSoft(g, delta: delta, gamma: gamma)
      let value = try dpContourSoftValue(g, delta: delta, gamma: gamma)
      for b in 0..<4 {
        for r in 0..<n {
          let row = (0..<m).map { mu[b, r, $0] }
          let argmax = row.indices.max { row[$0] < row[$1] } ?? -1
          #expect(argmax == Int(hard[b, r]), "N=\(n) M=\(m) δ=\(delta) item \(b) ray \(r)")
        }
        // −γ log Z lies in [E* − γ log(#contours), E*].
        let slack = Double(gamma) * (Double(n) * log(Double(m)) + 1) + 1e-5
        #expect(Double(value[b]) <= Double(energy[b]) + 1e-5 && Double(value[b]) >= Double(energy[b]) - slack)
      }
    }
  }

  /// The marginals are the gradient of the smoothed minimum (central differences of the value).
  @Test func marginalsAreTheValueGradient() throws {
    var rng = RNG(seed: 21)
    let (n, m, delta, gamma): (Int, Int, Int, Float) = (6, 5, 1, 0.7)
    let g = rng.uniform([2, n, m], lo: -1, hi: 1)
    let mu = try dpContourSoft(g, delta: delta, gamma: gamma)
    let h: Float = 1e-2
    for k in 0..<g.count {
      var plus = g, minus = g
      plus[flat: k] += h
      minus[flat: k] -= h
      let vp = try dpContourSoftValue(plus, delta: delta, gamma: gamma), vm = try dpContourSoftValue(minus, delta: delta, gamma: gamma)
      let b = k / (n * m)
      let numeric = (Double(vp[b]) - Double(vm[b])) / Double(plus[flat: k] - minus[flat: k])
      #expect(abs(numeric - Double(mu[flat: k])) <= 2e-3, "element \(k): \(numeric) vs \(mu[flat: k])")
    }
  }

  /// The VJP against central differences of ⟨u, μ(g)⟩, element by element.
  @Test func backwardMatchesFiniteDifferences() throws {
    var rng = RNG(seed: 34)
    for (n, m, delta, gamma) in [(5, 6, 1, Float(0.5)), (7, 4, 2, 1), (1, 5, 1, 0.8), (2, 4, 0, 0.6), (4, 9, 1, 0.3)] {
      let g = rng.uniform([2, n, m], lo: -1, hi: 1)
      let u = rng.uniform([2, n, m], lo: -1, hi: 1)
      let analytic = try dpContourSoftBackward(u, g: g, delta: delta, gamma: gamma)
      func loss(_ x: Tensor) throws -> Double {
        let mu = try dpContourSoft(x, delta: delta, gamma: gamma)
        return (0..<mu.count).reduce(0.0) { $0 + Double(mu[flat: $1]) * Double(u[flat: $1]) }
      }
      let scale = (0..<analytic.count).map { abs(Double(analytic[flat: $0])) }.max() ?? 0
      let h: Float = 3e-3
      for k in 0..<g.count {
        var plus = g, minus = g
        plus[flat: k] += h
        minus[flat: k] -= h
        let numeric = (try loss(plus) - loss(minus)) / Double(plus[flat: k] - minus[flat: k])
        let a = Double(analytic[flat: k])
        #expect(abs(a - numeric) <= 2e-3 * max(scale, 1e-2) + 1e-2 * abs(numeric),
                "N=\(n) M=\(m) δ=\(delta) γ=\(gamma) element \(k): \(a) vs \(numeric)")
      }
    }
  }

  /// Every contour has one point per ray, so shifting one ray's costs by a constant changes
  /// no probability: the VJP of any `u` sums to zero along each ray. And a `u` constant per
  /// ray (⟨u, μ⟩ fixed) gives zero.
  @Test func backwardInvariants() throws {
    var rng = RNG(seed: 55)
    let g = rng.uniform([3, 8, 7], lo: -1, hi: 1)
    let u = rng.uniform([3, 8, 7], lo: -1, hi: 1)
    let v = try dpContourSoftBackward(u, g: g, delta: 1, gamma: 0.4)
    for ray in 0..<24 {
      let total = (0..<7).reduce(0.0) { $0 + Double(v[flat: ray * 7 + $1]) }
      #expect(abs(total) <= 1e-4)
    }
    let perRay = Tensor(shape: [3, 8, 7]) { Float(($0 / 7) % 8) * 0.3 - 1 }
    let w = try dpContourSoftBackward(perRay, g: g, delta: 1, gamma: 0.4)
    #expect(w.scalars.allSatisfy { abs($0) <= 1e-4 })
  }

  /// Results do not depend on the number of threads.
  @Test func threadCountInvariant() throws {
    var rng = RNG(seed: 3)
    let g = rng.uniform([9, 25, 19])
    let u = rng.uniform([9, 25, 19])
    let one = try Parallel.$workersOverride.withValue(1) {
      (try dpContourSoft(g, delta: 1, gamma: 0.3), try dpContourSoftBackward(u, g: g, delta: 1, gamma: 0.3))
    }
    let four = try Parallel.$workersOverride.withValue(4) {
      (try dpContourSoft(g, delta: 1, gamma: 0.3), try dpContourSoftBackward(u, g: g, delta: 1, gamma: 0.3))
    }
    #expect(one.0.scalars == four.0.scalars && one.1.scalars == four.1.scalars)
  }

  @Test func rejectsBadInput() throws {
    #expect(throws: TensorError.self) { try dpContourSoft(Tensor.zeros([4, 5]), delta: 1, gamma: 1) }
    #expect(throws: TensorError.self) { try dpContourSoft(Tensor.zeros([1, 4, 0]), delta: 1, gamma: 1) }
    #expect(throws: TensorError.self) { try dpContourSoft(Tensor.zeros([1, 4, 5]), delta: -1, gamma: 1) }
    #expect(throws: TensorError.self) { try dpContourSoft(Tensor.zeros([1, 4, 5]), delta: 1, gamma: 0) }
    #expect(throws: TensorError.self) { try dpContourSoft(Tensor.zeros([1, 4, 5]), delta: 1, gamma: .infinity) }
    var g = Tensor.zeros([1, 4, 5])
    g[0, 1, 2] = .nan
    #expect(throws: TensorError.self) { try dpContourSoft(g, delta: 1, gamma: 1) }
    #expect(throws: TensorError.self) { try dpContourSoftBackward(Tensor.zeros([1, 4, 4]), g: Tensor.zeros([1, 4, 5]), delta: 1, gamma: 1) }
    #expect(try dpContourSoft(Tensor.zeros([0, 4, 5]), delta: 1, gamma: 1).shape == [0, 4, 5])
  }
}
