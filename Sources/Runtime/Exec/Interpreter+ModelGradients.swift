import Autodiff
import IR
import Language
import Tensor

/// Parameters as values and gradients with respect to models (docs/language.md):
/// `net.l1.weight` reads a layer's parameter (on the tape when a gradient is recorded, the
/// same leaf the layer uses), `net.l1.weight = t` and `set_param` assign one, `params(net)`
/// lists them, and `grad(net) { loss }` gives a `ModelGradient`.
extension Interpreter {
  /// Whether a `grad` input is a model or a layer (its parameters are differentiated).
  static func holdsParameters(_ v: Value) -> Bool {
    switch v {
    case .model, .layer: return true
    default: return false
    }
  }

  /// `grad(x, net, …) { loss }` with a model or layer among the inputs: the gradient of each
  /// tensor input, and for each model or layer a `ModelGradient` in its structure (zeros for
  /// parameters the loss does not read, as JAX gives). The parameters' own `grad`s, which an
  /// optimizer reads, are left as they were; only the inputs' parameters are tracked.
  func modelGradient(_ op: IR.Op, _ frame: Frame, _ bodies: Bodies, valueToo: Bool) throws -> Value {
    let inputs = op.operands.map { frame[$0] }
    var parameters: [Parameter] = []
    for v in inputs where Self.holdsParameters(v) {
      for (_, p) in ParameterTree.named(v) where !parameters.contains(where: { $0 === p }) { parameters.append(p) }
    }
    let t = Tape(recording: true, tracksParameters: true)
    t.trackedParameters = Set(parameters.map { ObjectIdentifier($0) })
    let sinksBefore = sinkOps.count
    defer { sinkOps.removeLast(sinkOps.count - sinksBefore) }
    var watched: [Var?] = [], args: [Value] = []
    for v in inputs {
      if Self.holdsParameters(v) {
        watched.append(nil)
        args.append(v)
      } else {
        let w = t.watch(try tensor(v, op, "input of grad").value)
        watched.append(w)
        args.append(.tensor(w))
      }
    }
    let (loss, value) = try gradientLoss(op, frame, bodies, args, on: t)
    let saved = parameters.map(\.grad)
    for p in parameters { p.grad = nil }
    defer { for (p, g) in zip(parameters, saved) { p.grad = g } }
    let leaves = try t.backward(from: loss)
    for p in parameters where !(p.grad.map(Self.allFinite) ?? true) {
      throw RuntimeError("the gradient of parameter '\(p.name)' is not finite (NaN or Inf)", at: op.span, notes: [Self.anomalyNote])
    }
    var grads: [Value] = []
    for (v, w) in zip(inputs, watched) {
      if let w {
        let g = w.node.flatMap { leaves[$0] } ?? Tensor(shape: w.shape, repeating: 0)
        guard Self.allFinite(g) else {
          throw RuntimeError("the gradient is not finite (NaN or Inf)", at: op.span, notes: [Self.anomalyNote])
        }
        grads.append(.tensor(g))
      } else {
        grads.append(ParameterTree.gradient(of: v) { $0.grad ?? Tensor(shape: $0.value.shape, repeating: 0) } ?? .none)
      }
    }
    let g = grads.count == 1 ? grads[0] : .tuple(grads)
    return valueToo ? .tuple([.float(value), g]) : g
  }

  /// `.name` of a layer (`weight`, `bias`), a gradient (its entry) or a list (`blocks.0`);
  /// nil when it has no such member.
  func parameterMember(_ base: Value, _ name: String, _ op: IR.Op) -> Value? {
    switch base {
    case .layer(let l):
      return l.layer.parameters.first { ParameterTree.role($0) == name }.map { fieldValue(.parameter($0), op) }
    case .gradient(let g): return g.entry(name)
    case .list(let xs):
      guard let i = Int(name), i >= 0, i < xs.count else { return nil }
      return xs[i]
    default: return nil
    }
  }

  /// `params(v)`: `(name, tensor)` pairs of a model's or layer's parameters (read as the
  /// model's fields are: on the tape when a gradient is recorded), or of a gradient's tensors.
  func parameterList(_ v: Value, _ op: IR.Op) throws -> Value {
    switch v {
    case .gradient(let g): return .list(g.tensors.map { .tuple([.string($0.name), .tensor($0.value)]) })
    case .model, .layer:
      return .list(ParameterTree.named(v).map { .tuple([.string($0.name), fieldValue(.parameter($0.parameter), op)]) })
    default: throw RuntimeError("params needs a model, a layer or a gradient of one, got \(v.typeName)", at: op.span)
    }
  }

  /// `set_param(net, "l1.weight", t)` and `net.l1.weight = t`: the parameter at `path` inside
  /// `root` takes the value of `t`, which must have its shape.
  func setParameter(_ root: Value, path: String, _ value: Value, _ op: IR.Op) throws {
    guard Self.holdsParameters(root) else {
      throw RuntimeError("set_param needs a model or a layer, got \(root.typeName)", at: op.span)
    }
    let steps = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard let p = ParameterTree.find(root, steps) else {
      let names = ParameterTree.named(root).map(\.name)
      let listed = names.prefix(12).joined(separator: ", ") + (names.count > 12 ? " and \(names.count - 12) more" : "")
      var notes = ["its parameters are: " + (names.isEmpty ? "none" : listed)]
      if let best = closest(path, in: names) { notes.insert("did you mean '\(best)'?", at: 0) }
      throw RuntimeError("\(root.typeName) has no parameter '\(path)'", at: op.span, notes: notes)
    }
    guard !tape.isRecording else {
      throw RuntimeError("cannot assign parameter '\(p.name)' while a gradient is recorded", at: op.span,
                         notes: ["assign parameters outside 'minimize', 'grad' and 'check_grad' blocks (to initialise a model, before training)"])
    }
    let t: Tensor
    switch value {
    case .tensor(let v, _): t = v.value
    case .parameter(let q): t = q.value
    case .intTensor:
      throw RuntimeError("cannot assign \(value.typeName) to parameter '\(p.name)'", at: op.span, notes: ["convert it with float(…)"])
    default:
      throw RuntimeError("cannot assign \(value.typeName) to parameter '\(p.name)', a Tensor\(shapeString(p.value.shape))", at: op.span)
    }
    guard t.shape == p.value.shape else {
      var notes: [String] = []
      if case .layer(let l)? = ParameterTree.value(at: Array(steps.dropLast()), in: root), l.layer is Dense,
         ParameterTree.role(p) == "weight", t.shape == p.value.shape.reversed() {
        notes.append("a dense weight is [cin, cout], the transpose of PyTorch's Linear.weight: use transpose(w, 0, 1)")
      }
      throw RuntimeError("cannot assign Tensor\(shapeString(t.shape)) to parameter '\(p.name)' of shape \(shapeString(p.value.shape))",
                         at: op.span, notes: notes)
    }
    p.value = t
  }
}
