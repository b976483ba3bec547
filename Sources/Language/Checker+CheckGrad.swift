/// `check_grad(x, net, …, eps: h, directions: k) { loss }`: checked like `grad` (inputs named
/// by variables, a block ending in a scalar loss, activity analysis), with two optional
/// labelled arguments after the inputs (the step, and a number of random directions); the
/// result is a `Float`. An input may also be a model or a layer, whose parameters are then
/// checked (as `minimize` would differentiate them).
extension Checker {
  /// The labelled arguments `check_grad` accepts.
  static let checkGradOptions = ["eps", "directions"]

  func checkCheckGrad(_ args: [CallArgument], _ block: Block?, _ e: Expr) -> ValueType {
    var inputs = 0
    var seen: Set<String> = []
    for a in args {
      let t = checkExpr(a.value)
      if let label = a.label {
        guard Checker.checkGradOptions.contains(label) else {
          diags.error("'check_grad' has no option '\(label)'", at: a.labelSpan ?? a.span,
                      notes: [Note("options: eps (the finite-difference step), directions (check along that many random directions)")])
          continue
        }
        if label == "eps", !(t == .float || t == .int || t.isLenient) {
          diags.error("'eps' of 'check_grad' expects Float, got \(t)", at: a.value.span)
        }
        if label == "directions", !(t == .int || t.isLenient) {
          diags.error("'directions' of 'check_grad' expects Int, got \(t)", at: a.value.span)
        }
        continue
      }
      inputs += 1
      guard case .name(let n) = a.value.kind else {
        diags.error("'check_grad' differentiates with respect to variables; pass a name", at: a.value.span)
        continue
      }
      if !seen.insert(n).inserted { diags.error("'\(n)' is passed to 'check_grad' twice", at: a.value.span) }
      switch t {
      case .tensor, .model, .layer: continue  // a model or layer: its parameters are the inputs
      default:
        if !t.isLenient {
          diags.error("cannot check a gradient with respect to a value of type \(t): it must be a Tensor, a model or a layer",
                      at: a.value.span)
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
}
