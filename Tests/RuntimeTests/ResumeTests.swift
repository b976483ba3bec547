import Foundation
import Testing

/// `dpl run FILE --resume DIR`: the shipped training programs, stopped mid-way (SIGKILL,
/// SIGINT, SIGTERM) and resumed, end bit-identical to a run never stopped; a resume that
/// cannot continue the run says why, with its sysexits status.
@Suite("dpl run --resume", .enabled(if: ReplTerminalTests.executable != nil, "needs a built dpl (swift build --product dpl)"))
struct ResumeTests {
  let dpl = ReplTerminalTests.executable ?? ""
  let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-resume-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")

  /// Settings that make a run of six steps, with a checkpoint every second one, take a
  /// second or two in a debug build.
  static func fast(_ program: String, steps: Int = 6) -> [String] {
    let common = ["size=16", "train_images=2", "validation=2", "batch=2", "base=2", "lines=8", "points=9",
                  "radius=6.0", "window=3", "steps=\(steps)", "eval_every=2"]
    switch program {
    case "edpcnn": return common + ["depth=1", "samples=1", "fit_steps=1", "surrogate_base=2"]
    case "edpcnn_es": return common + ["samples=1"]
    default: return common + ["depth=1"]
    }
  }

  static func path(_ program: String) -> String { repositoryRoot.appendingPathComponent("programs/\(program).dpl").path }

  /// Starts dpl in the scratch folder with stderr to a file.
  func start(_ args: [String]) throws -> (Process, URL) { try DplProcess.start(dpl, args, in: scratch) }

  /// Runs dpl to its end; returns its status and stderr.
  func run(_ args: [String]) throws -> (Int32, String) { try DplProcess.run(dpl, args, in: scratch) }

  /// Waits until the run in `folder` has written its first checkpoint.
  func waitForCheckpoint(_ folder: URL, of p: Process) throws {
    let state = folder.appendingPathComponent("checkpoint/state.json")
    let deadline = Date().addingTimeInterval(120)
    while !FileManager.default.fileExists(atPath: state.path) {
      guard p.isRunning, Date() < deadline else { throw Failure("no checkpoint appeared in \(folder.path)") }
      Thread.sleep(forTimeInterval: 0.01)
    }
  }

