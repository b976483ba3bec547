import Foundation
import Testing
@testable import Fuzz
@testable import Runtime

/// The differential program fuzzer in the suite: 2,000 generated programs (seed 1), each run
/// under every pass setting and checked against the Double reference, in two halves that
/// can run side by side. A failure prints the program and how to run it again
/// (`dpl fuzz --seed 1 --only INDEX`). Longer runs: `DPL_DIFF_FUZZ_COUNT=20000 swift test
/// --filter DifferentialFuzzTests` (and `DPL_DIFF_FUZZ_SEED`), or `dpl fuzz --programs N` on
/// a release build.
@Suite struct DifferentialFuzzTests {
  static let halves = 2

  @Test(arguments: 0..<halves)
  func generatedProgramsAgreeAcrossPassesAndWithTheReference(half: Int) {
    let env = ProcessInfo.processInfo.environment
    let total = env["DPL_DIFF_FUZZ_COUNT"].flatMap(Int.init) ?? 2_000
    let seed = env["DPL_DIFF_FUZZ_SEED"].flatMap(UInt64.init) ?? 1
    let count = total / Self.halves + (half < total % Self.halves ? 1 : 0)
    let start = half * (total / Self.halves) + min(half, total % Self.halves)
    // Run on a thread with the main thread's 8 MiB stack, as the CLI does.
    let box = ReportBox()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      box.report = DifferentialFuzzer().run(seed: seed, count: count, start: start)
      done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    done.wait()
    let report = box.report
    var kinds: [String: [Int]] = [:]
    for f in report.failures { kinds[f.kind, default: []].append(f.index) }
    let summary = kinds.sorted { $0.value.count > $1.value.count }
      .map { "\($0.value.count) × \($0.key) (programs \($0.value.prefix(10).map(String.init).joined(separator: ", ")))" }
    print("differential fuzz: programs \(start)..<\(start + count) of seed \(seed) in \(String(format: "%.1f", report.seconds)) s; "
          + "\(report.checkedPrograms) checked against finite differences; \(report.failures.count) failed")
    #expect(report.programs == count)
    #expect(report.checkedPrograms > count / 2, "too few programs had a gradient the reference could check")
    let reduced = report.failures.first.flatMap { DifferentialFuzzer().reduce($0.source) }
      .map { "\n\n--- the first program, reduced ---\n\($0)" } ?? ""
    #expect(report.failures.count == 0, "\(summary.joined(separator: "\n"))\n\n\(report.failures.prefix(3).map(\.description).joined(separator: "\n\n"))\(reduced)")
  }
}

/// Carries the report out of the fuzzing thread (read only after it signalled).
final class ReportBox: @unchecked Sendable {
  var report = DifferentialFuzzer.Report()
}
