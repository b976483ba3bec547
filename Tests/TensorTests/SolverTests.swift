import Foundation
import Testing
@testable import Tensor

/// The exact solvers (`Solvers/`) against brute force: every source → target path of small
/// random DAGs and grids, every subset of small knapsacks; costs and values of both signs.
struct SolverTests {
  /// Every path from `s` to `t` as a list of edge indices.
  static func allPaths(_ edges: [(from: Int, to: Int)], from s: Int, to t: Int) -> [[Int]] {
    if s == t { return [[]] }
    var out: [[Int]] = []
    for (k, e) in edges.enumerated() where e.from == s {
      for rest in allPaths(edges, from: e.to, to: t) { out.append([k] + rest) }
    }
    return out
  }

  static func grid(_ rows: Int, _ cols: Int) -> [(from: Int, to: Int)] {
    var edges: [(from: Int, to: Int)] = []
    for i in 0..<rows {
      for j in 0..<cols - 1 { edges.append((i * cols + j, i * cols + j + 1)) }
      if i < rows - 1 { for j in 0..<cols { edges.append((i * cols + j, (i + 1) * cols + j)) } }
    }
    return edges
  }

  static func pairs(_ edges: [(from: Int, to: Int)]) throws -> IntTensor {
    try IntTensor(shape: [edges.count, 2], scalars: edges.flatMap { [Int32($0.from), Int32($0.to)] })
  }

  /// A random DAG on `n` nodes that always has the chain 0 → 1 → … → n−1 (so every target
  /// is reachable), plus random forward edges.
  static func randomDAG(_ n: Int, rng: inout RNG) -> [(from: Int, to: Int)] {
    var edges = (0..<n - 1).map { (from: $0, to: $0 + 1) }
    for a in 0..<n { for b in a + 2..<max(a + 2, n) where rng.uniform() < 0.4 { edges.append((a, b)) } }
    // Shuffled, so the edge order is not the node order.
    for i in stride(from: edges.count - 1, to: 0, by: -1) { edges.swapAt(i, rng.int(below: i + 1)) }
    return edges
  }

  @Test func shortestPathsAreOptimalPaths() throws {
    var rng = RNG(seed: 11)
    let graphs = [Self.grid(3, 3), Self.grid(4, 5), Self.grid(2, 6)] + (0..<6).map { _ in Self.randomDAG(7, rng: &rng) }
    for edges in graphs {
      let dag = try EdgeDAG(try Self.pairs(edges))
      let t = dag.nodeCount - 1
      for (s, target) in [(0, t), (0, -1), (1, t - 1)] {
        let paths = Self.allPaths(edges, from: s, to: target < 0 ? t : target)
        let costs = rng.normal([6, edges.count], mean: 0.5, std: 1)  // some negative
        let w = try dag.shortestPaths(costs, source: s, target: target)
        for r in 0..<6 {
          let row = (0..<edges.count).map { costs[flat: r * edges.count + $0] }
          let chosen = (0..<edges.count).filter { w[flat: r * edges.count + $0] == 1 }
          let zeros = (0..<edges.count).filter { w[flat: r * edges.count + $0] == 0 }.count
          #expect(chosen.count + zeros == edges.count, "a solution is 0/1")
          #expect(paths.contains { Set($0) == Set(chosen) }, "the chosen edges form a path from \(s) to \(target)")
          let best = paths.map { $0.reduce(Float(0)) { $0 + row[$1] } }.min()!
          let got = chosen.reduce(Float(0)) { $0 + row[$1] }
          #expect(abs(got - best) <= 1e-5 * max(1, abs(best)), "cost \(got) vs optimum \(best)")
        }
      }
    }
  }

