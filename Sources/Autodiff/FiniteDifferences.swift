import Tensor

/// Central finite differences of a scalar function of tensors, and how far a gradient is
/// from them: the one engine behind `check_grad`, the REPL's `:check` and `:compare`, and the
/// gradient tests.
///
/// The function is a closure the caller evaluates however it likes (a tape, the dpl
/// interpreter, a test's kernel); it gets every input, one of them moved, and returns the
/// value in Double. Element by element it is evaluated twice per element, at `x ± step`
/// (in Float32, the step measured between the two points actually evaluated); along
/// `directions` random unit directions twice per direction, through all inputs at once.
///
/// The error measure (`Report.error`) is relative: element by element,
///
///     |a − n| / max(|a|, |n|, s)      s = max(10⁻² × the largest |a| or |n| of that input,
///                                             300 ulp(L) / 2·step)
///
/// largest over every element of every input, so an element far below its gradient's scale
/// is compared at that scale and no difference is asked to be finer than a few hundred units
/// in the last place of the Float32 value `L`. Along a direction `u` with `Δ = x⁺ − x⁻` it
/// is `|⟨a, Δ⟩ − (L(x⁺) − L(x⁻))| / max(|⟨a, Δ⟩|, |L(x⁺) − L(x⁻)|, 10⁻³‖a‖‖Δ‖, 300 ulp(L))`.
/// A correct smooth function scores 1e-5 to 5e-3; a wrong gradient O(1).
public struct FiniteDifferences {
  /// The step when none is given (tensors are Float32: much smaller steps measure rounding).
  public static let defaultStep = 1e-2
  /// Differences are resolved no finer than this many units in the last place of the
  /// function's Float32 value (over the step): below that they are rounding.
  public static let resolutionMultiple = 300.0
  /// A check passes when its error is at most this.
  public static let tolerance = 1e-2
  /// Seeds the random directions (the same ones every check).
  static let directionSeed: UInt64 = 0x636865636b

  /// The step `h` of `(L(x + h) − L(x − h)) / 2h`.
  public var step: Double
  /// Check along this many random unit directions instead of element by element.
  public var directions: Int?

  /// - Parameters:
  ///   - step: the finite-difference step (positive).
  ///   - directions: when given, the number of random directions to check along.
  public init(step: Double = defaultStep, directions: Int? = nil) {
    self.step = step
    self.directions = directions
  }

  /// What a check measured.
  public struct Report: CustomStringConvertible, Equatable {
    /// The relative error measure (see `FiniteDifferences`).
    public var error: Double
    /// Largest `|a − n|` (element by element) or `|⟨a, Δ⟩ − ΔL| / ‖Δ‖` (along directions).
    public var maxAbsError: Double
    /// Elements compared, or directions.
    public var checked: Int
    /// Whether the check went along random directions.
    public var alongDirections: Bool

    /// The error is finite and at most `FiniteDifferences.tolerance`.
    public var passed: Bool { error <= FiniteDifferences.tolerance }

    public var description: String {
      "error \(error) over \(checked) \(alongDirections ? "direction" : "element")\(checked == 1 ? "" : "s") (max abs error \(maxAbsError))"
    }
  }

  /// Why the differences could not be taken.
  public enum Failure: Error, Equatable, CustomStringConvertible {
    /// The step does not move element `element` of `input` (at `value`) in Float32.
    case stepBelowResolution(input: String, element: Int, value: Double)
    /// The function is not finite when element `element` of `input` moves by ±step.
    case notFinite(input: String, element: Int)
    /// The function is not finite along random direction `direction` (1-based).
    case notFiniteAlong(direction: Int)

    public var description: String {
      switch self {
      case .stepBelowResolution(let input, let i, let v): return "the step does not move element \(i) of \(input) (\(v)) in Float32"
      case .notFinite(let input, let i): return "the value is not finite when element \(i) of \(input) moves by the step"
      case .notFiniteAlong(let d): return "the value is not finite along random direction \(d)"
      }
    }
  }

  /// The derivative of `loss` in each element of each of `points`, by central differences.
  ///
  /// - Parameters:
  ///   - points: where to differentiate; `loss` gets all of them with one element moved.
  ///   - names: what each input is called in failures (default `input 1`, … or `the input`).
  ///   - loss: the function; it should not keep the tensors it is given, so that the next
  ///     element is moved in place.
  public func derivatives(at points: [Tensor], names: [String]? = nil,
                          _ loss: ([Tensor]) throws -> Double) throws -> [[Double]] {
    var current = points
    let names = names ?? Self.defaultNames(points.count)
    var out: [[Double]] = []
    for (k, x) in points.enumerated() {
      var numeric = [Double](repeating: 0, count: x.count)
      for i in numeric.indices {
        let v = Double(x[flat: i])
        defer { current[k][flat: i] = x[flat: i] }
        let (hi, lo) = (Float(v + step), Float(v - step))
        guard Double(hi) > Double(lo) else { throw Failure.stepBelowResolution(input: names[k], element: i, value: v) }
        current[k][flat: i] = hi
        let up = try loss(current)
        current[k][flat: i] = lo
        let down = try loss(current)
        guard up.isFinite, down.isFinite else { throw Failure.notFinite(input: names[k], element: i) }
        numeric[i] = (up - down) / (Double(hi) - Double(lo))
      }
      out.append(numeric)
    }
    return out
  }

