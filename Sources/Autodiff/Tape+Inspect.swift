/// A read-only view of a tape's recorded nodes, for the REPL's `:tape`.
extension Tape {
  /// One recorded node: what produced it, from which nodes, and its shape.
  public struct NodeSummary: Sendable {
    public let index: Int
    /// The primitive's name (`mul`, `sum`, `bypass.es`, `leaf`).
    public let op: String
    public let inputs: [Int?]
    public let shape: [Int]
    /// For a parameter's leaf, the parameter's name (`l1.weight`).
    public let parameter: String?
    public var isLeaf: Bool { op == "leaf" }
  }

  /// The nodes recorded so far (empty once `backward` has consumed the tape).
  public var summary: [NodeSummary] {
    var parameters: [Int: String] = [:]
    for (p, id) in parameterLeaves.values { parameters[id] = p.name }
    return nodes.enumerated().map { i, n in
      NodeSummary(index: i, op: n.op.description, inputs: n.inputs, shape: n.outputShape, parameter: parameters[i])
    }
  }
}
