import Tensor

/// A value seen by a tape: the tensor and, when it depends on a watched input, the tape
/// node that produced it. Values with no node are constants to the tape.
public struct Var {
  public let value: Tensor
  /// Index of the producing node, or nil for a constant.
  public let node: Int?

  public init(constant value: Tensor) {
    self.value = value
    self.node = nil
  }
  init(_ value: Tensor, node: Int?) {
    self.value = value
    self.node = node
  }
  public var shape: [Int] { value.shape }
  /// Whether a gradient can flow back from this value.
  public var isActive: Bool { node != nil }
}

/// Records the ops applied to watched values, then runs their VJP rules in reverse.
///
/// Define-by-run: an op is recorded only when one of its inputs is active, so constant
/// sub-computations (data preparation, index arithmetic) cost nothing on the tape.
public final class Tape {
  struct Node {
    var op: Primitive
    var inputs: [Int?]
    var inputValues: [Tensor]
    var inputShapes: [[Int]]
    var output: Tensor?
    var outputShape: [Int]
    var saved: Saved
  }

  private(set) var nodes: [Node] = []
  private(set) var parameterLeaves: [ObjectIdentifier: (Parameter, Int)] = [:]
  /// Where tracked values entered operations without gradient in this recording.
  private var sinks: [Sink] = []
  /// What the last backward pass saw, kept only when it had sinks: the nodes' inputs, the
  /// parameters' leaves and the sinks (see `blockingSink(of:)`).
  private var last: (edges: [[Int?]], leaves: [ObjectIdentifier: Int], sinks: [Sink])?
  /// When false, nothing is recorded (inference).
  public let isRecording: Bool
  /// When false, parameters are constants on this tape: gradients flow to watched
  /// tensors only (e.g. through a frozen surrogate network to its input).
  public var tracksParameters: Bool
  /// When set, only these parameters are tracked (the others are constants), so a gradient
  /// with respect to one model's parameters leaves every other parameter's `grad` alone.
  public var trackedParameters: Set<ObjectIdentifier>?

  public init(recording: Bool = true, tracksParameters: Bool = true) {
    self.isRecording = recording
    self.tracksParameters = tracksParameters
  }

  /// Number of recorded nodes (leaves included).
  public var count: Int { nodes.count }

  /// Starts tracking `value`: gradients can be asked for with respect to the result.
  public func watch(_ value: Tensor) -> Var {
    guard isRecording else { return Var(constant: value) }
    nodes.append(Node(op: .leaf, inputs: [], inputValues: [], inputShapes: [], output: nil,
                      outputShape: value.shape, saved: Saved()))
    return Var(value, node: nodes.count - 1)
  }

  /// The tape value of a parameter; a parameter used twice shares one leaf.
  public func watch(_ p: Parameter) -> Var {
    guard isRecording, tracksParameters, trackedParameters?.contains(ObjectIdentifier(p)) ?? true else {
      return Var(constant: p.value)
    }
    if let (_, id) = parameterLeaves[ObjectIdentifier(p)] { return Var(p.value, node: id) }
    let v = watch(p.value)
    parameterLeaves[ObjectIdentifier(p)] = (p, v.node!)
    return v
  }

  /// A place where tracked values entered an operation without gradient: `site` is the
  /// caller's handle for it (the interpreter's index of the op), `onPurpose` marks
  /// `stop_gradient`.
  public struct Sink: Sendable {
    public let inputs: [Int]
    public let site: Int
    public let onPurpose: Bool
  }

  /// Notes that `inputs` entered an operation without gradient (nothing when none is active).
  public func noteSink(_ inputs: [Var], site: Int, onPurpose: Bool) {
    let ids = inputs.compactMap(\.node)
    guard isRecording, !ids.isEmpty else { return }
    sinks.append(Sink(inputs: ids, site: site, onPurpose: onPurpose))
  }

  /// For a parameter read on the tape of the last backward pass that got no gradient: the
  /// first operation without gradient its value reached — nil when it also reached a
  /// `stop_gradient` (cut on purpose), or no such operation (read, then unused).
  public func blockingSink(of p: Parameter) -> Sink? {
    guard let last, let leaf = last.leaves[ObjectIdentifier(p)] else { return nil }
    var reached: Set<Int> = [leaf]
    for id in (leaf + 1)..<max(leaf + 1, last.edges.count) where last.edges[id].contains(where: { $0.map(reached.contains) ?? false }) {
      reached.insert(id)
    }
    let hits = last.sinks.filter { $0.inputs.contains(where: reached.contains) }
    return hits.contains(where: \.onPurpose) ? nil : hits.first
  }

