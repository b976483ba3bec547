import Autodiff
import IR

/// The run-time half of the per-parameter rule (docs/language.md, "Activity analysis"): what
/// the checker cannot see — a model behind an `Any` — the run checks. While `minimize`
/// records, each operation without gradient that a tracked value enters is noted on the
/// tape; after the backward pass, a parameter of the optimizer that was read in the step and
/// got no gradient is traced to the first such operation its value reached (unless it also
/// reached a `stop_gradient`: cut on purpose), and the step stops there.
extension Interpreter {
  /// Notes op as a sink on the tape when a tracked value enters it and it has no gradient.
  func noteSink(_ op: IR.Op, _ frame: Frame) {
    let onPurpose: Bool
    switch op.kind {
    case .stopGradient: onPurpose = true
    case .binary(let b) where b.isComparison: onPurpose = false
    case .builtin(let id) where id.builtin.gradient == .nonDifferentiable || id.builtin.gradient == .integer: onPurpose = false
    default: return
    }
    let inputs = op.operands.flatMap { Self.tracked(frame[$0]) }
    guard !inputs.isEmpty else { return }
    sinkOps.append(op)
    tape.noteSink(inputs, site: sinkOps.count - 1, onPurpose: onPurpose)
  }

  static func tracked(_ v: Value) -> [Var] {
    switch v {
    case .tensor(let t, _): return t.isActive ? [t] : []
    case .list(let xs), .tuple(let xs): return xs.flatMap(tracked)
    default: return []
    }
  }

  /// After `minimize`'s backward pass on `t`: stops at the operation that blocked a
  /// parameter of the optimizer read in the step.
  func checkBlockedParameters(_ o: OptimizerValue, _ t: Tape) throws {
    for p in o.optimizer.parameters where p.grad == nil {
      guard let s = t.blockingSink(of: p), s.site < sinkOps.count else { continue }
      let blocker = sinkOps[s.site]
      throw RuntimeError("parameter '\(p.name)' was read in this step but gets no gradient: its value reaches the loss only through the \(Self.opName(blocker)), which has no gradient",
                         at: blocker.span,
                         notes: ["add '@bypass(…)' to route the gradient around it, or wrap its argument in 'stop_gradient(…)' to cut it on purpose",
                                 "the checker could not see this path: the model is only known at run time"])
    }
  }
}
