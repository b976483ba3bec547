import Foundation
import Testing

/// `dpl sweep` as separate processes: here with `--jobs N`, and on a real SLURM cluster
/// with `--slurm` (scripts/cluster-local.sh starts one on this machine; scripts/test.sh
/// does it for CI). The cluster tests show as skipped where no SLURM controller answers,
/// unless DPL_REQUIRE_CLUSTER=1 (CI), where that is a failure.
enum Cluster {
  /// A small training program: a checkpoint every step, a `fail` switch for a failing run.
  static let program = """
    // Fits a two-layer net to a random target, with a checkpoint after every step.
    import run

    config {
      steps: Int = 20 in 1...
      width: Int = 32 in 1...
      lr: Float = 0.01 in 0.0...
      seed: Int = 0 in 0...
      fail: Bool = false
    }

    model Net() {
      let a = dense(width, width)
      let b = dense(width, 1)
      fn forward(x: Tensor) -> Tensor { b(relu(a(x))) }
    }

    seed_all(seed)
    let x = randn([256, width])
    let y = randn([256, 1])
    let net = Net()
    let opt = adam(net, lr: lr)
    let start = run.resume(opt)
    for step in (start + 1)..<(steps + 1) {
      let loss = opt.minimize { mse(net(x), y) }
      if fail && step == 3 { assert(false, "asked to fail") }
      run.log_metrics(step, [("loss", loss)])
      run.log_info([("final_loss", loss)])
      run.checkpoint(step, opt, every: 1)
    }
    save(net, run.path("last.safetensors"))

    """

  /// Runs a tool; returns its status and stdout (stderr discarded).
  static func tool(_ name: String, _ args: [String]) -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [name] + args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return (-1, "") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Why the cluster tests cannot run here, or nil when a SLURM node is up.
  static let unavailable: String? = {
    guard tool("sbatch", ["--version"]).0 == 0 else { return "sbatch not found (scripts/cluster-local.sh start installs and starts a local SLURM)" }
    let (status, out) = tool("sinfo", ["--noheader", "--format=%t"])
    guard status == 0, out.contains("idle") || out.contains("mix") || out.contains("alloc") else {
      return "no SLURM node is up (sinfo: '\(out.trimmingCharacters(in: .whitespacesAndNewlines))'; scripts/cluster-local.sh start)"
    }
    return nil
  }()

  static var required: Bool { ProcessInfo.processInfo.environment["DPL_REQUIRE_CLUSTER"] == "1" }

  /// A scratch folder holding `tiny.dpl`.
  static func scratch(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try Data(program.utf8).write(to: dir.appendingPathComponent("tiny.dpl"))
    return dir
  }

  static func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

  /// The sweep's `sweep.json`.
  static func plan(_ sweep: URL) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: sweep.appendingPathComponent("sweep.json"))) as? [String: Any])
  }

  /// Waits until the run in `folder` has written a checkpoint (or `limit` seconds pass).
  static func waitForCheckpoint(_ folder: URL, limit: TimeInterval = 120) throws {
    let deadline = Date().addingTimeInterval(limit)
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoint/state.json").path) {
      guard Date() < deadline else { throw ResumeTests.Failure("no checkpoint appeared in \(folder.path) in \(Int(limit)) s") }
      Thread.sleep(forTimeInterval: 0.02)
    }
  }

  /// Expects two run folders to hold the same run: metrics.csv and last.safetensors byte
  /// for byte (the program logs no times), metrics.json but for its timings (`…seconds`).
  static func expectSameRun(_ a: URL, _ b: URL, _ context: String) {
    for f in ["metrics.csv", "last.safetensors"] {
      let (x, y) = (FileManager.default.contents(atPath: a.appendingPathComponent(f).path), FileManager.default.contents(atPath: b.appendingPathComponent(f).path))
      #expect(x != nil && x == y, "\(context): \(f) of \(a.path) and \(b.path) differ")
    }
    func summary(_ dir: URL) -> NSDictionary? {
      guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent("metrics.json").path),
            let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
      return obj.filter { !$0.key.hasSuffix("seconds") } as NSDictionary
    }
    let (x, y) = (summary(a), summary(b))
    #expect(x != nil && x == y, "\(context): metrics.json of \(a.path) and \(b.path) differ: \(String(describing: x)) vs \(String(describing: y))")
  }
}

