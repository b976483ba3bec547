import Testing
@testable import Tensor

/// Energy of a contour in Double, +∞ when it breaks the smoothness bound.
private func energy(_ g: Tensor, _ b: Int, _ v: [Int], delta: Int) -> Double {
  let n = v.count
  var e = 0.0
  for i in 0..<n {
    if abs(v[i] - v[(i + 1) % n]) > delta { return .infinity }
    e += Double(g[b, i, v[i]])
  }
  return e
}

/// The minimal energy over all M^N contours.
private func bruteForce(_ g: Tensor, _ b: Int, delta: Int) -> Double {
  let (n, m) = (g.shape[1], g.shape[2])
  var v = [Int](repeating: 0, count: n)
  var best = Double.infinity
  while true {
    best = min(best, energy(g, b, v, delta: delta))
    var k = 0
    while k < n { v[k] += 1; if v[k] < m { break }; v[k] = 0; k += 1 }
    if k == n { return best }
  }
}

@Suite struct ContourDPTests {
  @Test func matchesBruteForce() throws {
    var rng = RNG(seed: 7)
    for delta in [1, 2] {
      for n in 1...5 {
        for m in 1...5 {
          let b = 4
          // Quantised costs make ties common, which exercises the tie handling.
          var g = rng.uniform([b, n, m], lo: -1, hi: 1)
          if (n + m) % 2 == 0 { g = g.map { ($0 * 4).rounded() } }
          let v = try dpContour(g, delta: delta)
          #expect(v.shape == [b, n])
          for i in 0..<b {
            let got = (0..<n).map { Int(v[i, $0]) }
            #expect(got.allSatisfy { $0 >= 0 && $0 < m })
            let e = energy(g, i, got, delta: delta)
            let want = bruteForce(g, i, delta: delta)
            #expect(abs(e - want) <= 1e-5, "N=\(n) M=\(m) δ=\(delta) item \(i): \(got) has \(e), best \(want)")
          }
        }
      }
    }
  }

  @Test func largerRandomAgainstNaiveStarts() throws {
    // Every start s with a plain full-band chain: the classic O(N·M²·δ) method.
    var rng = RNG(seed: 11)
    for (k, (n, m, delta)) in [(9, 17, 1), (12, 20, 3), (25, 30, 5), (7, 40, 0), (6, 8, 12), (25, 65, 1),
                               (10, 12, 1), (11, 9, 2)].enumerated() {
      var g = rng.uniform([3, n, m])
      if k % 2 == 1 { g = g.map { ($0 * 3).rounded() } }  // many exact ties
      let v = try dpContour(g, delta: delta)
      for b in 0..<3 {
        let got = (0..<n).map { Int(v[b, $0]) }
        let e = energy(g, b, got, delta: delta)
        #expect(abs(e - naiveClosed(g, b, delta: delta)) <= 1e-4)
      }
    }
  }

  @Test func conformanceExamples() throws {
    let row: [Float] = [0, 0, -1, 0, 0]
    let g = try Tensor(shape: [1, 4, 5], scalars: Array([[Float]](repeating: row, count: 4).joined()))
    #expect(try dpContour(g, delta: 1).scalars == [2, 2, 2, 2])
    let h = try Tensor(shape: [1, 4, 5], scalars: [0, 0, 0, 0, -10, -1, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 0, 0, 0, 0])
    #expect(try dpContour(h, delta: 2).scalars == [4, 2, 0, 2])
  }

  @Test func rejectsBadInput() {
    #expect(throws: TensorError.self) { try dpContour(Tensor.zeros([4, 5]), delta: 1) }
    #expect(throws: TensorError.self) { try dpContour(Tensor.zeros([1, 4, 0]), delta: 1) }
    #expect(throws: TensorError.self) { try dpContour(Tensor.zeros([1, 4, 5]), delta: -1) }
    var g = Tensor.zeros([1, 4, 5])
    g[0, 1, 2] = .nan
    #expect(throws: TensorError.self) { try dpContour(g, delta: 1) }
  }

  @Test func energyOfAContour() throws {
    let g = try Tensor(shape: [2, 3, 2], scalars: [1, 2, 3, 4, 5, 6, /**/ 0, 1, 0, 1, 0, 1])
    let v = try IntTensor(shape: [2, 3], scalars: [0, 1, 0, 1, 1, 1])
    #expect(try contourEnergy(g, v, delta: 1).scalars == [1 + 4 + 5, 3])
    #expect(try contourEnergy(g, v, delta: 0).scalars == [.infinity, 3])
    #expect(throws: TensorError.self) { try contourEnergy(g, IntTensor(shape: [2, 3], repeating: 2), delta: 1) }
  }

  @Test func emptyBatch() throws {
    #expect(try dpContour(Tensor.zeros([0, 4, 5]), delta: 1).shape == [0, 4])
  }
}

/// Minimal closed energy by running a full chain from every start (Double).
private func naiveClosed(_ g: Tensor, _ b: Int, delta: Int) -> Double {
  let (n, m) = (g.shape[1], g.shape[2])
  var best = Double.infinity
  for s in 0..<m {
    var c = [Double](repeating: .infinity, count: m)
    c[s] = Double(g[b, 0, s])
    for r in 1..<n {
      var next = [Double](repeating: .infinity, count: m)
      for j in 0..<m {
        for i in max(0, j - delta)...min(m - 1, j + delta) { next[j] = min(next[j], c[i]) }
        next[j] += Double(g[b, r, j])
      }
      c = next
    }
    for j in max(0, s - delta)...min(m - 1, s + delta) { best = min(best, c[j]) }
  }
  return best
}
