/// Exact 0/1 knapsacks with integer weights in one or more dimensions, one value vector per
/// row: the `knapsack` builtin and the solver of PyEPO's knapsack benchmark.
///
/// A dynamic program over the remaining capacities: `best[i][c]` is the largest value of
/// items `i..<n` that fit in capacity vector `c` (flattened row-major), so the table has
/// `(n + 1) · Π(capacityⱼ + 1)` entries and the solution is read off forwards. Values of
/// any sign are fine (an item of value ≤ 0 is never taken).
public struct Knapsack: Sendable {
  /// `weights[j][i]`: item i's weight in dimension j (non-negative).
  public let weights: [[Int]]
  public let capacities: [Int]
  /// The size of the capacity grid, `Π(capacityⱼ + 1)`.
  let states: Int

  /// The largest table a knapsack may have: one Float per (item + 1) × capacity state.
  public static let maxTable = 1 << 24

  /// A knapsack of `weights` (`IntTensor [n]`, or `[d, n]` for d dimensions) and one
  /// capacity per dimension.
  public init(weights w: IntTensor, capacities: [Int]) throws {
    guard w.rank == 1 || w.rank == 2 else {
      throw TensorError("knapsack", "weights must be an IntTensor [n] or [dims, n], got shape \(shapeString(w.shape))")
    }
    let d = w.rank == 1 ? 1 : w.shape[0], n = w.shape[w.rank - 1]
    guard capacities.count == d else {
      throw TensorError("knapsack", "weights in \(d) dimension(s) need \(d) capacities, got \(capacities.count)")
    }
    if let c = capacities.first(where: { $0 < 0 }) { throw TensorError("knapsack", "capacity \(c) is negative") }
    let s = w.scalars.map(Int.init)
    if let x = s.first(where: { $0 < 0 }) { throw TensorError("knapsack", "weight \(x) is negative") }
    weights = (0..<d).map { j in Array(s[j * n..<(j + 1) * n]) }
    self.capacities = capacities
    // The table is [n + 1, capacity₀ + 1, …] Floats: checked without wrapping, then held to maxTable.
    let grid = try capacities.map { try TensorSize.sum($0, 1, op: "knapsack", "capacity \($0) + 1") }
    let table = try TensorSize.check([n + 1] + grid, op: "knapsack")
    guard table <= Self.maxTable else {
      throw TensorError("knapsack", "\(n) items and capacities \(capacities) need a table of more than \(Self.maxTable) entries")
    }
    self.states = table / (n + 1)
  }

  /// The 0/1 choice `[…, n]` of largest total value for each value vector of `values [..., n]`.
  /// Ties go to leaving the earlier item out, so the answer is deterministic.
  public func solve(_ values: Tensor) throws -> Tensor {
    let n = weights[0].count
    guard values.rank >= 1, values.shape.last == n else {
      throw TensorError("knapsack", "values of shape \(shapeString(values.shape)) do not end in the \(n) items")
    }
    // Each item's weight as a step in the flattened capacity grid, and whether it fits at
    // each state (every coordinate at least its weight).
    var strides = [Int](repeating: 1, count: capacities.count)
    for j in stride(from: capacities.count - 2, through: 0, by: -1) { strides[j] = strides[j + 1] * (capacities[j + 1] + 1) }
    let step = (0..<n).map { i in (0..<capacities.count).reduce(0) { $0 + weights[$1][i] * strides[$1] } }
    var fits = [Bool](repeating: true, count: n * states)
    for i in 0..<n {
      for st in 0..<states {
        fits[i * states + st] = (0..<capacities.count).allSatisfy { j in (st / strides[j]) % (capacities[j] + 1) >= weights[j][i] }
      }
    }
    let rows = values.count / Swift.max(n, 1)
    let out = Tensor(shape: values.shape, repeating: 0)
    let v = values.buffer.pointer, x = out.buffer.pointer
    var best = [Float](repeating: 0, count: (n + 1) * states)  // row n: no items left, value 0
    for r in 0..<rows {
      let row = v + r * n
      if let i = (0..<n).first(where: { !row[$0].isFinite }) {
        throw TensorError("knapsack", "row \(r): the value of item \(i) is \(row[i])")
      }
      for i in stride(from: n - 1, through: 0, by: -1) {
        let here = i * states, next = (i + 1) * states
        for st in 0..<states {
          let skip = best[next + st]
          best[here + st] = fits[i * states + st] ? Swift.max(skip, best[next + st - step[i]] + row[i]) : skip
        }
      }
      var st = states - 1  // the full capacities
      for i in 0..<n where fits[i * states + st] && best[(i + 1) * states + st - step[i]] + row[i] > best[(i + 1) * states + st] {
        x[r * n + i] = 1
        st -= step[i]
      }
    }
    return out
  }
}
