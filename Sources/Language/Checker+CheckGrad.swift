/// `check_grad(x, net, net.codebook, …, eps: h, directions: k, bypass: "exact") { loss }`:
/// checked like `grad` (inputs named by variables, a block ending in a scalar loss, activity
/// analysis), with optional labelled arguments after the inputs (the step, a number of random
/// directions, how `@bypass` calls are checked); the result is a `Float`. An input may also
/// be a model or a layer, whose parameters are then checked (as `minimize` would
/// differentiate them), or a field of a model (`net.codebook`, `net.enc`): the parameters
/// that field holds.
extension Checker {
  /// The labelled arguments `check_grad` accepts.
  static let checkGradOptions = ["eps", "directions", "bypass"]
  /// The values of `bypass:`: hold each bypassed call's bypassed inputs fixed (the default),
  /// or check the estimators' gradients against the finite differences of the calls.
  public static let checkGradBypassModes = ["exact", "estimate"]

  func checkCheckGrad(_ args: [CallArgument], _ block: Block?, _ e: Expr) -> ValueType {
    var inputs = 0
    var seen: Set<String> = []
    for a in args {
      let t = checkExpr(a.value)
      if let label = a.label {
        checkCheckGradOption(label, a, t)
        continue
      }
      inputs += 1
      guard let path = Self.inputPath(a.value) else {
        diags.error("'check_grad' differentiates with respect to variables or fields of a model; pass a name or a path such as net.codebook",
                    at: a.value.span)
        continue
      }
      if !seen.insert(path).inserted { diags.error("'\(path)' is passed to 'check_grad' twice", at: a.value.span) }
      if case .member(let base, _, _) = a.value.kind, let b = types[base.id], !b.isLenient {
        guard case .model = b else {
          diags.error("'check_grad' checks fields of models; '\(Self.inputPath(base) ?? "")' is \(b)", at: base.span)
          continue
        }
      }
      switch t {
      case .tensor, .model, .layer: continue  // a model or layer: its parameters are the inputs
      default:
        if !t.isLenient {
          let what = path.contains(".") ? "'\(path)': it holds \(t); a field must hold a param, a layer or a model"
            : "a value of type \(t): it must be a Tensor, a model or a layer"
          diags.error("cannot check a gradient with respect to \(what)", at: a.value.span)
        }
      }
    }
    for name in Checker.checkGradOptions {
      let given = args.filter { $0.label == name }
      if given.count > 1, let second = given.last { diags.error("'\(name)' is given twice", at: second.labelSpan ?? second.span) }
    }
    if inputs == 0 {
      diags.error("'check_grad' needs the inputs to check the gradient with respect to (tensors, models or layers): check_grad(x) { loss }",
                  at: e.span)
    }
    calls[e.id] = .checkGrad
    guard let block else {
      diags.error("'check_grad' needs a block: check_grad(x) { loss }", at: e.span)
      return .error
    }
    checkGradientBlock(block, what: "check_grad")
    return .float
  }

  /// One labelled argument of `check_grad`, of type `t`.
  func checkCheckGradOption(_ label: String, _ a: CallArgument, _ t: ValueType) {
    switch label {
    case "eps":
      if !(t == .float || t == .int || t.isLenient) { diags.error("'eps' of 'check_grad' expects Float, got \(t)", at: a.value.span) }
    case "directions":
      if !(t == .int || t.isLenient) { diags.error("'directions' of 'check_grad' expects Int, got \(t)", at: a.value.span) }
    case "bypass":
      if !(t == .string || t.isLenient) {
        diags.error("'bypass' of 'check_grad' expects String, got \(t)", at: a.value.span)
      } else if case .string(let parts) = a.value.kind, parts.count == 1, case .text(let s) = parts[0],
                !Self.checkGradBypassModes.contains(s) {
        diags.error("'bypass' of 'check_grad' is \"exact\" or \"estimate\", got \"\(s)\"", at: a.value.span,
                    notes: [Note("exact (the default) holds each bypassed call's bypassed inputs fixed; estimate checks the estimators")])
      }
    default:
      diags.error("'check_grad' has no option '\(label)'", at: a.labelSpan ?? a.span,
                  notes: [Note("options: eps (the finite-difference step), directions (check along that many random directions), bypass (\"exact\" or \"estimate\")")])
    }
  }

  /// `x` or `net.enc.codebook` for an input written as a name or a path of fields; nil otherwise.
  static func inputPath(_ e: Expr) -> String? {
    switch e.kind {
    case .name(let n): return n
    case .member(let base, let name, _): return inputPath(base).map { $0 + "." + name }
    default: return nil
    }
  }
}
