import ArgumentParser
import Formats
import Foundation
import IR
import Language
import RunOutput
import Runtime
import Tensor

/// `dpl run FILE [--set name=value …] [--seed N] [--out DIR | --resume DIR]`: compiles and
/// runs a program.
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a program. `dpl run FILE --help` lists the program's config.",
    // `--help` is ours: with a FILE it also lists that program's `config` fields.
    helpNames: [])

  @Argument(help: "The .dpl file to run.")
  var file: String?

  @Option(name: .customLong("set"), parsing: .upToNextOption,
          help: ArgumentHelp("Override config fields.", valueName: "name=value"))
  var settings: [String] = []

  @Option(parsing: .unconditional, help: "Seed of the program's random generator (0 … 2⁶⁴−1; default 0).")
  var seed: UInt64?

  @Option(help: "Folder for the run's outputs (default runs/<program>-<time>/); must be new or empty (see --force).")
  var out: String?

  @Flag(help: "Replace what an existing --out folder holds (moved aside, then deleted) instead of refusing it.")
  var force = false

  @Option(help: ArgumentHelp("Continue the run in DIR from its last checkpoint, with its seed, --set values and --skip.", valueName: "DIR"))
  var resume: String?

  @Flag(name: .customLong("allow-changed-source"),
        help: "With --resume: continue although the program or a file it imports changed since the checkpoint (the result then differs from an uninterrupted run).")
  var allowChangedSource = false

  @Flag(name: .customLong("allow-changed-kernels"),
        help: "With --resume: continue although this machine's CPU kernels (OpenBLAS' version and core, AVX-512 convolutions) differ from those the checkpoint was computed with (the result then differs from an uninterrupted run in its last bits).")
  var allowChangedKernels = false

  @Option(help: ArgumentHelp("Leave out IR passes, comma-separated (\(Pipeline.skippable.joined(separator: ", "))), to check that a result does not depend on them.", valueName: "passes"))
  var skip: String?

  @Flag(name: .customLong("detect-anomaly"),
        help: "Check every tensor for NaN/Inf and stop at the op that made the first one (slower).")
  var detectAnomaly = false

  @Option(name: .customLong("max-call-depth"),
          help: "Nested calls allowed before the run stops with an error (default 10000, at most 20000; or DPL_MAX_CALL_DEPTH).")
  var maxCallDepth: Int?

  @Flag(name: [.customShort("h"), .customLong("help")], help: "Show help (and the program's config) and exit.")
  var help = false

  func run() throws {
    guard let file, !help else {
      print(RunCommand.helpMessage())
      if let file { try printConfig(file) }
      return
    }
    // Under mpirun or srun, data-parallel ranks (docs/cluster.md): rank 0 writes the run
    // folder; every other rank writes a scratch folder of its own, deleted at the end.
    let parallel: DataParallel?
    do { parallel = try DataParallel.start() } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      throw ExitCode(69)
    }
    defer { parallel?.finish() }
    let scratch = parallel.flatMap { $0.rank == 0 ? nil : FileManager.default.temporaryDirectory.appendingPathComponent("dpl-rank\($0.rank)-\(getpid())") }
    defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
    // The folder is locked before anything is written in it and stays locked until this
    // process ends, so no second run (or resume) can write in it meanwhile.
    let claimed: RunFolder.Claimed
    var resumed: RunCheckpoint.Found?
    do {
      if let resume {
        guard out == nil, !force, settings.isEmpty, seed == nil, skip == nil else {
          throw RunFolder.Problem(message: "--resume continues a run with its own folder, seed, settings and passes; leave out --out, --force, --set, --seed and --skip", exitCode: 64)
        }
        if let scratch {
          // Rank 0 holds the folder's lock; the others only read its checkpoint.
          do { resumed = try RunCheckpoint(folder: URL(fileURLWithPath: resume)).read() } catch let e as IOError {
            throw RunFolder.Problem(message: "--resume '\(resume)': damaged checkpoint: \(e.description)", exitCode: 65)
          }
          guard resumed != nil else { throw RunFolder.Problem(message: "--resume '\(resume)' holds no checkpoint", exitCode: 66) }
          claimed = try RunFolder.prepare(out: scratch.path, program: file, force: false)
        } else {
          (claimed, resumed) = try RunFolder.resumable(resume, program: file)
        }
      } else {
        guard !allowChangedSource else { throw RunFolder.Problem(message: "--allow-changed-source goes with --resume DIR", exitCode: 64) }
        guard !allowChangedKernels else { throw RunFolder.Problem(message: "--allow-changed-kernels goes with --resume DIR", exitCode: 64) }
        claimed = try RunFolder.prepare(out: scratch?.path ?? out, program: file, force: scratch == nil && force)
      }
    } catch let p as RunFolder.Problem {
      FileHandle.standardError.write(Data("error: \(p.message)\n".utf8))
      throw ExitCode(p.exitCode)
    }
    let folder = claimed.url
    // A default folder the program wrote nothing to is not left behind.
    defer { claimed.lock.release(removingEmptyFolder: out == nil && resume == nil) }
    // A resumed run is started again exactly as the checkpoint says it was started.
    let settings = resumed.map { r in r.state.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } } ?? self.settings
    let skipped = try resumed.map { Set($0.state.skippedPasses) } ?? FrontEnd.skippedPasses(skip)
    let (module, compilation) = Compiler.compile(path: file, options: FrontEnd.options(), skipping: skipped)
    guard let module else { try FrontEnd.finish(compilation); throw ExitCode(compilation.unreadableMain?.exitCode ?? 65) }
    // Scalar code never reaches a BLAS kernel: it runs without mapping OpenBLAS, 2 MB of
    // pages (BENCHMARKS.md, "Interpreter on scalar code": peak memory).
    if module.mayComputeTensors { try requireBLAS() } else { EnvironmentCheck.warn() }

    var overrides: [String: String] = [:]
    let known = Set(module.configs.map(\.name))
    // A resumed run's settings come from its checkpoint: a bad one is a damaged checkpoint
    // (65), named as such, not a bad --set of the user's.
    let stateFile = resumed.map { $0.directory.appendingPathComponent("state.json").path }
    func refuse(_ message: String) -> ExitCode {
      if let stateFile {
        let what = message.hasPrefix("--set ") ? "its setting " + message.dropFirst(6) : message
        FileHandle.standardError.write(Data("error: --resume: damaged checkpoint: \(stateFile): \(what)\n".utf8))
        return ExitCode(65)
      }
      FileHandle.standardError.write(Data("error: \(message)\n".utf8))
      return ExitCode(64)
    }
    for s in settings {
      let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, !parts[0].isEmpty else { throw refuse("--set expects name=value, got '\(s)'") }
      guard known.contains(parts[0]) else {
        let list = module.configs.map(\.name).joined(separator: ", ")
        throw refuse("\(file) has no config field '\(parts[0])'\(list.isEmpty ? "" : "; fields: \(list)")")
      }
      if let earlier = overrides[parts[0]] {
        FileHandle.standardError.write(Data("error: --set \(parts[0]) is given twice ('\(earlier)' and '\(parts[1])'); give it once\n".utf8))
        throw ExitCode(64)
      }
      overrides[parts[0]] = parts[1]
      // Checked now, so a bad value never costs a data load or a training step.
      if let entry = module.configs.first(where: { $0.name == parts[0] }), case .failure(let p) = entry.parse(parts[1]) {
        let at = module.files.indices.contains(entry.span.file) ? module.files[entry.span.file].location(of: entry.span.start) : (0, 0)
        let declared = entry.span.file >= 0 ? " (declared at \(module.files[entry.span.file].path):\(at.0):\(at.1))" : ""
        throw refuse("--set \(s): \(p.message)\(declared)")
      }
    }
    if let r = resumed, let change = r.state.sourceChange(module.files) {
      try Self.checkResume("\(change) since the checkpoint of step \(r.state.step) in \(RunFolder.shown(folder))",
                           allowed: allowChangedSource, flag: "--allow-changed-source",
                           because: "the continuation would not be the run that was stopped; restore it")
    }
    if let r = resumed, let change = r.state.kernelChange(BLAS.kernels) {
      try Self.checkResume("\(change), at step \(r.state.step) in \(RunFolder.shown(folder))",
                           allowed: allowChangedKernels, flag: "--allow-changed-kernels",
                           because: "the continuation would not be bit-identical to the run that was stopped; resume on a machine with the same kernels (when only the OpenBLAS core differs, OPENBLAS_CORETYPE can choose the recorded one)")
    }
    let interpreter = Interpreter(module: module, seed: resumed?.state.seed ?? seed ?? 0, configOverrides: overrides)
    interpreter.resumeCheckpoint = resumed
    interpreter.dataParallel = parallel
    interpreter.stopsAtCheckpoint = true
    interpreter.skippedPasses = skipped.sorted()
    interpreter.detectAnomaly = detectAnomaly
    if let maxCallDepth {
      guard (1...Interpreter.maxCallDepthLimit).contains(maxCallDepth) else {
        FileHandle.standardError.write(Data("error: --max-call-depth must be between 1 and \(Interpreter.maxCallDepthLimit), got \(maxCallDepth)\n".utf8))
        throw ExitCode(64)
      }
      interpreter.maxCallDepth = maxCallDepth
    }
    interpreter.outputDirectory = folder
    // SIGINT/SIGTERM stop the run before its next op, with the span and the step reached,
    // or, once the program has called resume(…), at its next checkpoint(…), which writes
    // first; a second signal ends the process at once.
    let newline = ProgressBar.isTerminal ? "\n" : ""  // after a progress bar drawn in place
    let flag = interpreter.cancelFlag
    let stop = RunSignals.watch {
      flag.isSet = true
      if flag.waitsForCheckpoint {
        FileHandle.standardError.write(Data("\(newline)dpl: stopping after this step, once its checkpoint is written (a second signal stops at once)\n".utf8))
      }
    }
    defer { stop() }
    do {
      try interpreter.run()
      if let parallel { try interpreter.logInfo([("world_size", parallel.size), ("allreduce_seconds", parallel.allreduceSeconds)]) }
      try interpreter.flushRunLog()
    } catch let e as IOError {
      FileHandle.standardError.write(Data("error: \(e.description)\n".utf8))
      throw ExitCode(74)
    } catch let s as RunStopped {
      let launcher = parallel.map { "mpirun -n \($0.size) " } ?? ""
      let hint = "\(launcher)dpl run \(RunFolder.shellWord(file)) --resume \(RunFolder.shellWord(RunFolder.shown(folder)))"
      if scratch == nil {  // rank 0 names the run folder; the others' are scratch
        FileHandle.standardError.write(Data("\(newline)dpl: interrupted at step \(s.step); resume with: \(hint)\n".utf8))
      }
      throw ExitCode(130)
    } catch let e as RuntimeError {
      FileHandle.standardError.write(Data(e.render(files: module.files).utf8))
      if e.exitCode == 130 {
        let by = RunSignals.received.map { " by \($0)" } ?? ""
        FileHandle.standardError.write(Data("dpl: stopped\(by); what the run wrote so far is in \(folder.path)\n".utf8))
      }
      throw ExitCode(e.exitCode)
    }
  }

  /// Lists a program's `config` fields with their types and defaults.
  func printConfig(_ file: String) throws {
    let (module, compilation) = Compiler.compile(path: file, options: FrontEnd.options())
    guard let module else { try FrontEnd.finish(compilation); throw ExitCode(compilation.unreadableMain?.exitCode ?? 65) }
    if module.configs.isEmpty { print("\n\(file) has no config fields."); return }
    print("\nCONFIG of \(file) (set with --set name=value):")
    for c in module.configs {
      print("  \(c.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(String(describing: c.type).padding(toLength: 8, withPad: " ", startingAt: 0)) default \(c.defaultValue)\(c.range.map { "  in \($0)" } ?? "")")
    }
  }

  /// A resume whose checkpoint differs from now (`what`): refused with exit 65 and the way
  /// around it, unless `flag` was given, then a warning.
  static func checkResume(_ what: String, allowed: Bool, flag: String, because: String) throws {
    guard allowed else {
      FileHandle.standardError.write(Data("error: cannot resume: \(what), so \(because), or add \(flag) to continue anyway\n".utf8))
      throw ExitCode(65)
    }
    FileHandle.standardError.write(Data("warning: \(what); continuing (\(flag))\n".utf8))
  }
}
