import Foundation
import Interactive
import Runtime
import IR
import Language

/// Feeds the front end and the REPL's input path — bracket balancing, checking, lowering
/// and the passes, `:type`/`:ir`/`:help`, completion — with mutated seed programs,
/// generated programs and raw bytes. Nothing runs, so no input can loop: a crash is a
/// crash of the process, an input slower than `slowSeconds` is reported as a hang, and a
/// verifier failure as a bug.
public struct InputFuzzer {
  public struct Report: Sendable {
    public var inputs = 0
    /// Inputs that checked cleanly (the rest were rejected with diagnostics, as they should).
    public var checked = 0
    public var failures: [String] = []
    public var slowest = 0.0
    public var seconds = 0.0
  }

  var source: Fuzzer
  public var slowSeconds = 2.0

  public init(seed: UInt64, corpus: [String]) { source = Fuzzer(seed: seed, corpus: corpus) }

  /// The seed programs: every `.dpl` file in the package's programs, standard library,
  /// error fixtures and test programs under `root`.
  public static func corpus(root: URL) -> [String] {
    var texts: [String] = []
    for d in ["programs", "stdlib", "Tests/LanguageTests/Fixtures/errors", "Tests/RuntimeTests/Programs"] {
      let dir = root.appendingPathComponent(d)
      let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
      for name in names where name.hasSuffix(".dpl") {
        if let t = try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) { texts.append(t) }
      }
    }
    return texts
  }

  /// Runs `count` inputs on a large-stack thread (deeply nested inputs recurse in the
  /// parser); `progress` sees the report every 50,000.
  public mutating func run(count: Int, progress: ((Report) -> Void)? = nil) -> Report {
    var copy = self
    let report = (try? LargeStack.run { copy.runHere(count: count, progress: progress) }) ?? Report()
    self = copy
    return report
  }

  mutating func runHere(count: Int, progress: ((Report) -> Void)?) -> Report {
    var report = Report()
    let start = Date()
    let engine = ReplEngine(session: Session(options: CompileOptions(searchPaths: [], readFile: { _ in nil })))
    for i in 0..<count {
      let input = source.nextInput()
      let t0 = Date()
      let (verified, checked) = Self.feed(input, engine)
      if !verified { report.failures.append("verifier failure on input #\(i):\n\(input)") }
      if checked { report.checked += 1 }
      let dt = Date().timeIntervalSince(t0)
      report.inputs += 1
      report.slowest = max(report.slowest, dt)
      if dt > slowSeconds { report.failures.append("slow input #\(i) (\(dt) s):\n\(input)") }
      if let progress, report.inputs % 50_000 == 0 {
        report.seconds = Date().timeIntervalSince(start)
        progress(report)
      }
    }
    report.seconds = Date().timeIntervalSince(start)
    return report
  }

  /// One input through the front end and the REPL's path (continuation, completion, and
  /// the commands that compile only): whether the IR verifier was satisfied, and whether
  /// the input checked cleanly.
  static func feed(_ input: String, _ engine: ReplEngine) -> (verified: Bool, checked: Bool) {
    let verified = Fuzzer.feed(input) >= 0
    _ = ReplEngine.needsMoreInput(input)
    let word = String(input.split(whereSeparator: { $0 == " " || $0 == "\n" }).last ?? "")
    _ = engine.completions(prefix: word, line: input)
    let checked = engine.session.compiles(input)
    for command in [":type ", ":ir ", ":help "] { _ = engine.handle(command + input.prefix(2000)) }
    return (verified, checked)
  }
}
