import Autodiff
import IR
import Language
import Runtime
import Tensor

/// `:grad e wrt a, b, net`: gradients with respect to several bindings at once — tensors,
/// and models or layers (each of their parameters).
extension Session {
  /// The gradient with respect to one name of `:grad … wrt …`.
  public enum GradientOf {
    case tensor(Tensor)
    /// A model's or layer's parameters, by name, with their gradients.
    case parameters([(name: String, grad: Tensor)])
  }

  /// The value of the scalar `expr` and its gradient with respect to each of `names`. The
  /// model parameters' own `grad` fields are left as they were.
  public func grad(_ expr: String, wrt names: [String]) throws -> (value: Double, grads: [(String, GradientOf)]) {
    var tensors: [(name: String, type: ValueType, value: Tensor)] = []
    var holders: [(name: String, parameters: [Parameter])] = []
    var seen: Set<String> = []
    for n in names {
      guard seen.insert(n).inserted else { throw SessionError("error: '\(n)' is named twice after 'wrt'") }
      guard let b = bindings[n] else {
        throw SessionError("error: '\(n)' is not a binding of this session" + (bindingOrder.isEmpty ? "" : " (bindings: \(bindingOrder.joined(separator: ", ")))"))
      }
      switch b.value {
      case .tensor(let v, _): tensors.append((n, b.type, v.value))
      case .model, .layer: holders.append((n, ModelInstance.parameters(of: b.value)))
      default: throw SessionError("error: '\(n)' is \(b.value.typeName); gradients are taken with respect to a Tensor, a model or a layer")
      }
    }
    // Diagnostics (activity analysis included) from the block form, the expression on a
    // line of its own (`grad` takes models and layers as `grad(net) { … }` does).
    if case .failure(let e) = compile("grad(\(names.joined(separator: ", "))) {\n\(expr)\n}", returningLastValue: false, firstLine: 0) {
      throw e
    }
    let params = tensors.map { "\($0.name): \($0.type)" }.joined(separator: ", ")
    let compiled: Compiled
    switch compile("fn \(Self.probeName)(\(params)) {\n\(expr)\n}", returningLastValue: false, firstLine: 0) {
    case .failure(let e): throw e
    case .success(let c): compiled = c
    }
    let interpreter = self.interpreter(for: compiled)
    setCurrent(interpreter)
    defer { setCurrent(nil); rng = interpreter.rng }

    let all = holders.flatMap(\.parameters)
    let tape = Tape(recording: true, tracksParameters: !all.isEmpty)
    tape.trackedParameters = Set(all.map { ObjectIdentifier($0) })
    let watched = tensors.map { tape.watch($0.value) }
    let loss = try evaluate(interpreter, compiled, at: watched, on: tape)
    guard loss.isActive else { throw SessionError("error: the expression does not depend on \(names.map { "'\($0)'" }.joined(separator: ", "))") }
    lastTape = TapeReport(nodes: tape.summary, bypasses: Self.bypassOps(compiled.module), wrt: names, inputs: tensors.map(\.name))
    let saved = all.map(\.grad)
    for p in all { p.grad = nil }
    defer { for (p, g) in zip(all, saved) { p.grad = g } }
    let g = try tape.gradients(of: loss, wrt: watched)
    var out: [(String, GradientOf)] = []
    var k = 0
    for n in names {
      if let h = holders.first(where: { $0.name == n }) {
        out.append((n, .parameters(h.parameters.map { ($0.name, $0.grad ?? Tensor(shape: $0.value.shape, repeating: 0)) })))
      } else {
        out.append((n, .tensor(g[k])))
        k += 1
      }
    }
    return (Double(loss.value[flat: 0]), out)
  }
}
