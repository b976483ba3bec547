import Autodiff
import IR
import Language
import Tensor

/// Errors of `@bypass` calls in the user's terms: the bypassed call as written, and shapes
/// at the call's own batch size — never the samples × batch stacks an estimator runs on.
extension Interpreter {
  /// The bypassed call of a `@bypass` op: the function or builtin's name, and where the call
  /// is written (for a user function the inliner copied in, its call site).
  static func bypassedCall(_ op: IR.Op) -> (name: String, span: Span) {
    var name = "call", at = op.span
    if let region = op.regions.first, let y = region.ops.last, case .yield = y.kind, let v = y.operands.first,
       let call = region.ops.first(where: { $0.result == v }) {
      at = call.span
      switch call.kind {
      case _ where !call.inlinedAt.isEmpty:  // a user function the inliner copied here: its call site
        if let site = call.inlinedAt.last { (name, at) = (site.function, site.site) }
      case .builtin(let id): name = id.name
      case .call(let n): name = n
      case .method(_, let n): name = n
      default: break
      }
    }
    return (name, at)
  }

  /// Stops when a DiffBypass surrogate's output cannot stand in for the bypassed call's:
  /// `out` is the surrogate's shape and `y` the call's, both for the call's own inputs (one
  /// item per batch element); for index outputs the surrogate returns class scores on a last
  /// axis, which must hold every index the call returned (`largest`, when known).
  func checkSurrogateOutput(_ net: ModelInstance, out: [Int], call y: [Int], isIndex: Bool, largest: Int? = nil,
                            _ op: IR.Op) throws {
    let (name, span) = Self.bypassedCall(op)
    let stand = "a surrogate model stands in for the bypassed call: its output has the call's shape"
    if !isIndex {
      guard out != y else { return }
      throw RuntimeError("@bypass: the surrogate \(net.typeName) returns \(shapeString(out)) where the call of '\(name)' returns \(shapeString(y))",
                         at: span, notes: [stand])
    }
    guard let classes = out.last, Array(out.dropLast()) == y else {
      throw RuntimeError("@bypass: the surrogate \(net.typeName) returns \(shapeString(out)) where the call of '\(name)' returns indices \(shapeString(y))",
                         at: span, notes: [stand + "; for indices \(shapeString(y)) it returns class scores \(shapeString(y + [-1])) (one score per index value on a last axis)"])
    }
    if let largest, largest >= classes || largest < 0 {
      throw RuntimeError("@bypass: the surrogate \(net.typeName) returns \(classes) class scores per index, but the call of '\(name)' returned the index \(largest)",
                         at: span, notes: ["its last axis needs a score for every index value the call returns (at least \(max(largest + 1, 1)))"])
    }
  }

  /// Measures a DiffBypass fit's first step — the surrogate on noise it has not been fitted
  /// on — keeps it for `fit_fidelity`, and warns on stderr when the watch raises an alarm.
  func watchFidelity(_ net: ModelInstance, output: Tensor, target: Tensor, isIndex: Bool, threshold: Double,
                     _ op: IR.Op) throws {
    let f = try SurrogateFidelity.measure(output: output, target: target, isIndex: isIndex)
    net.fidelity = f
    var watch = net.fidelityWatch ?? SurrogateFidelity.Watch(threshold: threshold)
    watch.threshold = threshold
    let alarm = watch.add(f)
    net.fidelityWatch = watch
    guard let alarm else { return }
    let (name, span) = Self.bypassedCall(op)
    let m = alarm.mean
    let verdict = alarm.stopped ? "it has stopped tracking the function" : "it has not tracked the function yet"
    log("\(module.location(of: span)): warning: @bypass(\(net.typeName)) '\(name)': the surrogate's \(m.agreementName) on fresh noise is "
        + "\(m.shown(m.agreement)) over the last \(watch.window) fits (\(m.errorDescription)), below \(m.shown(threshold)) after \(alarm.fits) fits: \(verdict)\n")
  }
}
