import ArgumentParser
import Foundation
import Fuzz
import Language
import Runtime

/// `dpl fuzz --programs N [--seed S]`: the differential program fuzzer; `dpl fuzz --inputs N`:
/// the front end and the REPL's input path on mutated programs and raw bytes; `dpl fuzz
/// --files N`: the file readers on crafted and mutated files.
struct FuzzCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fuzz",
    abstract: "Run random well-typed programs under every pass setting and check them against a Double reference.",
    discussion: """
      Each program is generated from the seed and its index, run with all IR passes, with each \
      skippable pass left out and with none, and must print the same under every setting; its \
      values and gradients must agree with the generator's Double reference (gradients by central \
      finite differences) and it must not fail or hang. Exit status 0 when every program passed, \
      70 otherwise. Reproduce a failure with --seed S --only INDEX (add --show for its source).

      With --inputs N, feeds N inputs instead — mutations of the package's .dpl files, generated \
      programs and raw bytes — to the parser, checker, lowering and passes and to the REPL's input \
      path (continuation, completion, :type, :ir, :help); nothing runs. Each must end in a value \
      or diagnostics, within 2 s, with the IR verifier satisfied.

      With --files N, feeds N crafted and mutated safetensors, .npy, CSV and NIfTI-1 files (shapes \
      whose product wraps, offsets past the end, truncations, bit flips) to the readers load() \
      uses; each must give tensors whose storage matches their shape, or an error naming the file.
      """)

  @Option(help: "How many programs to run.")
  var programs = 1000

  @Option(help: "Fuzz the front end and the REPL's input path with this many inputs instead.")
  var inputs: Int?

  @Option(help: "Fuzz the file readers (safetensors, NPY, CSV, NIfTI) with this many crafted files instead.")
  var files: Int?

  @Option(help: "The run's seed.")
  var seed: UInt64 = 1

  @Option(help: "Run only the program with this index.")
  var only: Int?

  @Option(help: "The first program's index.")
  var start = 0

  @Flag(help: "Print each program's source instead of running it.")
  var show = false

  @Flag(help: "Print each program's reference lines beside what it printed with every pass.")
  var explain = false

  @Option(help: "Failures printed in full.")
  var maxPrinted = 3

  @Option(help: "Stop after this many seconds (and report the programs run).")
  var maxSeconds: Double?

  @Option(help: "Seconds a program may run under one pass setting.")
  var timeLimit = 10.0

  func run() throws {
    try requireBLAS()
    if let inputs { return try runInputs(inputs) }
    if let files { return try runFiles(files) }
    let (first, count) = only.map { ($0, 1) } ?? (start, programs)
    if show {
      for i in first..<(first + count) { print(ProgramGenerator.program(seed: seed, index: i).source) }
      return
    }
    if explain {
      for i in first..<(first + count) { print(DifferentialFuzzer().explain(ProgramGenerator.program(seed: seed, index: i))) }
      return
    }
    var fuzzer = DifferentialFuzzer()
    fuzzer.timeLimit = timeLimit
    CrashNote.install()
    // Failures are printed as they are found (within 1,000 programs), so a long run shows
    // them while it goes on.
    var printed = 0
    func printFailures(_ r: DifferentialFuzzer.Report) {
      for f in r.failures.prefix(maxPrinted).dropFirst(printed) {
        var text = "FAIL \(f)\n"
        if let small = fuzzer.reduce(f.source) { text += "--- reduced (the settings still diverge the same way) ---\n\(small)\n" }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
        printed += 1
      }
    }
    let report = fuzzer.run(seed: seed, count: count, start: first, seconds: maxSeconds ?? .infinity,
                            willRun: { CrashNote.set("dpl fuzz: crashed in program \($0) of seed \(seed); reproduce: dpl fuzz --seed \(seed) --only \($0)\n") }) { r in
      printFailures(r)
      guard count < 100_000 || r.programs % 10_000 == 0 else { return }
      let rate = Double(r.programs) / max(r.seconds, 1e-9)
      FileHandle.standardError.write(Data("fuzz: \(r.programs) programs, \(r.failures.count) failures, \(String(format: "%.1f", rate))/s\n".utf8))
    }
    printFailures(report)
    // Failures grouped by kind (the settings at fault), with the first programs of each.
    var kinds: [String: [Int]] = [:]
    for f in report.failures { kinds[f.kind, default: []].append(f.index) }
    for (k, xs) in kinds.sorted(by: { $0.value.count > $1.value.count }) {
      print("  \(xs.count) × \(k): programs \(xs.prefix(8).map(String.init).joined(separator: " "))\(xs.count > 8 ? " …" : "")")
    }
    print("fuzz: \(report.programs) programs (seed \(seed)) in \(String(format: "%.1f", report.seconds)) s; "
          + "\(report.checkedPrograms) checked against finite differences (\(report.checkedGradients) gradients); "
          + "\(report.failures.count) failed; slowest \(String(format: "%.3f", report.slowest)) s")
    let phases = report.phases.sorted { $0.value > $1.value }.map { "\($0.key) \(String(format: "%.1f", $0.value)) s" }
    FileHandle.standardError.write(Data("time: \(phases.joined(separator: ", "))\n".utf8))
    if !report.failures.isEmpty { throw ExitCode(70) }
  }
}