@Suite("dpl sweep here (--jobs)", .enabled(if: ReplTerminalTests.executable != nil, "needs a built dpl (swift build --product dpl)"))
struct LocalSweepTests {
  let dpl = ReplTerminalTests.executable ?? ""

  @Test("--jobs 2 runs every task, writes sweep.csv, and names a failed task with its log")
  func jobsRunsTasks() throws {
    let dir = try Cluster.scratch("sweep-local")
    defer { try? FileManager.default.removeItem(at: dir) }
    let (status, err) = try DplProcess.run(dpl, ["sweep", "--programs", "tiny.dpl", "--vary", "fail=false,true", "--seeds", "0,1",
                                                 "--metric", "final_loss", "--set", "steps=4", "--out", "sw", "--jobs", "2"], in: dir)
    #expect(status == 70, "\(err)")
    let sweep = dir.appendingPathComponent("sw")
    let csv = Cluster.text(sweep.appendingPathComponent("sweep.csv")).split(separator: "\n")
    #expect(csv.first == "program,fail,seed,final_loss,seconds" && csv.count == 3 && csv.dropFirst().allSatisfy { $0.hasPrefix("tiny,false,") }, "\(csv)")
    for (task, seed) in [(2, 0), (3, 1)] {
      let log = sweep.appendingPathComponent("tasks/\(task).log").path
      #expect(err.contains("error: task \(task) (tiny fail=true seed=\(seed)) failed: exit 70; log: \(log)\n  "), "\(err)")
      #expect(Cluster.text(URL(fileURLWithPath: log)).contains("error: asked to fail"))
    }
    let plan = try Cluster.plan(sweep)
    #expect(plan["scheduler"] as? String == "local" && (plan["tasks"] as? [Any])?.count == 4)
  }

  @Test("a sweep stopped by SIGINT continues with --resubmit to the runs of a sweep never stopped")
  func interruptedSweepResubmits() throws {
    let dir = try Cluster.scratch("sweep-stop")
    defer { try? FileManager.default.removeItem(at: dir) }
    let args = ["sweep", "--programs", "tiny.dpl", "--vary", "lr=0.01", "--seeds", "0,1", "--metric", "final_loss",
                "--set", "steps=150", "width=64", "--jobs", "2"]
    let (p, errFile) = try DplProcess.start(dpl, args + ["--out", "stopped"], in: dir)
    try Cluster.waitForCheckpoint(dir.appendingPathComponent("stopped/tiny-lr0.01-s1"))
    kill(p.processIdentifier, SIGINT)
    p.waitUntilExit()
    let err = Cluster.text(errFile)
    #expect(p.terminationStatus == 130, "\(err)")
    #expect(err.contains("sweep: stopped by SIGINT; continue with: dpl sweep --resubmit stopped --jobs 2"), "\(err)")
    #expect(Cluster.text(dir.appendingPathComponent("stopped/tasks/1.exit")) == "130 SIGINT\n")
    let (status, rest) = try DplProcess.run(dpl, ["sweep", "--resubmit", "stopped", "--jobs", "2"], in: dir)
    #expect(status == 0, "\(rest)")
    let (whole, wholeErr) = try DplProcess.run(dpl, args + ["--out", "whole"], in: dir)
    #expect(whole == 0, "\(wholeErr)")
    for run in ["tiny-lr0.01-s0", "tiny-lr0.01-s1"] {
      Cluster.expectSameRun(dir.appendingPathComponent("whole/\(run)"), dir.appendingPathComponent("stopped/\(run)"), run)
    }
    #expect(Cluster.text(dir.appendingPathComponent("whole/sweep.csv")) == Cluster.text(dir.appendingPathComponent("stopped/sweep.csv")))
  }

  @Test("a sweep is refused before any run: an unknown field, a bad value, a used folder, SLURM options without --slurm",
        arguments: [
          (["--vary", "nope=1"], 64, "has no config field 'nope'; fields: steps, width, lr, seed, fail"),
          (["--vary", "steps=0"], 64, "steps=0"),
          (["--vary", "lr=0.1", "--set", "steps=-1"], 64, "steps=-1"),
          (["--vary", "lr=0.1", "--out", "."], 73, "is not empty; a sweep starts in a new folder"),
          (["--vary", "lr=0.1", "--requeue"], 64, "--requeue goes with --slurm"),
          (["--vary", "lr=0.1", "--slurm", "--jobs", "2"], 64, "with --slurm, --max-parallel limits"),
        ])
  func refused(_ args: [String], _ code: Int32, _ message: String) throws {
    let dir = try Cluster.scratch("sweep-refused")
    defer { try? FileManager.default.removeItem(at: dir) }
    let (status, err) = try DplProcess.run(dpl, ["sweep", "--programs", "tiny.dpl", "--metric", "final_loss"] + args, in: dir)
    #expect(status == code && err.contains(message), "\(status): \(err)")
    let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix("stderr-") }.sorted()
    #expect(left == ["tiny.dpl"], "a refused sweep wrote \(left)")
  }
}

