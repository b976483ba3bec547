import IR
import Tensor

/// `shortest_path` and `knapsack`: the exact solvers of `Tensor/Solvers`, one problem per
/// cost vector. Their solutions carry no gradient (`@bypass` or the `pto` losses give one).
extension BuiltinTable {
  static let solvers: [String: BuiltinImpl] = [
    "shortest_path": { i, a, op in
      let dag = try EdgeDAG(try i.intTensor(a[1], op, "edges"))
      let costs = try i.tensor(a[0], op, "costs").value
      return .tensor(try dag.shortestPaths(costs, source: try i.int(a[2], op, "source"), target: try i.int(a[3], op, "target")))
    },
    "knapsack": { i, a, op in
      let sack = try Knapsack(weights: try i.intTensor(a[1], op, "weights"), capacities: try i.ints(a[2], op, "capacity"))
      return .tensor(try sack.solve(try i.tensor(a[0], op, "values").value))
    },
  ]
}
