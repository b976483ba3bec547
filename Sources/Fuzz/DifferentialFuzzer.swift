import Foundation
import Runtime
import IR
import Language

/// Runs generated programs (`ProgramGenerator`) under several pass settings and checks
/// (a) that every setting prints the same, (b) that what they print agrees with the Double
/// reference — gradients against central finite differences — and (c) that nothing
/// crashes, raises a run-time error or runs past a time limit.
public struct DifferentialFuzzer {
  /// A program that failed a check.
  public struct Failure: Sendable, CustomStringConvertible {
    public var seed: UInt64
    public var index: Int
    public var kind: String
    public var detail: String
    public var source: String

    public var description: String {
      "program \(index) of seed \(seed): \(kind)\n\(detail)\n--- program (reproduce: dpl fuzz --seed \(seed) --only \(index)) ---\n\(source)"
    }
  }

  /// Results of a run.
  public struct Report: Sendable {
    public var programs = 0
    /// Programs with at least one gradient checked against finite differences.
    public var checkedPrograms = 0
    public var checkedGradients = 0
    public var failures: [Failure] = []
    public var seconds = 0.0
    public var slowest = 0.0
    /// Seconds spent generating, compiling (front end and passes) and running.
    public var phases: [String: Double] = [:]
  }

  /// Pass settings compared: all passes, each skippable one left out, none of them.
  public static var settings: [(name: String, skipping: Set<String>)] {
    [("all passes", [])] + Pipeline.skippable.map { ("without \($0)", [$0]) }
      + [("without \(Pipeline.skippable.joined(separator: ", "))", Set(Pipeline.skippable))]
  }

  /// Seconds a program may run under one setting before it counts as a hang.
  public var timeLimit = 10.0

  public init() {}

  /// Generates and checks programs `start..<start + count` of `seed`.
  /// - Parameter progress: called every 1,000 programs.
  /// - Parameters:
  ///   - seconds: stop after this long (the report counts the programs run).
  ///   - willRun: called with each program's index before it runs (to name it if it crashes).
  public func run(seed: UInt64, count: Int, start: Int = 0, seconds: Double = .infinity,
                  willRun: ((Int) -> Void)? = nil, progress: ((Report) -> Void)? = nil) -> Report {
    var report = Report()
    let t0 = Date()
    for index in start..<(start + count) {
      if Date().timeIntervalSince(t0) > seconds { break }
      willRun?(index)
      let t = Date()
      let p = ProgramGenerator.program(seed: seed, index: index)
      report.phases["generate", default: 0] += Date().timeIntervalSince(t)
      if let f = check(p, phases: &report.phases) { report.failures.append(f) }
      report.slowest = max(report.slowest, Date().timeIntervalSince(t))
      report.programs += 1
      report.checkedGradients += p.checkedGradients
      if p.checkedGradients > 0 { report.checkedPrograms += 1 }
      if let progress, report.programs % 1000 == 0 {
        report.seconds = Date().timeIntervalSince(t0)
        progress(report)
      }
    }
    report.seconds = Date().timeIntervalSince(t0)
    return report
  }

  /// What one setting printed, or the error it stopped with.
  struct Outcome {
    var lines: [String]
    var error: String?
  }

  /// Checks one program; the first failure found.
  public func check(_ p: GeneratedProgram) -> Failure? {
    var phases: [String: Double] = [:]
    return check(p, phases: &phases)
  }

  func check(_ p: GeneratedProgram, phases: inout [String: Double]) -> Failure? {
    var clock = Date()
    func lap(_ phase: String) {
      let now = Date()
      phases[phase, default: 0] += now.timeIntervalSince(clock)
      clock = now
    }
    func fail(_ kind: String, _ detail: String) -> Failure {
      Failure(seed: p.seed, index: p.index, kind: kind, detail: detail, source: p.source)
    }
    let c = Compilation(options: CompileOptions(searchPaths: [], readFile: { _ in nil }))
    c.parse(source: p.source, path: "fuzz.dpl")
    let mustFailToCompile = p.expectedError.flatMap { $0.stage == .compile ? $0 : nil }
    guard let lowered = c.checkAndLower() else {
      let diagnostics = c.renderDiagnostics()
      guard let e = mustFailToCompile else { return fail("does not check (a generator bug)", diagnostics) }
      let first = Self.firstLine(diagnostics)
      return e.matches(first) ? nil : fail("the wrong compile error", "expected \(e.description)\n\(diagnostics)")
    }
    if let e = mustFailToCompile { return fail("no compile error", "expected \(e.description)") }
    lap("front end")
    let modules: [IRModule]
    do {
      modules = try Pipeline.run(lowered, settings: Self.settings.map(\.skipping))
    } catch {
      return fail("the IR verifier failed", "\(error)")
    }
    lap("passes")
    var outcomes: [(String, Outcome)] = []
    // Settings that leave the same IR (a pass with nothing to do) run it once.
    var seen: [[Function]: Outcome] = [:]
    for (setting, module) in zip(Self.settings, modules) {
      let outcome = seen[module.functions] ?? execute(module)
      seen[module.functions] = outcome
      outcomes.append((setting.name, outcome))
    }
    // Word functions run as register code (docs/runtime.md, "The word tier"); as closures too.
    if let all = modules.first, !WordProgram.wordFunctions(all).isEmpty {
      outcomes.insert(("all passes, word tier off", execute(all, wordTier: false)), at: 1)
    }
    lap("run")
    return judge(outcomes, p).map { fail($0.kind, $0.detail) }
  }

