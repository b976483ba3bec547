import Foundation
import Testing
@testable import Fuzz
import Language
@testable import IR

/// Fast fuzzing in the suite (20,000 inputs). The long run:
/// `DPL_FUZZ_COUNT=1000000 swift test --filter FuzzTests` (optionally `DPL_FUZZ_SEED`).
@Suite struct FuzzTests {
  static func corpus() -> [String] {
    var texts: [String] = []
    let dirs = [programsDir, packageRoot.appendingPathComponent("Tests/LanguageTests/Fixtures/errors"),
                packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")]
    for d in dirs {
      for name in (try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? [] where name.hasSuffix(".dpl") {
        if let t = try? String(contentsOf: d.appendingPathComponent(name), encoding: .utf8) { texts.append(t) }
      }
    }
    return texts
  }

  @Test func fuzzFrontEnd() {
    let env = ProcessInfo.processInfo.environment
    let count = env["DPL_FUZZ_COUNT"].flatMap(Int.init) ?? 20_000
    let seed = env["DPL_FUZZ_SEED"].flatMap(UInt64.init) ?? 1
    let result = ThreadResult(Fuzzer.Report())
    // Run on a thread with the main thread's 8 MiB stack, as the CLI does.
    let done = DispatchSemaphore(value: 0)
    let corpus = FuzzTests.corpus()
    let thread = Thread {
      var fuzzer = Fuzzer(seed: seed, corpus: corpus)
      result.value = fuzzer.run(count: count) { r in
        if count > 100_000 { print("fuzz: \(r.inputs) inputs, \(r.failures.count) failures") }
      }
      done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    done.wait()
    let report = result.value
    print("fuzz: \(report.inputs) inputs in \(report.seconds) s; parsed \(report.parsedCleanly), checked \(report.checkedCleanly), lowered \(report.lowered); slowest \(report.slowest) s; failures \(report.failures.count)")
    #expect(report.inputs == count)
    #expect(report.failures.isEmpty, "\(report.failures.prefix(3).joined(separator: "\n---\n"))")
    #expect(report.lowered > 0)
  }
}

/// A value a test's worker thread hands back once it signals (read after the wait).
final class ThreadResult<T>: @unchecked Sendable {
  var value: T
  init(_ value: T) { self.value = value }
}