  /// How far `analytic` (one gradient per input) is from the central differences of `loss`
  /// at `points`, element by element or along `directions`.
  ///
  /// - Parameters:
  ///   - analytic: the gradient under test, shaped like `points`.
  ///   - points: where it was taken.
  ///   - value: `loss` at `points` (sets the rounding floor).
  ///   - names: what each input is called in failures.
  ///   - loss: the function, as for `derivatives`.
  public func check(_ analytic: [Tensor], at points: [Tensor], value: Double, names: [String]? = nil,
                    _ loss: ([Tensor]) throws -> Double) throws -> Report {
    let rounding = Self.resolutionMultiple * Double(Float(value).ulp)
    if let directions { return try alongDirections(directions, analytic, at: points, rounding: rounding, loss) }
    let numeric = try derivatives(at: points, names: names, loss)
    var report = Report(error: 0, maxAbsError: 0, checked: 0, alongDirections: false)
    for (a, n) in zip(analytic, numeric) {
      var scale = 0.0
      for (i, d) in n.enumerated() { scale = max(scale, Swift.abs(d), Swift.abs(Double(a[flat: i]))) }
      let floor = max(1e-2 * scale, rounding / (2 * step), Double.leastNormalMagnitude)
      for (i, d) in n.enumerated() {
        let g = Double(a[flat: i])
        report.maxAbsError = max(report.maxAbsError, Swift.abs(g - d))
        report.error = Self.worse(report.error, Self.relative(g, d, floor: floor))
      }
      report.checked += n.count
    }
    return report
  }

  /// Along each of `count` random unit directions `u` (the same ones every time) through all
  /// inputs at once: `x± = x ± step·u` in Float32, `Δ = x⁺ − x⁻` as evaluated, the gradient's
  /// slope `g = ⟨a, Δ⟩ / ‖Δ‖` against `n = (L(x⁺) − L(x⁻)) / ‖Δ‖`: `2k` evaluations however
  /// many elements the inputs have.
  func alongDirections(_ count: Int, _ analytic: [Tensor], at points: [Tensor], rounding: Double,
                       _ loss: ([Tensor]) throws -> Double) throws -> Report {
    var rng = RNG(seed: Self.directionSeed)
    let gradNorm = analytic.reduce(0.0) { acc, a in acc + Self.squaredNorm(a) }.squareRoot()
    var report = Report(error: 0, maxAbsError: 0, checked: count, alongDirections: true)
    for d in 0..<count {
      let vs = points.map { rng.normal($0.shape) }
      let unit = 1 / max(vs.reduce(0.0) { $0 + Self.squaredNorm($1) }.squareRoot(), Double.leastNormalMagnitude)
      var along = 0.0, length = 0.0
      var plus: [Tensor] = [], minus: [Tensor] = []
      for (j, (b, v)) in zip(points, vs).enumerated() {
        plus.append(Tensor(shape: b.shape) { i in Float(Double(b[flat: i]) + step * unit * Double(v[flat: i])) })
        minus.append(Tensor(shape: b.shape) { i in Float(Double(b[flat: i]) - step * unit * Double(v[flat: i])) })
        for i in 0..<b.count {
          let delta = Double(plus[j][flat: i]) - Double(minus[j][flat: i])
          along += Double(analytic[j][flat: i]) * delta
          length += delta * delta
        }
      }
      length = max(length.squareRoot(), Double.leastNormalMagnitude)
      let up = try loss(plus), down = try loss(minus)
      guard up.isFinite, down.isFinite else { throw Failure.notFiniteAlong(direction: d + 1) }
      let (g, n) = (along / length, (up - down) / length)
      let floor = max(1e-3 * gradNorm, rounding / length, Double.leastNormalMagnitude)
      report.maxAbsError = max(report.maxAbsError, Swift.abs(g - n))
      report.error = Self.worse(report.error, Self.relative(g, n, floor: floor))
    }
    return report
  }

  /// `|a − n| / max(|a|, |n|, floor)`; NaN when either is not finite.
  static func relative(_ a: Double, _ n: Double, floor: Double) -> Double {
    guard a.isFinite, n.isFinite else { return .nan }
    return Swift.abs(a - n) / max(Swift.abs(a), Swift.abs(n), floor)
  }

  /// The larger error; NaN (a gradient that is not finite) wins.
  static func worse(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : max(a, b) }

  static func squaredNorm(_ t: Tensor) -> Double {
    t.withUnsafeBufferPointer { b in b.reduce(0.0) { $0 + Double($1) * Double($1) } }
  }

  /// `the input` for one input, else `input 1`, `input 2`, …
  static func defaultNames(_ count: Int) -> [String] {
    count == 1 ? ["the input"] : (1...max(1, count)).map { "input \($0)" }
  }
}