  /// The failure, if any, of a program's outcomes: a setting that stopped with an error,
  /// printed other than the unoptimised program (the last setting), or disagreed with the
  /// reference. The kind names the settings at fault, so failures group by cause.
  func judge(_ outcomes: [(String, Outcome)], _ p: GeneratedProgram) -> (kind: String, detail: String)? {
    let plain = outcomes[outcomes.count - 1].1
    // A run-time error the program must stop with, after the lines the reference expects.
    let mustFail = p.expectedError.flatMap { $0.stage == .run ? $0 : nil }
    func expected(_ o: Outcome) -> Bool { o.error.map { mustFail?.matches(Self.firstLine($0)) ?? false } ?? false }
    var bad: [String] = []
    // Settings that fail the same way share one entry.
    var details: [(problem: String, settings: [String])] = []
    func note(_ name: String, _ problem: String) {
      bad.append(name)
      if let k = details.firstIndex(where: { $0.problem == problem }) { details[k].settings.append(name) } else { details.append((problem, [name])) }
    }
    for (name, o) in outcomes {
      if let e = o.error, !expected(o) {
        note(name, e)
      } else if o.error == nil, let e = mustFail {
        note(name, "ran to its end; expected \(e.description)")
      } else if plain.error == nil || expected(plain), let k = OutputComparison.sameOutput(plain.lines, o.lines, expected: p.expected) {
        note(name, "line \(k + 1): \(Self.line(o.lines, k))\n  without passes: \(Self.line(plain.lines, k))")
      } else if let k = OutputComparison.firstMismatch(o.lines, p.expected) {
        let want: String
        switch k < p.expected.count ? p.expected[k] : nil {
        case .known(let text, _), .exact(let text): want = text
        default: want = "a line"
        }
        let what = o.lines.count == p.expected.count ? "" : " (\(o.lines.count) lines printed, \(p.expected.count) expected)"
        note(name, "line \(k + 1): \(Self.line(o.lines, k))\n  reference: \(want)\(what)")
      }
    }
    guard !bad.isEmpty else { return nil }
    let errors = outcomes.filter { bad.contains($0.0) && $0.1.error != nil }.map { Self.firstLine($0.1.error ?? "") }
    let what = errors.isEmpty ? "wrong output" : "run-time error '\(Self.message(errors[0]))'"
    let settings = bad.count == outcomes.count ? "every setting" : bad.joined(separator: "; ")
    return ("\(what) with \(settings)", details.map { "\($0.settings.joined(separator: "; ")): \($0.problem)" }.joined(separator: "\n"))
  }

  static func firstLine(_ s: String) -> String { String(s.split(separator: "\n").first ?? "") }

  /// A diagnostic's message without its location.
  static func message(_ line: String) -> String {
    guard let r = line.range(of: "error: ") else { return line }
    return String(line[r.upperBound...])
  }

  /// The reference's lines beside what the program printed with every pass (`?` for a line
  /// the reference does not know), to read a failure.
  public func explain(_ p: GeneratedProgram) -> String {
    let (module, c) = Compiler.compile(source: p.source, path: "fuzz.dpl", options: CompileOptions(readFile: { _ in nil }))
    guard let module else { return c.renderDiagnostics() }
    let o = execute(module)
    var rows: [String] = []
    for k in 0..<max(o.lines.count, p.expected.count) {
      let want: String
      switch k < p.expected.count ? p.expected[k] : nil {
      case .known(let text, _), .exact(let text): want = text
      case .opaque: want = "?"
      case .lost: want = "(unknown from here on)"
      case nil: want = "(none)"
      }
      rows.append("\(k + 1)\treference: \(want)\n\tprinted:   \(Self.line(o.lines, k))")
    }
    return rows.joined(separator: "\n") + (o.error.map { "\n" + $0 } ?? "")
  }

  static func line(_ lines: [String], _ k: Int) -> String { k < lines.count ? lines[k] : "(no line)" }

  /// Runs a module with seed 0, capturing `print`, stopping it after `timeLimit`.
  func execute(_ module: IRModule, wordTier: Bool = true) -> Outcome {
    let interpreter = Interpreter(module: module, seed: 0)
    interpreter.wordTier = wordTier
    var out = ""
    interpreter.output = { out += $0 }
    interpreter.log = { _ in }
    // The pending work item lives until its deadline even when cancelled: it holds the
    // stop flag, not the interpreter (which would stay alive, with all it computed, for
    // `timeLimit` after every program — gigabytes at a hundred programs a second).
    let flag = interpreter.cancelFlag
    let watchdog = DispatchWorkItem { flag.isSet = true }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeLimit, execute: watchdog)
    defer { watchdog.cancel() }
    var error: String?
    do {
      try interpreter.run()
    } catch let e as RuntimeError {
      error = e.render(files: module.files)
      if interpreter.cancelled { error = "timed out after \(timeLimit) s\n" + (error ?? "") }
    } catch {
      return Outcome(lines: [], error: "\(error)")
    }
    var lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return Outcome(lines: lines, error: error)
  }
}
