/// Exact combinatorial solvers, one problem per cost vector along the last axis and
/// batched over the others (`Tensor/Solvers`, `Runtime/Builtins/Builtins+Solvers.swift`).
/// A solution is a 0/1 tensor with no gradient: on a path to a loss it needs `@bypass`, or
/// a loss of `import pto` (SPO+, Fenchel–Young) that uses only solutions.
let solvers: [Builtin] = [
  Builtin("shortest_path", [p("costs", .tensor), p("edges", .tensor, noGradient: true), p("source", .int, .int(0)), p("target", .int, .int(-1))],
          .nonDifferentiable,
          "0/1 edge indicators […, E] of a cheapest path source → target (−1: the last node) for each cost vector; edges: IntTensor [E, 2] of (from, to) with from < to") { info in
    integerArgument(&info, 1, "edges", "(from, to) node pairs")
    let e = info.type(1).shape
    if let e, e.count != 2 || (e.last != .known(2) && e.last != .unknown) {
      info.fail("edges must be an IntTensor [E, 2] of (from, to) pairs, got shape \(shapeText(e))", at: 1)
    }
    lastAxis(&info, of: 0, is: e?.first, counting: "edges")
    return .tensor(info.type(0).shape)
  }.batched(),
  Builtin("knapsack", [p("values", .tensor), p("weights", .tensor, noGradient: true), p("capacity", .real, noGradient: true)], .nonDifferentiable,
          "0/1 choice […, n] of the most valuable items that fit, for each value vector; weights: IntTensor [n] or [dims, n], capacity: an Int or IntTensor [dims]") { info in
    integerArgument(&info, 1, "weights", "integer weights")
    if case .float = info.type(2) { info.fail("knapsack needs an integer capacity, got a Float", at: 2) }
    if case .tensor = info.type(2) { info.fail("knapsack needs integer capacities (an IntTensor), got a Tensor", at: 2) }
    lastAxis(&info, of: 0, is: info.type(1).shape?.last, counting: "items")
    return .tensor(info.type(0).shape)
  }.batched(),
]

/// Fails when argument `i` is a Float tensor where integers are needed.
private func integerArgument(_ info: inout CallInfo, _ i: Int, _ name: String, _ what: String) {
  if case .tensor = info.type(i) {
    info.fail("\(name) must be an IntTensor of \(what), got \(info.type(i)) (convert with int(…))", at: i)
  }
}

/// Fails when the last axis of argument `i` is known to differ from the `n` edges or items.
private func lastAxis(_ info: inout CallInfo, of i: Int, is n: Dim?, counting things: String) {
  guard let s = info.type(i).shape else { return }
  guard let last = s.last else { return info.fail("expected a tensor with one entry per \(things.dropLast()), got a 0-d tensor", at: i) }
  if case .known(let a) = last, case .known(let b)? = n, a != b {
    info.fail("the last axis has \(a) entries but there are \(b) \(things)", at: i)
  }
}
