import Tensor

/// How closely a DiffBypass surrogate follows the function it stands in for, measured on
/// noisy inputs it has not been fitted on.
///
/// - Index outputs (`f` returns an `IntTensor`, the surrogate class scores on its last
///   axis): `agreement` is the fraction of output elements where the surrogate's argmax
///   equals `f`'s index, `error` the mean absolute difference of the two indices.
/// - Real outputs: `agreement` is the fraction of `f`'s variance the surrogate explains,
///   `1 − Σ(net − f)² / Σ(f − mean f)²` (R², at most 1; 0 is no better than a constant;
///   1 when `f` is constant and matched exactly, else 0), `error` the mean absolute
///   difference.
///
/// Both are 1 / 0 for a perfect surrogate, so one threshold on `agreement` serves both.
public struct SurrogateFidelity: Equatable, CustomStringConvertible {
  public var agreement: Double
  public var error: Double
  /// Whether the outputs were indices (argmax agreement) or reals (R²).
  public var isIndex: Bool

  /// The `@bypass` option `fidelity`'s default: the agreement below which a surrogate that
  /// tracked its function is reported as no longer tracking it.
  public static let defaultThreshold = 0.25

  public init(agreement: Double, error: Double, isIndex: Bool) {
    self.agreement = agreement
    self.error = error
    self.isIndex = isIndex
  }

  /// Compares the surrogate's `output` with `f`'s `target` on the same noisy inputs. For
  /// index outputs `output` holds `target.count` rows of class scores (`[…, classes]`).
  public static func measure(output: Tensor, target: Tensor, isIndex: Bool) throws -> SurrogateFidelity {
    let n = target.count
    if isIndex {
      guard n > 0, output.count % n == 0, output.count > 0 else {
        throw TensorError("surrogate fidelity", "\(shapeString(output.shape)) scores for \(shapeString(target.shape)) indices")
      }
      let classes = output.count / n
      var agree = 0, absError = 0.0
      output.withUnsafeBufferPointer { o in
        target.withUnsafeBufferPointer { t in
          for i in 0..<n {
            var best = 0
            for k in 1..<max(classes, 1) where o[i * classes + k] > o[i * classes + best] { best = k }
            let want = Int(t[i])
            if best == want { agree += 1 }
            absError += Double(abs(best - want))
          }
        }
      }
      return SurrogateFidelity(agreement: Double(agree) / Double(n), error: absError / Double(n), isIndex: true)
    }
    guard output.count == n else {
      throw TensorError("surrogate fidelity", "\(shapeString(output.shape)) outputs for \(shapeString(target.shape)) values")
    }
    if n == 0 { return SurrogateFidelity(agreement: 1, error: 0, isIndex: false) }
    return output.withUnsafeBufferPointer { o in
      target.withUnsafeBufferPointer { t in
        let mean = t.reduce(0.0) { $0 + Double($1) } / Double(n)
        var residual = 0.0, spread = 0.0, absError = 0.0
        for i in 0..<n {
          let d = Double(o[i]) - Double(t[i])
          residual += d * d
          absError += abs(d)
          spread += (Double(t[i]) - mean) * (Double(t[i]) - mean)
        }
        let r2 = spread > 0 ? 1 - residual / spread : (residual == 0 ? 1 : 0)
        return SurrogateFidelity(agreement: r2, error: absError / Double(n), isIndex: false)
      }
    }
  }

  public var description: String { "\(agreementName) \(shown(agreement)), \(errorDescription)" }

  /// "mean |index error| 1.25" (index outputs) or "mean |error| 0.031".
  public var errorDescription: String { (isIndex ? "mean |index error| " : "mean |error| ") + Self.short(error) }

  /// What `agreement` is: "argmax agreement" or "R²".
  public var agreementName: String { isIndex ? "argmax agreement" : "R²" }

  /// An agreement as messages show it: a percentage for index outputs, R² to 3 places.
  public func shown(_ agreement: Double) -> String { isIndex ? Self.percent(agreement) : Self.short(agreement) }

  static func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }
  static func short(_ x: Double) -> String { String(Double((x * 1000).rounded()) / 1000) }

  /// Watches the measurements of one surrogate, fit after fit, and says when it stopped
  /// tracking its function: the mean agreement over the last `window` fits has fallen
  /// below `threshold` after having been at or above it. It says so once, and again only
  /// after the mean has come back up. A surrogate that never reached the threshold in
  /// `patience` fits is reported once too (it never tracked the function).
  public struct Watch {
    public var threshold: Double
    public var window: Int
    public var patience: Int
    public private(set) var recent: [SurrogateFidelity] = []
    public private(set) var fits = 0
    private var tracking = false
    private var reported = false

    public init(threshold: Double, window: Int = 10, patience: Int = 100) {
      self.threshold = threshold
      self.window = max(1, window)
      self.patience = patience
    }

    /// What a warning says: the mean over the window and why it is reported.
    public struct Alarm: Equatable {
      public var mean: SurrogateFidelity
      public var fits: Int
      /// True when the surrogate had tracked the function before; false when it never did.
      public var stopped: Bool
    }

    /// The mean of the last `window` measurements.
    public var mean: SurrogateFidelity? {
      guard let first = recent.first else { return nil }
      let k = Double(recent.count)
      return SurrogateFidelity(agreement: recent.reduce(0) { $0 + $1.agreement } / k,
                               error: recent.reduce(0) { $0 + $1.error } / k, isIndex: first.isIndex)
    }

    /// Adds one fit's measurement; returns the alarm to report, if any.
    public mutating func add(_ f: SurrogateFidelity) -> Alarm? {
      fits += 1
      recent.append(f)
      if recent.count > window { recent.removeFirst(recent.count - window) }
      guard threshold > 0, recent.count == window, let m = mean else { return nil }
      if m.agreement >= threshold {
        tracking = true
        reported = false
        return nil
      }
      if tracking {
        tracking = false
        reported = true
        return Alarm(mean: m, fits: fits, stopped: true)
      }
      if !reported, fits >= patience {
        reported = true
        return Alarm(mean: m, fits: fits, stopped: false)
      }
      return nil
    }
  }
}
