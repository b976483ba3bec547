import Foundation
import Testing
@testable import Runtime

/// A seeded slice of the front-end and REPL-input fuzzing (`dpl fuzz --inputs N` runs the
/// long one): mutated programs, generated programs and raw bytes, with no crash, hang or
/// verifier failure.
@Suite struct InputFuzzTests {
  static func corpus() -> [String] {
    var texts: [String] = []
    for d in ["programs", "stdlib", "Tests/LanguageTests/Fixtures/errors", "Tests/RuntimeTests/Programs"] {
      let dir = repositoryRoot.appendingPathComponent(d)
      for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where name.hasSuffix(".dpl") {
        if let t = try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) { texts.append(t) }
      }
    }
    return texts
  }

  @Test func frontEndAndReplInputs() {
    let count = ProcessInfo.processInfo.environment["DPL_INPUT_FUZZ_COUNT"].flatMap(Int.init) ?? 1_000
    let corpus = Self.corpus()
    #expect(corpus.count >= 20)
    let result = ThreadResult(InputFuzzer.Report())
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      var fuzzer = InputFuzzer(seed: 7, corpus: corpus)
      result.value = fuzzer.run(count: count)
      done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    done.wait()
    let r = result.value
    print("input fuzz: \(r.inputs) inputs in \(r.seconds) s; \(r.checked) checked cleanly; slowest \(r.slowest) s; failures \(r.failures.count)")
    #expect(r.inputs == count)
    #expect(r.checked > 0, "some inputs are valid programs")
    #expect(r.failures.isEmpty, "\(r.failures.prefix(3).joined(separator: "\n---\n"))")
  }
}
