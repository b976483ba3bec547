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
    let after = try FileManager.default.contentsOfDirectory(atPath: out.path)
    #expect(after == ["x.safetensors"], "--force cleared the old run: \(after)")
    let siblings = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
    #expect(!siblings.contains { $0.contains(".replaced-") }, "the moved-aside run is gone: \(siblings)")
    try? FileManager.default.removeItem(at: scratch)
  }

  @Test func aFileIsNotARunFolder() throws {
    let file = try program()
    #expect(ReplTerminalTests.spawn(dpl, ["run", file, "--out", file]) == 73)
    try? FileManager.default.removeItem(at: scratch)
  }
}