extension FuzzCommand {
  func runInputs(_ count: Int) throws {
    guard count >= 1 else { throw ValidationError("--inputs must be at least 1, got \(count)") }
    let stdlib = CompileOptions.stdlibPaths(nearExecutable: CommandLine.arguments[0])
    guard let root = stdlib.first.map({ URL(fileURLWithPath: $0).deletingLastPathComponent() }) else {
      throw ValidationError("the package's stdlib/ and programs/ folders, the seed inputs, are not next to this executable")
    }
    var fuzzer = InputFuzzer(seed: seed, corpus: InputFuzzer.corpus(root: root))
    CrashNote.set("dpl fuzz: crashed on an input of seed \(seed); reproduce: dpl fuzz --inputs \(count) --seed \(seed)\n")
    CrashNote.install()
    let r = fuzzer.run(count: count) { r in
      guard r.inputs > 0 else { return }
      let rate = Double(r.inputs) / max(r.seconds, 1e-9)
      FileHandle.standardError.write(Data("fuzz: \(r.inputs) inputs, \(r.failures.count) failures, \(String(format: "%.0f", rate))/s\n".utf8))
    }
    for f in r.failures.prefix(maxPrinted) { print("FAIL \(f)\n") }
    print("fuzz: \(r.inputs) inputs (seed \(seed)) in \(String(format: "%.1f", r.seconds)) s; \(r.checked) checked cleanly; "
          + "\(r.failures.count) failed; slowest \(String(format: "%.3f", r.slowest)) s")
    if !r.failures.isEmpty { throw ExitCode(70) }
  }
}

extension FuzzCommand {
  func runFiles(_ count: Int) throws {
    guard count >= 1 else { throw ValidationError("--files must be at least 1, got \(count)") }
    var fuzzer = FileFuzzer(seed: seed)
    CrashNote.set("dpl fuzz: crashed on a file of seed \(seed); reproduce: dpl fuzz --files \(count) --seed \(seed)\n")
    CrashNote.install()
    let r = fuzzer.run(count: count) { r in
      FileHandle.standardError.write(Data("fuzz: \(r.inputs) files, \(r.failures.count) failures\n".utf8))
    }
    for f in r.failures.prefix(maxPrinted) { print("FAIL \(f)\n") }
    print("fuzz: \(r.inputs) files (seed \(seed)) in \(String(format: "%.1f", r.seconds)) s; \(r.decoded) decoded; "
          + "\(r.failures.count) failed")
    if !r.failures.isEmpty { throw ExitCode(70) }
  }
}

/// What to write to stderr if the process dies on a signal (a trap in the program being
/// run): the program's index, so a crash is as reproducible as any other failure.
enum CrashNote {
  nonisolated(unsafe) static var buffer = [UInt8](repeating: 0, count: 256)
  nonisolated(unsafe) static var length = 0

  static func set(_ text: String) {
    let bytes = Array(text.utf8.prefix(buffer.count))
    for (k, b) in bytes.enumerated() { buffer[k] = b }
    length = bytes.count
  }

  static func install() {
    for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
      signal(sig) { s in
        CrashNote.buffer.withUnsafeBufferPointer { p in _ = write(2, p.baseAddress, CrashNote.length) }
        signal(s, SIG_DFL)
        raise(s)
      }
    }
  }
}