  /// The step of the checkpoint in `folder`.
  func checkpointStep(_ folder: URL) throws -> Int {
    let data = try Data(contentsOf: folder.appendingPathComponent("checkpoint/state.json"))
    return try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["step"] as? Int)
  }

  /// Expects two run folders to hold the same results: metrics.csv without its `seconds`
  /// column, metrics.json without its timing, and the checkpoints byte for byte.
  func expectSameRun(_ a: URL, _ b: URL, _ context: String) throws {
    func csv(_ dir: URL) throws -> [String] {
      let lines = try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n")
      let seconds = lines.first?.split(separator: ",").firstIndex(of: "seconds")
      return lines.map { line in
        var cells = line.split(separator: ",", omittingEmptySubsequences: false)
        if let k = seconds, k < cells.count { cells.remove(at: k) }
        return cells.joined(separator: ",")
      }
    }
    func summary(_ dir: URL) throws -> NSDictionary {
      var obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("metrics.json"))) as? [String: Any])
      obj["seconds"] = nil
      return obj as NSDictionary
    }
    let (ca, cb) = (try csv(a), try csv(b))
    #expect(ca.count > 2 && ca == cb, "\(context): metrics.csv\n\(ca)\nvs\n\(cb)")
    let (sa, sb) = (try summary(a), try summary(b))
    #expect(sa == sb, "\(context): metrics.json\n\(sa)\nvs\n\(sb)")
    for f in ["last.safetensors", "best.safetensors"] {
      let (x, y) = (try Data(contentsOf: a.appendingPathComponent(f)), try Data(contentsOf: b.appendingPathComponent(f)))
      #expect(x == y, "\(context): \(f) differs")
    }
  }

  @Test("a run killed by SIGKILL after a checkpoint resumes to the uninterrupted run's results",
        arguments: ["edpcnn", "edpcnn_es", "unet", "unet_dp"])
  func killedRunResumes(_ program: String) throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let whole = scratch.appendingPathComponent("whole"), killed = scratch.appendingPathComponent("killed")
    let (reference, _) = try start(["run", Self.path(program), "--out", whole.path, "--set"] + Self.fast(program))
    let (p, _) = try start(["run", Self.path(program), "--out", killed.path, "--set"] + Self.fast(program))
    try waitForCheckpoint(killed, of: p)
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    #expect(p.terminationReason == .uncaughtSignal)
    let step = try checkpointStep(killed)
    #expect(step < 6, "the run was killed after it finished")
    let (status, err) = try run(["run", Self.path(program), "--resume", killed.path])
    #expect(status == 0, "\(err)")
    reference.waitUntilExit()
    #expect(reference.terminationStatus == 0)
    try expectSameRun(whole, killed, "\(program) killed after step \(step)")
  }

  @Test("SIGINT stops at the next checkpoint with the resume command, which finishes the run")
  func interruptedRunResumes() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let whole = scratch.appendingPathComponent("whole"), stopped = scratch.appendingPathComponent("stopped")
    let (reference, _) = try start(["run", Self.path("unet"), "--out", whole.path, "--set"] + Self.fast("unet"))
    let (p, err) = try start(["run", Self.path("unet"), "--out", stopped.path, "--set"] + Self.fast("unet"))
    try waitForCheckpoint(stopped, of: p)
    kill(p.processIdentifier, SIGINT)
    p.waitUntilExit()
    let text = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
    #expect(p.terminationStatus == 130, "\(text)")
    let step = try checkpointStep(stopped)
    let hint = "interrupted at step \(step); resume with: dpl run \(Self.path("unet")) --resume stopped"
    #expect(text.contains("dpl: stopping after this step") && text.contains(hint), "\(text)")
    #expect(!text.contains("error:"), "\(text)")
    // The command it prints, as given, finishes the run.
    let (status, rest) = try run(["run", Self.path("unet"), "--resume", "stopped"])
    #expect(status == 0, "\(rest)")
    reference.waitUntilExit()
    try expectSameRun(whole, stopped, "unet interrupted after step \(step)")
  }

  @Test("SIGTERM also writes the checkpoint of the step it stops at")
  func terminatedRunIsResumable() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let folder = scratch.appendingPathComponent("run")
    let (p, err) = try start(["run", Self.path("unet"), "--out", folder.path, "--set"] + Self.fast("unet", steps: 400))
    try waitForCheckpoint(folder, of: p)
    kill(p.processIdentifier, SIGTERM)
    p.waitUntilExit()
    let text = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
    #expect(p.terminationStatus == 130, "\(text)")
    let step = try checkpointStep(folder)
    #expect(step < 400 && text.contains("interrupted at step \(step); resume with:"), "\(text)")
  }

  /// A small training program that checkpoints every second step.
  static let tiny = """
    import run
    config {
      steps: Int = 6 in 1...
    }
    model Net() {
      let l = dense(2, 1)
      fn forward(x: Tensor) -> Tensor { l(x) }
    }
    let net = Net()
    let opt = adam(net, lr: 0.1)
    let x = randn([4, 2], seed: 1)
    let start = run.resume(opt)
    var best = run.resumed("best", 1000.0)
    for step in (start + 1)..<(steps + 1) {
      let loss = opt.minimize { mse(net(x + 0.1 * randn([4, 2])), x[:, 0:1]) }
      if loss < best { best = loss }
      run.log_metrics(step, [("loss", loss)])
      run.checkpoint(step, opt, values: [("best", best)], every: 2)
    }
    save(net, run.path("last.safetensors"))
    save(net, run.path("best.safetensors"))
    """

  /// `tiny` as a file in the scratch folder.
  func tinyProgram() throws -> URL {
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let program = scratch.appendingPathComponent("tiny.dpl")
    try Self.tiny.write(to: program, atomically: true, encoding: .utf8)
    return program
  }

  @Test("a resume that cannot continue the run is refused with the reason and its exit status")
  func refusedResumes() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let program = try tinyProgram()
    let done = scratch.appendingPathComponent("done")
    #expect(try run(["run", program.path, "--out", done.path]).0 == 0)
    let finished = try Data(contentsOf: done.appendingPathComponent("last.safetensors"))

    // Resuming a finished run changes nothing.
    let (s0, e0) = try run(["run", program.path, "--resume", done.path])
    let again = try Data(contentsOf: done.appendingPathComponent("last.safetensors"))
    #expect(s0 == 0 && again == finished, "\(e0)")

    let empty = scratch.appendingPathComponent("empty")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    let (s1, e1) = try run(["run", program.path, "--resume", empty.path])
    #expect(s1 == 66 && e1.contains("holds no checkpoint"), "\(s1) \(e1)")
    let (s2, e2) = try run(["run", program.path, "--resume", scratch.appendingPathComponent("nope").path])
    #expect(s2 == 66 && e2.contains("no such run folder"), "\(s2) \(e2)")
    for extra in [["--set", "steps=3"], ["--seed", "1"], ["--out", empty.path], ["--force"], ["--skip", "cse"]] {
      let (s, e) = try run(["run", program.path, "--resume", done.path] + extra)
      #expect(s == 64 && e.contains("--resume continues a run with its own folder"), "\(extra): \(s) \(e)")
    }

    // A changed program: refused, unless the user says so.
    let changed = scratch.appendingPathComponent("changed.dpl")
    try (Self.tiny + "\nprint(\"changed\")\n").write(to: changed, atomically: true, encoding: .utf8)
    let (s3, e3) = try run(["run", changed.path, "--resume", done.path])
    #expect(s3 == 65 && e3.contains("changed.dpl has changed since the checkpoint of step 6") && e3.contains("--allow-changed-source"), "\(s3) \(e3)")
    let (s4, e4) = try run(["run", changed.path, "--resume", done.path, "--allow-changed-source"])
    #expect(s4 == 0 && e4.contains("warning: ") && e4.contains("has changed"), "\(s4) \(e4)")

    // Damaged checkpoint files are named.
    let ckpt = done.appendingPathComponent("checkpoint")
    let weights = try Data(contentsOf: ckpt.appendingPathComponent("0.safetensors"))
    try weights.prefix(40).write(to: ckpt.appendingPathComponent("0.safetensors"))
    let (s5, e5) = try run(["run", program.path, "--resume", done.path])
    #expect(s5 == 65 && e5.contains("damaged checkpoint") && e5.contains("checkpoint/0.safetensors"), "\(s5) \(e5)")
    // One bit flipped in a tensor's bytes still parses; its checksum refuses it.
    var flipped = weights
    flipped[flipped.count - 3] ^= 0x10
    try flipped.write(to: ckpt.appendingPathComponent("0.safetensors"))
    let (s7, e7) = try run(["run", program.path, "--resume", done.path])
    #expect(s7 == 65 && e7.contains("checkpoint/0.safetensors: checksum mismatch"), "\(s7) \(e7)")
    try weights.write(to: ckpt.appendingPathComponent("0.safetensors"))
    // Hand-edited state.json: a negative step, a setting that is no value of its field.
    let stateFile = ckpt.appendingPathComponent("state.json")
    let state = try Data(contentsOf: stateFile)
    func edited(_ key: String, _ value: Any) throws -> Data {
      var obj = try #require(try JSONSerialization.jsonObject(with: state) as? [String: Any])
      obj[key] = value
      return try JSONSerialization.data(withJSONObject: obj)
    }
    try edited("step", -5).write(to: stateFile)
    let (s8, e8) = try run(["run", program.path, "--resume", done.path])
    #expect(s8 == 65 && e8.contains("field 'step' is -5"), "\(s8) \(e8)")
    try edited("settings", ["steps": "abc"]).write(to: stateFile)
    let (s9, e9) = try run(["run", program.path, "--resume", done.path])
    #expect(s9 == 65 && e9.contains("damaged checkpoint") && e9.contains("its setting steps=abc: expected an Int") && !e9.contains("--set"), "\(s9) \(e9)")
    try Data("{".utf8).write(to: ckpt.appendingPathComponent("state.json"))
    let (s6, e6) = try run(["run", program.path, "--resume", done.path])
    #expect(s6 == 65 && e6.contains("checkpoint/state.json: not a JSON object"), "\(s6) \(e6)")
  }

  @Test("a checkpoint computed with other CPU kernels is refused unless --allow-changed-kernels; one from before they were recorded resumes")
  func changedKernels() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let program = try tinyProgram()
    let done = scratch.appendingPathComponent("done")
    #expect(try run(["run", program.path, "--out", done.path]).0 == 0)
    let stateFile = done.appendingPathComponent("checkpoint/state.json")
    let state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: stateFile)) as? [String: Any])
    let recorded = try #require(state["kernels"] as? String, "state.json records the kernels")
    #expect(recorded.hasPrefix("openblas ") && recorded.hasSuffix(" conv"), "\(recorded)")
    func write(kernels: String?) throws {
      var obj = state
      obj["kernels"] = kernels
      try JSONSerialization.data(withJSONObject: obj).write(to: stateFile)
    }

    // The same kernels: resumed without a word.
    let (s0, e0) = try run(["run", program.path, "--resume", done.path])
    #expect(s0 == 0 && !e0.contains("kernels"), "\(s0) \(e0)")
    try write(kernels: "openblas 0.2.0 atom; no avx512 conv")
    let (s1, e1) = try run(["run", program.path, "--resume", done.path])
    #expect(s1 == 65 && e1.contains("cannot resume: the checkpoint was computed with other CPU kernels (openblas 0.2.0 atom; no avx512 conv; this machine: \(recorded))")
            && e1.contains("--allow-changed-kernels"), "\(s1) \(e1)")
    try write(kernels: "openblas 0.2.0 atom; no avx512 conv")
    let (s2, e2) = try run(["run", program.path, "--resume", done.path, "--allow-changed-kernels"])
    #expect(s2 == 0 && e2.contains("warning: the checkpoint was computed with other CPU kernels") && e2.contains("(--allow-changed-kernels)"), "\(s2) \(e2)")
    // A checkpoint from before the field: resumed as before.
    try write(kernels: nil)
    let (s3, e3) = try run(["run", program.path, "--resume", done.path])
    #expect(s3 == 0 && !e3.contains("kernels"), "\(s3) \(e3)")
    let (s4, e4) = try run(["run", program.path, "--out", scratch.appendingPathComponent("other").path, "--allow-changed-kernels"])
    #expect(s4 == 64 && e4.contains("--allow-changed-kernels goes with --resume DIR"), "\(s4) \(e4)")
  }

  @Test("a metrics.csv that cannot be read is kept aside on --resume, never truncated, and the run goes on")
  func unreadableMetricsAreKeptAside() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let program = try tinyProgram()
    let run1 = scratch.appendingPathComponent("run1")
    #expect(try run(["run", program.path, "--out", run1.path, "--set", "steps=3"]).0 == 0)
    let csv = run1.appendingPathComponent("metrics.csv")
    var damaged = try Data(contentsOf: csv)
    damaged.insert(0xff, at: damaged.count - 2)
    try damaged.write(to: csv)
    let (s, e) = try run(["run", program.path, "--resume", run1.path])
    #expect(s == 0 && e.contains("warning: ") && e.contains("not UTF-8") && e.contains("kept as metrics.csv.unreadable"), "\(s) \(e)")
    #expect(try Data(contentsOf: run1.appendingPathComponent("metrics.csv.unreadable")) == damaged, "kept byte for byte")
    // The checkpoint is of step 2: the new metrics.csv holds step 3, logged again.
    let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2 && lines[0] == "step,loss" && lines[1].hasPrefix("3,"), "\(lines)")
  }

  struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
  }
}
