import Foundation
import Testing
@testable import Fuzz
@testable import Runtime

/// A seeded slice of the front-end and REPL-input fuzzing (`dpl fuzz --inputs N` runs the
/// long one): mutated programs, generated programs and raw bytes, with no crash, hang or
/// verifier failure.
@Suite struct InputFuzzTests {
  @Test func frontEndAndReplInputs() {
    let count = ProcessInfo.processInfo.environment["DPL_INPUT_FUZZ_COUNT"].flatMap(Int.init) ?? 1_000
    let corpus = InputFuzzer.corpus(root: repositoryRoot)
    #expect(corpus.count >= 20)
    var fuzzer = InputFuzzer(seed: 7, corpus: corpus)
    let r = fuzzer.run(count: count)
    print("input fuzz: \(r.inputs) inputs in \(r.seconds) s; \(r.checked) checked cleanly; slowest \(r.slowest) s; failures \(r.failures.count)")
    #expect(r.inputs == count)
    #expect(r.checked > 0, "some inputs are valid programs")
    #expect(r.failures.isEmpty, "\(r.failures.prefix(3).joined(separator: "\n---\n"))")
  }
}
