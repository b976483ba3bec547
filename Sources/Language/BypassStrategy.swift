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

  /// "es, ste, blackbox, perturbed, or a model value (DiffBypass)": what a strategy may be.
  public static var choices: String { names.joined(separator: ", ") + ", or a model value (DiffBypass)" }
}
