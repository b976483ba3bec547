import Foundation
import Testing

/// `dpl run --out`: checked before the program runs; an existing run is never written over
/// unless `--force` says so.
@Suite(.enabled(if: ReplTerminalTests.executable != nil, "needs a built dpl (swift build --product dpl)"))
struct RunFolderTests {
  let dpl = ReplTerminalTests.executable ?? ""
  let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-runfolder-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")

  /// A program that writes one file into its run folder.
  func program() throws -> String {
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let file = scratch.appendingPathComponent("p.dpl")
    try "import run\nlet x = tensor([1.0, 2.0])\nsave(x, run.path(\"x.safetensors\"))\nprint(1)\n".write(to: file, atomically: true, encoding: .utf8)
    return file.path
  }

  @Test func emptyOutIsAUsageError() throws {
    #expect(ReplTerminalTests.spawn(dpl, ["run", try program(), "--out", ""]) == 64)
  }

  @Test func uncreatableOutFailsBeforeTheRun() throws {
    #expect(ReplTerminalTests.spawn(dpl, ["run", try program(), "--out", "/proc/dpl-nope/run"]) == 73)
  }

  @Test func anExistingRunIsRefusedThenReplacedWithForce() throws {
    let file = try program()
    let out = scratch.appendingPathComponent("run")
    #expect(ReplTerminalTests.spawn(dpl, ["run", file, "--out", out.path]) == 0)
    let saved = out.appendingPathComponent("x.safetensors")
    #expect(FileManager.default.fileExists(atPath: saved.path))
    try "keep me".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
    #expect(ReplTerminalTests.spawn(dpl, ["run", file, "--out", out.path]) == 73)
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("notes.txt").path), "a refused run touches nothing")
    #expect(ReplTerminalTests.spawn(dpl, ["run", file, "--out", out.path, "--force"]) == 0)
    let after = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
    #expect(after == [".dpl-run", "x.safetensors"], "--force cleared the old run (the marker stays): \(after)")
    let siblings = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
    #expect(!siblings.contains { $0.contains(".replaced-") }, "nothing is left beside the folder: \(siblings)")
    try? FileManager.default.removeItem(at: scratch)
  }

  @Test func aFileIsNotARunFolder() throws {
    let file = try program()
    #expect(ReplTerminalTests.spawn(dpl, ["run", file, "--out", file]) == 73)
    try? FileManager.default.removeItem(at: scratch)
  }

  /// Runs dpl in `cwd` (the scratch folder by default); returns its status and stderr.
  func run(_ args: [String], in cwd: URL? = nil) throws -> (Int32, String) { try DplProcess.run(dpl, args, in: cwd ?? scratch) }

  func start(_ args: [String]) throws -> (Process, URL) { try DplProcess.start(dpl, args, in: scratch) }

  /// A program that logs a row and then waits, so a second process meets its lock.
  func slowProgram() throws -> String {
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let file = scratch.appendingPathComponent("slow.dpl")
    try "import run\nrun.log_metrics(1, [(\"loss\", 1.0)])\nvar n = 0\nwhile n < 200000000 { n += 1 }\n".write(to: file, atomically: true, encoding: .utf8)
    return file.path
  }

  /// Waits for `file` to appear while `p` runs.
  func waitFor(_ file: URL, of p: Process) throws {
    let deadline = Date().addingTimeInterval(60)
    while !FileManager.default.fileExists(atPath: file.path) {
      try #require(p.isRunning && Date() < deadline, "\(file.path) never appeared")
      Thread.sleep(forTimeInterval: 0.01)
    }
  }

  @Test("a second run, resume or --force on a folder in use stops at once with the owner's pid (exit 75)")
  func aRunningFolderIsLocked() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("busy")
    let (first, _) = try start(["run", try slowProgram(), "--out", out.path])
    defer { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() }
    try waitFor(out.appendingPathComponent("metrics.csv"), of: first)
    let owner = "locked by pid \(first.processIdentifier)"
    let (s1, e1) = try run(["run", try program(), "--out", out.path])
    #expect(s1 == 75 && e1.contains(owner), "\(s1) \(e1)")
    let (s2, e2) = try run(["run", try program(), "--out", out.path, "--force"])
    #expect(s2 == 75 && e2.contains(owner), "\(s2) \(e2)")
    try FileManager.default.createDirectory(at: out.appendingPathComponent("checkpoint"), withIntermediateDirectories: true)
    let (s3, e3) = try run(["run", try program(), "--resume", out.path])
    #expect(s3 == 75 && e3.contains(owner), "\(s3) \(e3)")
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("metrics.csv").path), "the refused runs touched nothing")
  }

  @Test("of two runs started together on one new folder exactly one runs")
  func twoRunsTogether() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let file = try program()
    for k in 0..<5 {
      let out = scratch.appendingPathComponent("race-\(k)")
      let (a, ea) = try start(["run", file, "--out", out.path])
      let (b, eb) = try start(["run", file, "--out", out.path])
      a.waitUntilExit(); b.waitUntilExit()
      let statuses = [a.terminationStatus, b.terminationStatus].sorted()
      let text = [ea, eb].map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }.joined()
      // The loser meets the lock (75) or, once the winner is done, its finished run (73).
      #expect(statuses[0] == 0 && (statuses[1] == 75 || statuses[1] == 73), "\(statuses) \(text)")
    }
  }

  @Test("--force clears only a folder that dpl run made, never the working directory or the program's folder")
  func forceIsConfinedToRunFolders() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let file = try program()
    try "notes".write(to: scratch.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
    // The folder holding the program, as `--out .`: not a run folder, so refused untouched.
    let (s1, e1) = try run(["run", file, "--out", ".", "--force"])
    #expect(s1 == 73 && e1.contains("is not a dpl run folder"), "\(s1) \(e1)")
    #expect(FileManager.default.fileExists(atPath: file) && FileManager.default.fileExists(atPath: scratch.appendingPathComponent("notes.txt").path))
    #expect(!RunFolderTests.marked(scratch), "a refused --force writes nothing")
    // A run folder that holds the program, or is the working directory: refused too.
    let run1 = scratch.appendingPathComponent("run1")
    #expect(try run(["run", file, "--out", run1.path]).0 == 0)
    let inside = run1.appendingPathComponent("copy.dpl")
    try FileManager.default.copyItem(atPath: file, toPath: inside.path)
    let (s2, e2) = try run(["run", inside.path, "--out", run1.path, "--force"])
    #expect(s2 == 73 && e2.contains("it holds the program"), "\(s2) \(e2)")
    let (s3, e3) = try run(["run", file, "--out", ".", "--force"], in: run1)
    #expect(s3 == 73 && e3.contains("it is the working directory"), "\(s3) \(e3)")
    let (s4, e4) = try run(["run", file, "--out", "..", "--force"], in: run1)
    #expect(s4 == 73, "\(s4) \(e4)")
    #expect(FileManager.default.fileExists(atPath: inside.path), "nothing was cleared")
    // Without the program inside, the run folder is replaced.
    try FileManager.default.removeItem(at: inside)
    let (s5, e5) = try run(["run", file, "--out", run1.path, "--force"])
    #expect(s5 == 0, "\(e5)")
  }

  @Test("a run without --out leaves no folder when it writes nothing")
  func defaultFolderOnlyWhenUsed() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let quiet = scratch.appendingPathComponent("quiet.dpl")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    try "print(1)\n".write(to: quiet, atomically: true, encoding: .utf8)
    #expect(try run(["run", quiet.path]).0 == 0)
    let runs = (try? FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent("runs").path)) ?? []
    #expect(runs.isEmpty, "\(runs)")
    #expect(try run(["run", try program()]).0 == 0)
    let made = try FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent("runs").path)
    #expect(made.count == 1 && RunFolderTests.marked(scratch.appendingPathComponent("runs/\(made[0])")), "\(made)")
  }

  static func marked(_ folder: URL) -> Bool { FileManager.default.fileExists(atPath: folder.appendingPathComponent(".dpl-run").path) }
}
