/// The gradient estimators `@bypass(…)` can name (a DiffBypass surrogate is a model value
/// instead): the one list the checker, the executor and the REPL read.
public enum BypassStrategy: String, CaseIterable, Sendable {
  case es, ste, blackbox, perturbed

  /// The names, in the order messages list them.
  public static var names: [String] { allCases.map(\.rawValue) }

  /// Why the estimator can take one bypassed input only; nil when it takes several.
  public var singleInputReason: String? {
    switch self {
    case .ste: return "straight-through passes the output's gradient to one input unchanged"
    case .blackbox: return "blackbox differentiation perturbs one linear cost"
    case .es, .perturbed: return nil
    }
  }

  /// The backward rule in one line (DESIGN.md's table), for hover and completion.
  public var summary: String {
    switch self {
    case .es: return "evolution strategies: antithetic Gaussian perturbations of the input"
    case .ste: return "straight-through: the output's gradient passed to the input unchanged"
    case .blackbox: return "blackbox differentiation (Vlastelica et al. 2020), for solvers that minimise a linear cost"
    case .perturbed: return "perturbed optimiser (Berthet et al. 2020): the Monte-Carlo estimate E[f(x + σε) εᵀ] / σ"
    }
  }

  /// The options `@bypass(…)` takes after its strategy, with what each sets, in the order
  /// error notes list them.
  public static let options: [(name: String, summary: String)] = [
    ("sigma", "the noise scale σ of the perturbations"),
    ("samples", "the number of noisy samples per gradient"),
    ("fit_steps", "DiffBypass: steps fitting the surrogate per gradient"),
    ("fit_lr", "DiffBypass: the learning rate of the surrogate's fit"),
    ("lambda", "blackbox: the step λ of the perturbed cost x + λv"),
    ("wrt", "the bypassed inputs: a parameter name or a list of names"),
    ("seed", "noise from its own generator instead of the program's stream"),
    ("batched", "true: the function maps each item of axis 0 on its own, so all noisy copies run as one call"),
  ]

  /// "es, ste, blackbox, perturbed, or a model value (DiffBypass)": what a strategy may be.
  public static var choices: String { names.joined(separator: ", ") + ", or a model value (DiffBypass)" }
}