  @Test func shortestPathShapesAndErrors() throws {
    let dag = try EdgeDAG(try Self.pairs(Self.grid(3, 3)))
    let c = RNG(seed: 2).uniformCopy([2, 3, 12])
    #expect(try dag.shortestPaths(c).shape == [2, 3, 12])
    #expect(try dag.shortestPaths(try c.reshaped([6, 12])).scalars == (try dag.shortestPaths(c)).scalars)
    #expect(throws: TensorError.self) { try EdgeDAG(try IntTensor(shape: [2, 2], scalars: [0, 1, 2, 1])) }  // 2 → 1
    #expect(throws: TensorError.self) { try EdgeDAG(try IntTensor(shape: [3], scalars: [0, 1, 2])) }
    #expect(throws: TensorError.self) { try dag.shortestPaths(Tensor(shape: [2, 11], repeating: 1)) }
    #expect(throws: TensorError.self) { try dag.shortestPaths(Tensor(shape: [1, 12], repeating: 1), source: 5, target: 2) }
    let gap = try EdgeDAG(try IntTensor(shape: [2, 2], scalars: [0, 1, 2, 3]))
    #expect(throws: TensorError.self) { try gap.shortestPaths(Tensor(shape: [1, 2], repeating: 1)) }  // 3 unreachable
    var nan = Tensor(shape: [1, 12], repeating: 1)
    nan[flat: 4] = .nan
    #expect(throws: TensorError.self) { try dag.shortestPaths(nan) }
  }

  @Test func knapsacksAreOptimalSubsets() throws {
    var rng = RNG(seed: 5)
    for (n, dims) in [(1, 1), (6, 1), (9, 1), (8, 2), (7, 3)] {
      let w = IntTensor(shape: dims == 1 ? [n] : [dims, n]) { _ in Int32(rng.int(below: 7)) }
      let caps = (0..<dims).map { _ in 3 + rng.int(below: 9) }
      let sack = try Knapsack(weights: w, capacities: caps)
      let values = rng.normal([5, n], mean: 1, std: 1)  // some negative
      let x = try sack.solve(values)
      for r in 0..<5 {
        var best = -Float.infinity
        for mask in 0..<(1 << n) {
          let fits = (0..<dims).allSatisfy { j in
            (0..<n).filter { mask >> $0 & 1 == 1 }.reduce(0) { $0 + Int(w[flat: j * n + $1]) } <= caps[j]
          }
          if fits { best = max(best, (0..<n).filter { mask >> $0 & 1 == 1 }.reduce(Float(0)) { $0 + values[flat: r * n + $1] }) }
        }
        let chosen = (0..<n).filter { x[flat: r * n + $0] == 1 }
        #expect(chosen.count == (0..<n).filter { x[flat: r * n + $0] != 0 }.count, "a solution is 0/1")
        for j in 0..<dims {
          #expect(chosen.reduce(0) { $0 + Int(w[flat: j * n + $1]) } <= caps[j], "the choice fits dimension \(j)")
        }
        let got = chosen.reduce(Float(0)) { $0 + values[flat: r * n + $1] }
        #expect(abs(got - best) <= 1e-5 * max(1, abs(best)), "value \(got) vs optimum \(best) (n \(n), dims \(dims))")
      }
    }
  }

  @Test func knapsackErrors() throws {
    let w = try IntTensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    #expect(throws: TensorError.self) { try Knapsack(weights: w, capacities: [4]) }
    #expect(throws: TensorError.self) { try Knapsack(weights: w, capacities: [4, -1]) }
    #expect(throws: TensorError.self) { try Knapsack(weights: try IntTensor(shape: [2], scalars: [1, -2]), capacities: [3]) }
    #expect(throws: TensorError.self) { try Knapsack(weights: w, capacities: [1 << 13, 1 << 13]) }
    let sack = try Knapsack(weights: w, capacities: [4, 9])
    #expect(throws: TensorError.self) { try sack.solve(Tensor(shape: [2, 4], repeating: 1)) }
    #expect(throws: TensorError.self) { try sack.solve(Tensor(shape: [3], repeating: .infinity)) }
    #expect(try sack.solve(Tensor(shape: [3], repeating: -1)).scalars == [0, 0, 0])
  }
}

private extension RNG {
  func uniformCopy(_ shape: [Int]) -> Tensor {
    var r = self
    return r.uniform(shape, lo: 0.1, hi: 2)
  }
}
