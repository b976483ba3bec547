import Foundation
import IR
import Language
import Testing
@testable import Fuzz
@testable import Runtime
@testable import Formats

/// `dpl fmt` over random programs: the differential fuzzer's generated programs, and the
/// front-end fuzzer's mutated and generated inputs that parse. Formatting must keep the
/// syntax tree (locations aside) and be idempotent.
@Suite struct FormatterFuzzTests {
  /// The tree without `@line:col`, or nil when the source does not parse.
  static func tree(_ source: String) -> String? {
    let c = Compilation(options: CompileOptions(searchPaths: [], readFile: { _ in "" }))
    guard let m = c.parse(source: source, path: "fuzz.dpl"), !c.hasSyntaxErrors else { return nil }
    return ASTPrinter.print(m, file: c.files[m.fileID], locations: false)
  }

  /// Formats `source` twice; a description of what went wrong, or nil.
  static func problem(_ source: String) -> String? {
    guard let before = tree(source) else { return "does not parse:\n\(source)" }
    guard let once = try? SourceFormatter.format(source, path: "fuzz.dpl") else { return "does not format:\n\(source)" }
    if tree(once) != before { return "the tree changed:\n\(source)\n--- formatted:\n\(once)" }
    if (try? SourceFormatter.format(once, path: "fuzz.dpl")) != once { return "not idempotent:\n\(source)\n--- formatted:\n\(once)" }
    return nil
  }

  @Test func generatedPrograms() {
    var failures: [String] = []
    for seed in 0..<300 {
      let p = ProgramGenerator.program(seed: UInt64(seed), index: 0)
      if let why = Self.problem(p.source) { failures.append("seed \(seed): \(why)") }
    }
    #expect(failures.isEmpty, "\(failures.count) failures; first: \(failures.first ?? "")")
  }

  @Test func mutatedInputs() {
    var fuzzer = Fuzzer(seed: 23, corpus: InputFuzzer.corpus(root: repositoryRoot))
    var failures: [String] = [], parsed = 0
    for i in 0..<1_000 {
      let input = i % 2 == 0 ? fuzzer.mutate() : fuzzer.generate()
      guard Self.tree(input) != nil else { continue }
      parsed += 1
      if let why = Self.problem(input) { failures.append("input \(i): \(why)") }
    }
    #expect(parsed > 200, "enough inputs parse to test the formatter")
    #expect(failures.isEmpty, "\(failures.count) failures; first: \(failures.first ?? "")")
  }
}
