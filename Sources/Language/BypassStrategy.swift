/// The gradient estimators `@bypass(…)` can name (a DiffBypass surrogate is a model value
/// instead): the one list the checker, the executor and the REPL read.
public enum BypassStrategy: String, CaseIterable, Sendable {
  case es, ste, blackbox, perturbed, nid

  /// The names, in the order messages list them.
  public static var names: [String] { allCases.map(\.rawValue) }

  /// Why the estimator can take one bypassed input only; nil when it takes several.
  public var singleInputReason: String? {
    switch self {
    case .ste: return "straight-through passes the output's gradient to one input unchanged"
    case .nid: return "the negative identity passes the output's gradient to one input, signed by the solver's sense"
    case .blackbox: return "blackbox differentiation perturbs one linear cost"
    case .es, .perturbed: return nil
    }
  }

  /// Whether the rule passes the output's gradient on as the input's, so the call's output
  /// must have its input's shape (checked before running where both shapes are known).
  public var passesGradientOn: Bool {
    switch self {
    case .ste, .nid: return true
    case .es, .blackbox, .perturbed: return false
    }
  }

  /// Whether the backward rule reads the solver's `sense:` (1 minimise, −1 maximise).
  ///
  /// `blackbox` and `nid` take `f` to be a solver of a linear cost and build its Jacobian's
  /// sign into the rule (Vlastelica et al. 2020; Sahoo et al. 2023; PyEPO flips both for a
  /// maximiser). `es` and `perturbed` estimate the Jacobian of `f`'s own Gaussian smoothing
  /// from its outputs, so whichever way `f` optimises is already in them; `ste` takes `f` to
  /// be close to the identity, which is no solver's assumption (`nid` is that one); and a
  /// DiffBypass surrogate learns `f` from its outputs.
  public var readsSense: Bool {
    switch self {
    case .blackbox, .nid: return true
    case .es, .ste, .perturbed: return false
    }
  }

  /// The backward rule in one line (DESIGN.md's table), for hover and completion.
  public var summary: String {
    switch self {
    case .es: return "evolution strategies: antithetic Gaussian perturbations of the input"
    case .ste: return "straight-through: the output's gradient passed to the input unchanged"
    case .blackbox: return "blackbox differentiation (Vlastelica et al. 2020) of a solver of a linear cost: x + sense·λv, grad sense·(f(x + sense·λv) − f(x))/λ"
    case .perturbed: return "perturbed optimiser (Berthet et al. 2020): the Monte-Carlo estimate E[f(x + σε) εᵀ] / σ"
    case .nid: return "negative identity (Sahoo et al. 2023) for a solver of a linear cost: the output's gradient times −sense"
    }
  }

  /// The options `@bypass(…)` takes after its strategy, with what each sets, in the order
  /// error notes list them.
  public static let options: [(name: String, summary: String)] = [
    ("sigma", "the noise scale σ of the perturbations"),
    ("samples", "the number of noisy samples per gradient"),
    ("fit_steps", "DiffBypass: steps fitting the surrogate per gradient"),
    ("fit_lr", "DiffBypass: the learning rate of the surrogate's fit"),
    ("lambda", "blackbox: the step λ of the perturbed cost x + sense·λv"),
    ("sense", allCases.filter(\.readsSense).map(\.rawValue).joined(separator: ", ")
      + ": 1 when the solver minimises its cost (the default), -1 when it maximises"),
    ("wrt", "the bypassed inputs: a parameter name or a list of names"),
    ("seed", "noise from its own generator instead of the program's stream"),
    ("batched", "true: the function maps each item of axis 0 on its own, so all noisy copies run as one call"),
    ("fidelity", "DiffBypass: warn when the surrogate's agreement with the function on fresh noise, over the last 10 fits, falls below this (0 never warns)"),
  ]

  /// The error of a `sense:` value, or nil when it is 1 (minimise) or -1 (maximise).
  public static func senseError(_ value: Double) -> String? {
    guard value != 1, value != -1 else { return nil }
    let shown = value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    return "'@bypass' option 'sense' must be 1 (minimise) or -1 (maximise), got \(shown)"
  }

  /// "es, ste, blackbox, perturbed, nid, or a model value (DiffBypass)": what a strategy may be.
  public static var choices: String { names.joined(separator: ", ") + ", or a model value (DiffBypass)" }
}