  /// Applies `op` to `inputs`, recording it when any input is active.
  public func apply(_ op: Primitive, _ inputs: [Var]) throws -> Var {
    let values = inputs.map(\.value)
    let (y, saved) = try TapeProfile.measure("fwd " + TapeProfile.key(op, values.map(\.shape))) { try op.forward(values) }
    return record(op, inputs, output: y, saved: saved)
  }

  /// Records an op whose forward value was computed by the caller and whose backward is
  /// `vjp` (gradient of the output → gradient of each input, nil for none).
  public func custom(_ name: String, _ inputs: [Var], output: Tensor,
                     vjp: @escaping (Tensor) throws -> [Tensor?]) -> Var {
    record(.custom(name: name, vjp: vjp), inputs, output: output, saved: Saved())
  }

  func record(_ op: Primitive, _ inputs: [Var], output y: Tensor, saved: Saved) -> Var {
    guard isRecording, inputs.contains(where: \.isActive) else { return Var(constant: y) }
    nodes.append(Node(op: op, inputs: inputs.map(\.node), inputValues: op.vjpNeedsInputs ? inputs.map(\.value) : [],
                      inputShapes: inputs.map(\.shape), output: op.vjpNeedsOutput ? y : nil,
                      outputShape: y.shape, saved: saved))
    return Var(y, node: nodes.count - 1)
  }

  /// Back-propagates from `loss` (seeded with ones, or with `seed`), returning the gradient
  /// of every node (nil where nothing flowed). Parameters watched on this tape receive
  /// their gradient in `Parameter.grad` (accumulated). The tape is consumed.
  @discardableResult
  public func backward(from loss: Var, seed: Tensor? = nil) throws -> [Int: Tensor] {
    guard let root = loss.node else {
      throw TensorError("grad", "the loss does not depend on any watched value")
    }
    last = sinks.isEmpty ? nil : (nodes.map(\.inputs), parameterLeaves.mapValues(\.1), sinks)
    sinks = []
    var grads = [Tensor?](repeating: nil, count: nodes.count)
    grads[root] = seed ?? Tensor(shape: loss.shape, repeating: 1)
    var leafGrads: [Int: Tensor] = [:]
    for id in stride(from: root, through: 0, by: -1) {
      guard let g = grads[id] else { continue }
      grads[id] = nil
      let node = nodes[id]
      nodes[id].inputValues = []  // release what the backward no longer needs
      nodes[id].output = nil
      nodes[id].saved = Saved()
      if case .leaf = node.op { leafGrads[id] = g; continue }
      let out = node.output ?? Tensor(shape: [], repeating: 0)
      let inGrads = try TapeProfile.measure("bwd " + TapeProfile.key(node.op, node.inputShapes)) {
        try node.op.vjp(node.inputValues, shapes: node.inputShapes, out, node.saved, g,
                         active: node.inputs.map { $0 != nil })
      }
      try TapeProfile.measure("bwd accumulate") {
        for (k, input) in node.inputs.enumerated() {
          guard let src = input, k < inGrads.count, let gi = inGrads[k] else { continue }
          let shaped = try gi.sum(toShape: node.inputShapes[k])
          if grads[src] == nil { grads[src] = shaped } else { try grads[src]!.addInPlace(shaped) }
        }
      }
    }
    for (p, id) in parameterLeaves.values {
      guard let g = leafGrads[id] else { continue }
      if p.grad == nil { p.grad = g } else { try p.grad!.addInPlace(g) }
    }
    nodes = []
    parameterLeaves = [:]
    return leafGrads
  }

  /// Gradients of a scalar `loss` with respect to `inputs` (zeros where it does not depend
  /// on an input). The tape is consumed.
  public func gradients(of loss: Var, wrt inputs: [Var]) throws -> [Tensor] {
    let g = try backward(from: loss)
    return inputs.map { v in v.node.flatMap { g[$0] } ?? Tensor(shape: v.shape, repeating: 0) }
  }
}
