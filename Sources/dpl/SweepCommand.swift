import ArgumentParser
import Formats
import Foundation
import RunOutput
import Runtime

/// `dpl sweep`: runs of programs over one config field — the thesis' experiments (Fig. 5.3,
/// 5.4, 5.8), or every method of a PTO program. Each run is a `dpl run programs/P.dpl --set
/// FIELD=v seed=s …` in its own folder; the sweep collects the `--metric` entries of each
/// run's `metrics.json` into `sweep.csv` and plots the first in `sweep.png`: against the
/// swept value when the values are numbers, else (a method name, say) as each value's
/// curve of that column of `metrics.csv` against the step, averaged over the seeds.
///
/// Every run is a task of one script, `sweep.sh`, which `--jobs N` runs here N at a time and
/// `--slurm` submits as a SLURM job array (docs/cluster.md); `sweep.json` maps tasks to runs.
struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Run programs over a config field (default: training-set sizes); tabulate and plot a metric.")

  @Option(help: "Comma-separated programs (names in programs/ or .dpl paths).")
  var programs = "unet,unet_dp,edpcnn"

  @Option(help: "The swept field and its values, e.g. train_images=10,20,50 or jitter=0,0.5,1.")
  var vary = "train_images=10,20,50,100,200,500,1000,0"

  @Option(help: "Comma-separated metrics.json entries to collect; the first is plotted (e.g. test_regret,train_seconds).")
  var metric = "best_val_dice,val_dice"

  @Option(help: "Comma-separated seeds (each run gets --set seed=s).")
  var seeds = "0"

  @Option(name: .customLong("set"), parsing: .upToNextOption, help: ArgumentHelp("Settings for every run.", valueName: "name=value"))
  var settings: [String] = []

  @Option(help: "Output folder (default runs/sweep-<time>/).")
  var out: String?

  @Option(help: ArgumentHelp("Run the tasks on this machine N at a time (each with DPL_THREADS = cores / N unless set).", valueName: "N"))
  var jobs = 1

  @Flag(help: "Submit the sweep to SLURM as one job array (one task per program × value × seed) instead of running it here.")
  var slurm = false

  @Option(help: ArgumentHelp("With --slurm: the partition.", valueName: "name"))
  var partition: String?

  @Option(help: ArgumentHelp("With --slurm: each task's time limit (SLURM's format, e.g. 2:00:00 or 1-12:00:00).", valueName: "limit"))
  var time: String?

  @Option(name: .customLong("cpus-per-task"), help: ArgumentHelp("With --slurm: CPUs per task (its DPL_THREADS).", valueName: "n"))
  var cpusPerTask: Int?

  @Option(help: ArgumentHelp("With --slurm: memory per task (e.g. 4G).", valueName: "size"))
  var mem: String?

  @Option(name: .customLong("max-parallel"), help: ArgumentHelp("With --slurm: tasks that may run at once (sbatch --array=…%n).", valueName: "n"))
  var maxParallel: Int?

  @Option(name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue,
          help: ArgumentHelp("With --slurm: one more sbatch option for the task script, e.g. --sbatch-arg=--qos=long (repeatable).", valueName: "option"))
  var sbatchArgs: [String] = []

  @Flag(help: "With --slurm: a preempted task, or one near its time limit, is requeued and continues from its checkpoint.")
  var requeue = false

  @Flag(help: "With --slurm or --collect: wait (with a progress line) until every task has ended, then collect.")
  var wait = false

  @Option(help: ArgumentHelp("Show the state of each task of the sweep in DIR.", valueName: "DIR"))
  var status: String?

  @Option(help: ArgumentHelp("Write sweep.csv and sweep.png of the sweep in DIR from its finished runs.", valueName: "DIR"))
  var collect: String?

  @Option(help: ArgumentHelp("Run again the tasks of the sweep in DIR that failed or never ran (on SLURM: a new array job, or here with --jobs); each continues from its checkpoint.", valueName: "DIR"))
  var resubmit: String?

  func run() throws {
    do {
      if let status {
        let folder = URL(fileURLWithPath: status)
        print(try SweepStatus.read(try SweepPlan.load(from: folder), in: folder).table, terminator: "")
      } else if let collect {
        try finish(URL(fileURLWithPath: collect), waiting: wait)
      } else if let resubmit {
        try again(URL(fileURLWithPath: resubmit))
      } else {
        try start()
      }
    } catch let e as SweepError {
      FileHandle.standardError.write(Data("error: \(e.message)\n".utf8))
      throw ExitCode(e.exitCode)
    }
  }

  func validate() throws {
    guard jobs >= 1 else { throw ValidationError("--jobs must be 1 or more") }
    // The task script holds these, so a resubmission keeps the sweep's own.
    let scriptOptions = [("--partition", partition != nil), ("--time", time != nil), ("--cpus-per-task", cpusPerTask != nil),
                         ("--mem", mem != nil), ("--sbatch-arg", !sbatchArgs.isEmpty), ("--requeue", requeue)]
    if !slurm, let (name, _) = scriptOptions.first(where: \.1) { throw ValidationError("\(name) goes with --slurm") }
    if !slurm && resubmit == nil && maxParallel != nil { throw ValidationError("--max-parallel goes with --slurm or --resubmit") }
    if slurm && jobs != 1 { throw ValidationError("--jobs runs tasks on this machine; with --slurm, --max-parallel limits the tasks at once") }
    if wait && !slurm && collect == nil && resubmit == nil { throw ValidationError("--wait goes with --slurm, --collect or --resubmit") }
    if let n = maxParallel, n < 1 { throw ValidationError("--max-parallel must be 1 or more") }
    if let n = cpusPerTask, n < 1 { throw ValidationError("--cpus-per-task must be 1 or more") }
  }

  /// A new sweep: its folder, script and plan; then its tasks run here or go to SLURM.
  func start() throws {
    let (field, values) = try parseVary()
    let metrics = metric.split(separator: ",").map(String.init)
    guard !metrics.isEmpty else { throw ValidationError("--metric needs at least one name") }
    let tasks = SweepPlan.tasks(programs: programs.split(separator: ",").map(String.init), values: values,
                                seeds: seeds.split(separator: ",").map(String.init), field: field)
    guard !tasks.isEmpty else { throw ValidationError("the sweep has no runs (--programs, --vary and --seeds each need a value)") }
    try SweepCheck.check(tasks, field: field, settings: settings)
    if !slurm { try requireBLAS() }
    let folder = URL(fileURLWithPath: out ?? RunFolder.defaultOutput(for: "sweep").path).standardizedFileURL
    if let existing = try? FileManager.default.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
      throw SweepError("\(folder.path) is not empty; a sweep starts in a new folder (dpl sweep --status, --collect and --resubmit work on an existing one)", exitCode: 73)
    }
    let sbatch = slurm ? TaskScript.sbatchOptions(folder: folder, partition: partition, time: time, cpusPerTask: cpusPerTask,
                                                  mem: mem, requeue: requeue, extra: sbatchArgs) : []
    let script = TaskScript(sbatch: sbatch, requeueOnTimeout: slurm && requeue, folder: folder,
                            dpl: Bundle.main.executablePath ?? CommandLine.arguments[0],
                            workingDirectory: FileManager.default.currentDirectoryPath, field: field, settings: settings, tasks: tasks)
    var plan = SweepPlan(field: field, metrics: metrics, scheduler: slurm ? "slurm" : "local", jobs: [], tasks: tasks)
    do {
      let url = try script.write()
      try plan.save(in: folder)
      if slurm {
        plan.jobs.append(try Slurm.submit(url, array: arraySpec(tasks.map(\.task))))
        try plan.save(in: folder)
      }
    } catch let e as IOError {
      throw SweepError(e.description, exitCode: 73)
    }
    try launched(plan, in: folder)
  }

  /// Runs again the tasks of an existing sweep that failed or never ran.
  func again(_ folder: URL) throws {
    var plan = try SweepPlan.load(from: folder)
    let status = try SweepStatus.read(plan, in: folder)
    let redo = plan.tasks.filter { t in
      if case .failed = status.states[t.task] { return true }
      return plan.jobs.isEmpty && status.states[t.task] != .done  // a local sweep's unrun tasks
    }.map(\.task)
    guard !redo.isEmpty else {
      FileHandle.standardError.write(Data("sweep: nothing to resubmit (\(status.summary))\n".utf8))
      return
    }
    for k in redo { try? FileManager.default.removeItem(at: folder.appendingPathComponent(plan.tasks[k].exit)) }
    if plan.scheduler == "slurm" {
      plan.jobs.append(try Slurm.submit(folder.appendingPathComponent(SweepPlan.scriptName), array: arraySpec(redo)))
      try plan.save(in: folder)
    }
    try launched(plan, in: folder, only: redo)
  }

  /// After a submission: waits (`--wait`) and collects, or says how to follow the job. A
  /// local sweep runs its tasks here, then collects.
  func launched(_ plan: SweepPlan, in folder: URL, only: [Int]? = nil) throws {
    let tasks = only ?? plan.tasks.map(\.task)
    guard plan.scheduler == "slurm" else {
      let runner = LocalTasks(plan: plan, folder: folder, jobs: jobs)
      let progress = SweepProgress()
      let stopped = try runner.run(tasks) { progress.show($0) }
      progress.end()
      if let s = stopped {
        FileHandle.standardError.write(Data("sweep: stopped by \(s == SIGINT ? "SIGINT" : "SIGTERM"); continue with: dpl sweep --resubmit \(RunFolder.shellWord(RunFolder.shown(folder)))\(jobs > 1 ? " --jobs \(jobs)" : "")\n".utf8))
      }
      return try finish(folder, waiting: false)
    }
    let job = plan.jobs.last ?? ""
    FileHandle.standardError.write(Data("sweep: submitted SLURM job \(job), \(tasks.count) task\(tasks.count == 1 ? "" : "s") (\(folder.path)/\(SweepPlan.scriptName))\n".utf8))
    if wait {
      try finish(folder, waiting: true)
    } else {
      let dir = RunFolder.shellWord(RunFolder.shown(folder))
      FileHandle.standardError.write(Data("sweep: follow it with: dpl sweep --status \(dir); when it has ended: dpl sweep --collect \(dir) (add --wait to wait)\n".utf8))
    }
  }

  /// `0-11%4` or `3,5%4`: the array of `tasks`, at most --max-parallel at once.
  func arraySpec(_ tasks: [Int]) -> String {
    let contiguous = tasks == Array((tasks.first ?? 0)...(tasks.last ?? 0))
    let list = contiguous ? "\(tasks.first ?? 0)-\(tasks.last ?? 0)" : tasks.map(String.init).joined(separator: ",")
    return list + (maxParallel.map { "%\($0)" } ?? "")
  }

  /// Waits for the sweep's tasks if asked (re-reading the queue every few seconds), then
  /// writes sweep.csv and sweep.png from the runs that finished, prints the table, and names
  /// each failed task with its log. Exits with the first failed task's dpl status (70 when
  /// it has none), or 75 when tasks are still pending or running.
  func finish(_ folder: URL, waiting: Bool) throws {
    let plan = try SweepPlan.load(from: folder)
    let table = SweepTable(metrics: plan.metrics, field: plan.field)
    var status = try SweepStatus.read(plan, in: folder)
    // A local sweep's tasks run in the dpl sweep that started them: nothing to wait for here.
    if waiting && !plan.jobs.isEmpty {
      let progress = SweepProgress()
      let started = Date()
      var written = -1
      while true {
        progress.show(status)
        if status.done != written {
          // The table grows as runs finish, so a long wait leaves a useful sweep.csv.
          let rows = table.rows(status)
          if !rows.isEmpty { try table.write(rows, to: folder) }
          written = status.done
        }
        if status.finished { break }
        // Once a second at first, then less often: squeue is cheap, but a cluster's is shared.
        Thread.sleep(forTimeInterval: min(15, max(1, Date().timeIntervalSince(started) / 30)))
        // The controller may be briefly unreachable (a restart, a failover): keep asking for
        // a few minutes before giving up.
        var failures = 0
        while true {
          do {
            status = try SweepStatus.read(plan, in: folder)
            break
          } catch let e as SweepError where failures < 20 {
            failures += 1
            progress.end()
            FileHandle.standardError.write(Data("sweep: \(e.message); asking again in 10 s\n".utf8))
            Thread.sleep(forTimeInterval: 10)
          }
        }
      }
      progress.end()
    }
    let rows = table.rows(status)
    if !rows.isEmpty {
      try table.write(rows, to: folder)
      print(try String(contentsOf: folder.appendingPathComponent("sweep.csv"), encoding: .utf8), terminator: "")
    }
    for line in status.failures { FileHandle.standardError.write(Data("error: \(line)\n".utf8)) }
    guard status.finished else {
      FileHandle.standardError.write(Data("sweep: \(status.summary); collect again when they have ended (or add --wait)\n".utf8))
      throw ExitCode(75)
    }
    if let first = status.failed.first, case .failed(let code, _) = status.states[first.task] {
      throw ExitCode(code.map { (64...78).contains($0) || $0 == 130 ? $0 : 70 } ?? 70)
    }
    FileHandle.standardError.write(Data("sweep: \(status.summary); \(folder.path)/sweep.csv, sweep.png\n".utf8))
  }

  func parseVary() throws -> (String, [String]) {
    let parts = vary.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--vary expects name=v1,v2,…, got '\(vary)'") }
    return (parts[0], parts[1].split(separator: ",").map(String.init))
  }
}
