import Foundation
import Testing

/// The smaller faults of issue 27, each a plain reason: link loops, devices, hexadecimal
/// Floats, unusable environment settings, leftovers of interrupted writes.
@Suite(.enabled(if: ReplTerminalTests.executable != nil, "needs a built dpl (swift build --product dpl)"))
struct RunSmallFaultsTests {
  let dpl = ReplTerminalTests.executable ?? ""
  let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-faults-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")

  func file(_ name: String, _ text: String) throws -> String {
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let url = scratch.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }

  /// Runs dpl in the scratch folder with `env` added; returns its status and stderr.
  func run(_ args: [String], env: [String: String] = [:]) throws -> (Int32, String) {
    try DplProcess.run(dpl, args, in: scratch, env: env)
  }

  @Test("a link loop is named as one, for a program and for a data file")
  func linkLoops() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: scratch.appendingPathComponent("loop.dpl").path, withDestinationPath: "loop.dpl")
    let (s1, e1) = try run(["run", "loop.dpl"])
    #expect(s1 == 66 && e1.contains("Too many levels of symbolic links") && !e1.contains("no such file"), "\(s1) \(e1)")
    try FileManager.default.createSymbolicLink(atPath: scratch.appendingPathComponent("loop.safetensors").path, withDestinationPath: "loop.safetensors")
    let (s2, e2) = try run(["run", try file("load.dpl", "let t = load(\"loop.safetensors\")\n")])
    #expect(s2 == 74 && e2.contains("load.dpl:1:") && e2.contains("Too many levels of symbolic links"), "\(s2) \(e2)")
  }

  @Test("a device is refused by name, not read")
  func devices() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let (s1, e1) = try run(["run", try file("zero.dpl", "let t = load(\"/dev/zero\")\n")])
    #expect(s1 == 74 && e1.contains("zero.dpl:1:") && e1.contains("/dev/zero: is a device, not a regular file"), "\(s1) \(e1)")
    let (s2, e2) = try run(["check", "/dev/zero"])
    #expect(s2 == 66 && e2.contains("not a regular file"), "\(s2) \(e2)")
  }

  @Test("a Float setting is decimal: 0x10 is refused", arguments: ["0x10", "0X1p3", "1_0"])
  func hexadecimalFloats(_ text: String) throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let (s, e) = try run(["run", try file("cf.dpl", "config {\n  lr: Float = 0.1\n}\nprint(lr)\n"), "--set", "lr=\(text)"])
    #expect(s == 64 && e.contains("--set lr=\(text): expected a Float (a decimal number"), "\(s) \(e)")
  }

  @Test("DPL_THREADS and DPL_MAX_CALL_DEPTH that cannot be used are named in a warning")
  func environment() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let program = try file("p.dpl", "print(1)\n")
    let (s1, e1) = try run(["run", program], env: ["DPL_THREADS": "lots", "DPL_MAX_CALL_DEPTH": "0"])
    #expect(s1 == 0 && e1.contains("warning: DPL_THREADS='lots' is not a whole number of threads"), "\(e1)")
    #expect(e1.contains("warning: DPL_MAX_CALL_DEPTH='0' is not a whole number from 1 to 20000; using 1"), "\(e1)")
    let (s2, e2) = try run(["run", program], env: ["DPL_THREADS": "2", "DPL_MAX_CALL_DEPTH": "500"])
    #expect(s2 == 0 && !e2.contains("warning"), "\(e2)")
  }

  @Test("what interrupted writes left in a run folder is removed when a run takes it")
  func leftoversAreRemoved() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    let program = try file("p.dpl", "import run\nrun.log_metrics(1, [(\"loss\", 1.0)])\n")
    let out = scratch.appendingPathComponent("run")
    #expect(try run(["run", program, "--out", out.path]).0 == 0)
    try FileManager.default.removeItem(at: out.appendingPathComponent("metrics.csv"))
    try FileManager.default.removeItem(at: out.appendingPathComponent("metrics.json"))
    let leftovers = [".metrics.json.tmp-123-456", ".dat.nosyncab12", ".checkpoint.tmp/0.safetensors", "sub/.x.png.tmp-1-2"]
    for l in leftovers {
      let url = out.appendingPathComponent(l)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data("half".utf8).write(to: url)
    }
    // Only leftovers (and an empty sub-folder): the folder counts as holding no run.
    try FileManager.default.removeItem(at: out.appendingPathComponent("sub"))
    for l in leftovers.prefix(3) {
      let url = out.appendingPathComponent(l)
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data("half".utf8).write(to: url)
    }
    let (s, e) = try run(["run", program, "--out", out.path])
    #expect(s == 0, "\(e)")
    let now = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
    #expect(now == [".dpl-run", "metrics.csv", "metrics.json"], "\(now)")
  }
}
