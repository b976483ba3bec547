import Testing

/// The `batched` and `seed` options of `@bypass`.
struct ExecBypassOptionsTests {
  /// A user function that maps each row on its own, bypassed with ES: declaring it batched
  /// runs the noisy copies as one call and must give the same gradient as one call each.
  static func program(batched: String) -> String {
    """
    fn step(v: Tensor) -> Tensor { round(v * 2.0) + round(v) }
    let x = tensor([[0.3, -1.2, 0.8], [1.7, 0.1, -0.4]])
    let g = grad(x) { sum(@bypass(es, sigma: 0.5, samples: 6, seed: 3\(batched)) step(x) * x) }
    print(g)
    """
  }

  @Test func batchedCallsGiveTheSameGradient() {
    let perSample = runProgram(source: Self.program(batched: ""))
    let batched = runProgram(source: Self.program(batched: ", batched: true"))
    #expect(perSample.error == nil && batched.error == nil, "\(perSample.error ?? "") \(batched.error ?? "")")
    #expect(!perSample.stdout.isEmpty && perSample.stdout == batched.stdout)
  }

  /// With `seed:` the noise does not come from the program's stream: other seeds of the
  /// program give the same gradient, and another `seed:` a different one.
  @Test func seedOptionFixesTheNoise() {
    let a = runProgram(source: Self.program(batched: ""), seed: 1)
    let b = runProgram(source: Self.program(batched: ""), seed: 2)
    let c = runProgram(source: Self.program(batched: "").replacingOccurrences(of: "seed: 3", with: "seed: 4"), seed: 1)
    #expect(a.error == nil && a.stdout == b.stdout)
    #expect(a.stdout != c.stdout)
  }

  @Test func batchedMustBeABool() {
    let r = runProgram(source: Self.program(batched: ", batched: 1"))
    #expect(r.error?.contains("option 'batched' must be a Bool") == true)
  }
}
