import Foundation
import Testing
@testable import Runtime

/// Surrogate fidelity: every DiffBypass fit measures its surrogate on the fit's fresh noise
/// before the first update (`fit_fidelity`), and a surrogate that stops tracking its
/// function is reported on stderr with the call's location.
@Suite("@bypass(model) surrogate fidelity")
struct ExecBypassFidelityTests {
  /// A linear scorer learns `argmax` of its input; at step 30 the function becomes `argmin`
  /// and the surrogate, now fitted one step per call, cannot follow in time.
  static func program(options: String = "") -> String {
    """
    model Scorer() {
      let l = dense(4, 4)
      fn forward(x: Tensor) -> Tensor { l(x) }
    }
    fn pick(x: Tensor, flip: Bool) -> IntTensor {
      if flip { argmin(x, axis: 1) } else { argmax(x, axis: 1) }
    }
    let net = Scorer()
    let x = rand([8, 4], seed: 1)
    print(fit_fidelity(net))
    for step in 0..<60 {
      let flip = step >= 30
      let k = if flip { 1 } else { 5 }
      let g = grad(x) { sum(float(@bypass(net, wrt: x, sigma: 0.3, samples: 16, fit_steps: k, fit_lr: 0.05\(options)) pick(x, flip))) }
      let (agreement, error) = fit_fidelity(net)
      if step == 29 || step == 59 { print(agreement, error) }
    }
    """
  }

  static func run(_ source: String) -> (RunOutcome, String) {
    var logged = ""
    let out = runProgram(source: source, seed: 4) { i in i.log = { logged += $0 } }
    return (out, logged)
  }

  static func numbers(_ line: String) -> [Double] { line.split(separator: " ").compactMap { Double($0) } }

  @Test("fit_fidelity: argmax agreement and mean index error of the latest fit; a warning once tracking stops")
  func stoppedTracking() throws {
    let (out, logged) = Self.run(Self.program())
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines.count == 3)
    #expect(out.lines.first == "(-1.0, -1.0)")  // before any fit
    let tracked = Self.numbers(out.lines[1]), lost = Self.numbers(out.lines[2])
    #expect(tracked.count == 2 && tracked[0] >= 0.8 && tracked[1] <= 0.5, "\(out.lines)")
    #expect(lost.count == 2 && lost[0] <= 0.25 && lost[1] >= 1, "\(out.lines)")
    let warnings = logged.split(separator: "\n").filter { $0.contains("warning:") }
    #expect(warnings.count == 1, "\(logged)")
    let w = String(warnings.first ?? "")
    #expect(w.hasPrefix("test.dpl:14:105: warning: "), "\(w)")  // at the bypassed call, pick(x, flip)
    #expect(w.contains("warning: @bypass(Scorer) 'pick': the surrogate's argmax agreement on fresh noise is"), "\(w)")
    #expect(w.contains("below 25%") && w.contains("it has stopped tracking the function"), "\(w)")
  }

  @Test("fidelity: 0 turns the warning off; a threshold outside 0…1 is an error")
  func threshold() {
    let (quiet, logged) = Self.run(Self.program(options: ", fidelity: 0.0"))
    #expect(quiet.error == nil, "\(quiet.error ?? "")")
    #expect(!logged.contains("warning:"), "\(logged)")
    let (bad, _) = Self.run(Self.program(options: ", fidelity: 1.5"))
    #expect(bad.error?.contains("fidelity in 0…1") == true, "\(bad.error ?? "")")
  }

  @Test("real outputs: R² against the function and mean absolute error")
  func realOutputs() {
    let source = """
      model Lin() {
        let l = dense(3, 3)
        fn forward(x: Tensor) -> Tensor { l(x) }
      }
      fn f(x: Tensor) -> Tensor { round(x * 4.0) }
      let net = Lin()
      let x = rand([6, 3], seed: 2)
      for step in 0..<40 {
        let g = grad(x) { sum(@bypass(net, sigma: 0.5, samples: 32, fit_steps: 10, fit_lr: 0.05) f(x)) }
      }
      let (r2, error) = fit_fidelity(net)
      print(r2 > 0.8, r2 <= 1.0, error > 0.0, error < 1.0)
      """
    let (out, _) = Self.run(source)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["true true true true"])
  }
}