/// Against a real SLURM: a job-array sweep, a task requeued mid-run, a failed task, a task
/// cancelled and resubmitted.
@Suite("dpl sweep --slurm", .serialized,
       .enabled(if: ReplTerminalTests.executable != nil, "needs a built dpl (swift build --product dpl)"),
       .enabled(if: Cluster.unavailable == nil || Cluster.required, "\(Cluster.unavailable ?? "")"))
struct ClusterTests {
  let dpl = ReplTerminalTests.executable ?? ""

  init() throws {
    if let why = Cluster.unavailable { throw ResumeTests.Failure("DPL_REQUIRE_CLUSTER=1, but \(why)") }
  }

  /// The id of the sweep's (first) SLURM job.
  func job(_ sweep: URL) throws -> String {
    try #require((try Cluster.plan(sweep)["jobs"] as? [String])?.first, "no job id in \(sweep.path)/sweep.json")
  }

  @Test("a job array runs one task per program × value × seed; --wait collects what a local sweep writes")
  func jobArraySweep() throws {
    let dir = try Cluster.scratch("slurm-array")
    defer { try? FileManager.default.removeItem(at: dir) }
    let sweep = ["sweep", "--programs", "tiny.dpl", "--vary", "lr=0.01,0.02", "--seeds", "0,1", "--metric", "final_loss", "--set", "steps=4"]
    let (status, err) = try DplProcess.run(dpl, sweep + ["--out", "slurm", "--slurm", "--wait", "--cpus-per-task", "1", "--max-parallel", "2"], in: dir)
    #expect(status == 0, "\(err)")
    let folder = dir.appendingPathComponent("slurm")
    let job = try job(folder)
    #expect(err.contains("sweep: submitted SLURM job \(job), 4 tasks"), "\(err)")
    let tasks = try #require(try Cluster.plan(folder)["tasks"] as? [[String: Any]])
    #expect(tasks.map { $0["run"] as? String ?? "" } == ["tiny-lr0.01-s0", "tiny-lr0.01-s1", "tiny-lr0.02-s0", "tiny-lr0.02-s1"])
    let script = Cluster.text(folder.appendingPathComponent("sweep.sh"))
    #expect(script.contains("#SBATCH --cpus-per-task=1\n") && script.contains("#SBATCH --output=\(folder.path)/tasks/%a.log\n"))
    for k in 0..<4 {
      let log = Cluster.text(folder.appendingPathComponent("tasks/\(k).log"))
      #expect(log.contains("dpl sweep: task \(k) on "), "task \(k)'s log: \(log)")
    }
    let (local, localErr) = try DplProcess.run(dpl, sweep + ["--out", "local", "--jobs", "2"], in: dir)
    #expect(local == 0, "\(localErr)")
    let csv = Cluster.text(folder.appendingPathComponent("sweep.csv"))
    #expect(csv.split(separator: "\n").count == 5 && csv == Cluster.text(dir.appendingPathComponent("local/sweep.csv")), "\(csv)")
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("sweep.png").path))
    let (_, table) = Cluster.tool(dpl, ["sweep", "--status", folder.path])
    #expect(table.hasSuffix("SLURM job \(job): 4 tasks: 4 done, 0 running, 0 pending\n"), "\(table)")
  }

  @Test("a task requeued mid-run (scontrol requeue) continues from its checkpoint, bit-identical to a run never stopped")
  func requeuedTaskResumes() throws {
    let dir = try Cluster.scratch("slurm-requeue")
    defer { try? FileManager.default.removeItem(at: dir) }
    let settings = ["steps=150", "width=64"]
    // The run never stopped, meanwhile.
    let (whole, wholeErr) = try DplProcess.start(dpl, ["run", "tiny.dpl", "--out", "whole", "--set", "lr=0.01", "seed=0"] + settings, in: dir)
    let (status, err) = try DplProcess.run(dpl, ["sweep", "--programs", "tiny.dpl", "--vary", "lr=0.01", "--metric", "final_loss",
                                                 "--set"] + settings + ["--out", "sw", "--slurm", "--requeue"], in: dir)
    #expect(status == 0, "\(err)")
    let sweep = dir.appendingPathComponent("sw"), run = dir.appendingPathComponent("sw/tiny-lr0.01-s0")
    let job = try job(sweep)
    try Cluster.waitForCheckpoint(run)
    let (requeued, _) = Cluster.tool("scontrol", ["requeue", "\(job)_0"])
    #expect(requeued == 0)
    let (collected, collectErr) = try DplProcess.run(dpl, ["sweep", "--collect", "sw", "--wait"], in: dir)
    #expect(collected == 0, "\(collectErr)")
    let log = Cluster.text(sweep.appendingPathComponent("tasks/0.log"))
    #expect(log.contains("DUE TO JOB REQUEUE") && log.contains("dpl: interrupted at step "), "\(log)")
    #expect(log.contains(", restart 1: dpl run \(dir.path)/tiny.dpl --resume \(run.path)\n"), "\(log)")
    whole.waitUntilExit()
    #expect(whole.terminationStatus == 0, "\(Cluster.text(wholeErr))")
    Cluster.expectSameRun(dir.appendingPathComponent("whole"), run, "requeued task")
  }

  @Test("a failed task is named with its log; the others are collected")
  func failedTaskNamed() throws {
    let dir = try Cluster.scratch("slurm-fail")
    defer { try? FileManager.default.removeItem(at: dir) }
    let (status, err) = try DplProcess.run(dpl, ["sweep", "--programs", "tiny.dpl", "--vary", "fail=false,true", "--metric", "final_loss",
                                                 "--set", "steps=4", "--out", "sw", "--slurm", "--wait"], in: dir)
    #expect(status == 70, "\(err)")
    let log = dir.appendingPathComponent("sw/tasks/1.log").path
    #expect(err.contains("error: task 1 (tiny fail=true seed=0) failed: exit 70; log: \(log)\n  \(dir.path)/tiny.dpl:"), "\(err)")
    #expect(err.contains("error: asked to fail"), "\(err)")
    let csv = Cluster.text(dir.appendingPathComponent("sw/sweep.csv")).split(separator: "\n")
    #expect(csv.count == 2 && csv[1].hasPrefix("tiny,false,0,"), "\(csv)")
  }

  @Test("a task cancelled mid-run (scancel) is named, and --resubmit continues it to the run never stopped")
  func cancelledTaskResubmits() throws {
    let dir = try Cluster.scratch("slurm-cancel")
    defer { try? FileManager.default.removeItem(at: dir) }
    let settings = ["steps=150", "width=64"]
    // The run never stopped, meanwhile.
    let (whole, wholeErr) = try DplProcess.start(dpl, ["run", "tiny.dpl", "--out", "whole", "--set", "lr=0.02", "seed=0"] + settings, in: dir)
    let (status, err) = try DplProcess.run(dpl, ["sweep", "--programs", "tiny.dpl", "--vary", "lr=0.02", "--metric", "final_loss",
                                                 "--set"] + settings + ["--out", "sw", "--slurm"], in: dir)
    #expect(status == 0, "\(err)")
    let sweep = dir.appendingPathComponent("sw"), run = dir.appendingPathComponent("sw/tiny-lr0.02-s0")
    let job = try job(sweep)
    try Cluster.waitForCheckpoint(run)
    #expect(Cluster.tool("scancel", ["\(job)_0"]).0 == 0)
    let (stopped, stoppedErr) = try DplProcess.run(dpl, ["sweep", "--collect", "sw", "--wait"], in: dir)
    #expect(stopped == 130, "\(stoppedErr)")
    #expect(stoppedErr.contains("error: task 0 (tiny lr=0.02 seed=0) failed: stopped by SIGTERM (exit 130)") && stoppedErr.contains("log: \(sweep.path)/tasks/0.log"), "\(stoppedErr)")
    let (again, againErr) = try DplProcess.run(dpl, ["sweep", "--resubmit", "sw", "--wait"], in: dir)
    #expect(again == 0, "\(againErr)")
    #expect((try Cluster.plan(sweep)["jobs"] as? [String])?.count == 2)
    whole.waitUntilExit()
    #expect(whole.terminationStatus == 0, "\(Cluster.text(wholeErr))")
    Cluster.expectSameRun(dir.appendingPathComponent("whole"), run, "cancelled and resubmitted task")
  }
}
