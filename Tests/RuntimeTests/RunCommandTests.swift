import Foundation
import Testing

/// `dpl run`/`dpl check` on bad input: a plain reason and the sysexits status.
@Suite(.enabled(if: ReplTerminalTests.executable != nil, "needs a built dpl (swift build --product dpl)"))
struct RunCommandTests {
  let dpl = ReplTerminalTests.executable ?? ""
  let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-runcmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")

  func write(_ name: String, _ bytes: [UInt8]) throws -> String {
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let url = scratch.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  /// Runs dpl; returns its status and stderr.
  func run(_ args: [String]) throws -> (Int32, String) { try DplProcess.run(dpl, args, in: scratch) }

  @Test func missingFolderAndBinaryPrograms() throws {
    let (s1, e1) = try run(["run", scratch.appendingPathComponent("nope.dpl").path])
    #expect(s1 == 66 && e1.contains("no such file"), "\(s1) \(e1)")
    let (s2, e2) = try run(["check", FileManager.default.temporaryDirectory.path])
    #expect(s2 == 66 && e2.contains("it is a folder"), "\(s2) \(e2)")
    let (s3, e3) = try run(["check", try write("garbage.dpl", [0x7f, 0x45, 0x4c, 0x46, 0, 1, 2])])
    #expect(s3 == 65 && e3.contains("not a text file (a NUL byte at offset 4)"), "\(s3) \(e3)")
    let (s4, e4) = try run(["check", try write("latin1.dpl", Array("let s = \"caf".utf8) + [0xe9, 0x22, 0x0a])])
    #expect(s4 == 65 && e4.contains("not valid UTF-8"), "\(s4) \(e4)")
  }

  @Test func settingsAreCheckedBeforeTheRun() throws {
    let file = try write("cf.dpl", Array("config {\n  lr: Float = 0.1\n  steps: Int = 3\n}\nprint(lr, steps)\n".utf8))
    let (s1, e1) = try run(["run", file, "--set", "steps=2", "--set", "steps=3"])
    #expect(s1 == 64 && e1.contains("--set steps is given twice"), "\(s1) \(e1)")
    let (s2, e2) = try run(["run", file, "--set", "lr=inf"])
    #expect(s2 == 64 && e2.contains("a Float setting must be finite"), "\(s2) \(e2)")
    let (s3, e3) = try run(["run", file, "--seed", "-1"])
    #expect(s3 == 64 && e3.contains("The value '-1' is invalid for '--seed"), "\(s3) \(e3)")
    let (s4, _) = try run(["run", file, "--max-call-depth", "0"])
    #expect(s4 == 64)
    let ranged = try write("range.dpl", Array("config {\n  steps: Int = 3 in 1...\n}\nprint(steps)\n".utf8))
    let (s5, e5) = try run(["run", ranged, "--set", "steps=-5"])
    #expect(s5 == 64 && e5.contains("--set steps=-5: steps must be in 1... (declared at"), "\(s5) \(e5)")
    let (s6, _) = try run(["run", ranged, "--set", "steps=1"])
    #expect(s6 == 0)
    try? FileManager.default.removeItem(at: scratch)
  }

  @Test("SIGINT and SIGTERM stop a run at an op, with exit 130", arguments: [SIGINT, SIGTERM])
  func signalsStopTheRun(_ sig: Int32) throws {
    let file = try write("loop-\(sig).dpl", Array("var n = 0\nwhile true { n += 1 }\n".utf8))
    let err = scratch.appendingPathComponent("signal-\(sig).txt")
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: dpl)
    p.arguments = ["run", file, "--out", scratch.appendingPathComponent("run-\(sig)").path]
    p.standardError = try FileHandle(forWritingTo: err)
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    Thread.sleep(forTimeInterval: 1.5)
    kill(p.processIdentifier, sig)
    p.waitUntilExit()
    let text = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
    #expect(p.terminationStatus == 130, "\(text)")
    #expect(text.contains("loop-\(sig).dpl:2:") && text.contains("error: interrupted"), "\(text)")
    #expect(text.contains("dpl: stopped by \(sig == SIGINT ? "SIGINT" : "SIGTERM")"), "\(text)")
  }
}
