import Autodiff
import Testing
@testable import Tensor

/// Shared helpers for the NN kernel tests: random data, closeness checks against Double
/// references, and a central-difference gradient check.

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
  var rng = RNG(seed: seed)
  return rng.normal(shape, std: scale)
}

/// Values that are pairwise distinct by at least ~1/count (no ties for max-pool/ReLU kinks).
func distinctTensor(_ shape: [Int], seed: UInt64) -> Tensor {
  var rng = RNG(seed: seed)
  let n = shape.reduce(1, *)
  var order = Array(0..<n)
  for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.int(below: i + 1)) }
  return try! Tensor(shape: shape, scalars: order.map { Float($0 - n / 2) / Float(max(1, n / 4)) + 0.013 })
}

func doubles(_ t: Tensor) -> [Double] { t.scalars.map(Double.init) }

/// Every element within `atol + rtol·|ref|`, with `atol` scaled by the largest reference value.
func expectClose(_ got: Tensor, _ ref: [Double], rtol: Double = 1e-4, atol: Double = 1e-4,
                 _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(got.count == ref.count, "\(what): count \(got.count) vs \(ref.count)", sourceLocation: sourceLocation)
  guard got.count == ref.count else { return }
  let scale = max(1, ref.map(abs).max() ?? 1)
  var worst = 0.0, at = -1
  for (i, (g, r)) in zip(got.scalars, ref).enumerated() {
    let err = abs(Double(g) - r) / (atol * scale + rtol * abs(r))
    if !(err <= worst) { worst = err; at = i }  // catches NaN
  }
  #expect(worst <= 1, "\(what): element \(at) is \(at >= 0 ? Double(got.scalars[at]) : 0), expected \(at >= 0 ? ref[at] : 0)",
          sourceLocation: sourceLocation)
}

/// Central finite differences (`Autodiff.FiniteDifferences`) of `L(x) = Σ r·f(x)`
/// (evaluated in Double) against the analytic gradient `grad(r)`, for a random `r` fixed by
/// `seed`. Moves each element of `x` by ±`h` in Float32; tolerance ~1e-2 relative to the
/// gradient's scale.
func checkGradient(_ x: Tensor, h: Float = 1e-2, tol: Double = 1e-2, seed: UInt64 = 99, _ what: String = "",
                   sourceLocation: SourceLocation = #_sourceLocation,
                   f: (Tensor) throws -> Tensor, grad: (Tensor) throws -> Tensor) throws {
  let y0 = try f(x)
  let r = randomTensor(y0.shape, seed: seed)
  let rd = doubles(r)
  let analytic = try grad(r)
  #expect(analytic.shape == x.shape, "\(what): gradient shape", sourceLocation: sourceLocation)
  let numeric = try FiniteDifferences(step: Double(h)).derivatives(at: [x]) { xs in
    zip(doubles(try f(xs[0])), rd).reduce(0) { $0 + $1.0 * $1.1 }
  }[0]
  expectClose(analytic, numeric, rtol: tol, atol: tol, "\(what) gradient", sourceLocation: sourceLocation)
}

/// Row-major flat index of a multi-index in `shape`.
func flat(_ shape: [Int], _ idx: Int...) -> Int {
  var f = 0
  for (i, d) in zip(idx, shape) { f = f * d + i }
  return f
}
