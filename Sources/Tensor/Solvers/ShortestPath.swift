/// Exact shortest paths on a directed acyclic graph given as an edge list, one cost vector
/// per row: the `shortest_path` builtin and the solver of PyEPO's grid benchmark.
///
/// Nodes are numbered so every edge goes from a lower number to a higher one (a grid with
/// edges right and down, nodes row-major, is such an order), so one pass over the nodes in
/// numeric order is the whole dynamic program, and costs of any sign are fine: perturbed
/// and noisy costs need no clipping.
public struct EdgeDAG: Sendable {
  /// `(from, to)` of each edge, in the order of the cost vectors' last axis.
  public let edges: [(from: Int, to: Int)]
  public let nodeCount: Int
  /// The edges into each node, in edge order.
  let incoming: [[Int]]

  /// The graph of an `IntTensor [E, 2]` of `(from, to)` pairs.
  public init(_ pairs: IntTensor) throws {
    guard pairs.rank == 2, pairs.shape[1] == 2 else {
      throw TensorError("shortest_path", "edges must be an IntTensor [E, 2] of (from, to) pairs, got shape \(shapeString(pairs.shape))")
    }
    let s = pairs.scalars
    var edges: [(from: Int, to: Int)] = []
    for e in 0..<pairs.shape[0] {
      let (a, b) = (Int(s[2 * e]), Int(s[2 * e + 1]))
      guard a >= 0, b > a else {
        throw TensorError("shortest_path", "edge \(e) goes from node \(a) to node \(b): edges must go from a lower node number to a higher one (a DAG in topological order)")
      }
      edges.append((a, b))
    }
    self.edges = edges
    nodeCount = (edges.map(\.to).max() ?? 0) + 1
    var incoming = Array(repeating: [Int](), count: nodeCount)
    for (e, edge) in edges.enumerated() { incoming[edge.to].append(e) }
    self.incoming = incoming
  }

  /// The 0/1 indicators `[…, E]` of a cheapest path from `source` to `target` (negative:
  /// counted from the last node) for each cost vector of `costs [..., E]`. Ties go to the
  /// lowest-numbered edge into each node, so the answer is deterministic.
  public func shortestPaths(_ costs: Tensor, source: Int = 0, target: Int = -1) throws -> Tensor {
    let e = edges.count
    guard costs.rank >= 1, costs.shape.last == e else {
      throw TensorError("shortest_path", "costs of shape \(shapeString(costs.shape)) do not end in the \(e) edges")
    }
    let t = target < 0 ? target + nodeCount : target
    let s = source < 0 ? source + nodeCount : source
    guard (0..<nodeCount).contains(s), (0..<nodeCount).contains(t), s < t else {
      throw TensorError("shortest_path", "source \(source) and target \(target) must be nodes 0..<\(nodeCount) with the source first")
    }
    let rows = costs.count / Swift.max(e, 1)
    let out = Tensor(shape: costs.shape, repeating: 0)
    let c = costs.buffer.pointer, w = out.buffer.pointer
    var dist = [Float](repeating: 0, count: nodeCount)
    var via = [Int](repeating: -1, count: nodeCount)
    for r in 0..<rows {
      let row = c + r * e
      if let k = (0..<e).first(where: { row[$0].isNaN }) {
        throw TensorError("shortest_path", "row \(r): the cost of edge \(k) is NaN")
      }
      for v in s...t {
        dist[v] = v == s ? 0 : .infinity
        via[v] = -1
        guard v > s else { continue }
        for k in incoming[v] where edges[k].from >= s {
          let d = dist[edges[k].from] + row[k]
          if d < dist[v] { (dist[v], via[v]) = (d, k) }
        }
      }
      guard via[t] >= 0 else {
        throw TensorError("shortest_path", "row \(r): no path from node \(s) to node \(t) ")
      }
      var v = t
      while v != s {
        w[r * e + via[v]] = 1
        v = edges[via[v]].from
      }
    }
    return out
  }
}
