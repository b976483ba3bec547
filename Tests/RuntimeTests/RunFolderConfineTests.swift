import Foundation
import RunOutput
import Runtime
import Testing

/// `run.path`, `run.plot_metrics` and `run.write_overlays` write only inside the run folder:
/// `..` that climbs out and links that lead out are refused at the call, with exit 73.
struct RunFolderConfineTests {
  let base = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-confine-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
  var folder: URL { base.appendingPathComponent("run") }

  func run(_ source: String) -> String? {
    runProgram(source: "import run\nrun.log_metrics(1, [(\"loss\", 1.0)])\n" + source) { $0.outputDirectory = folder }.error
  }

  @Test("names that leave the run folder are refused, and nothing is written outside it",
        arguments: ["save(ones([2]), run.path(\"../x.safetensors\"))", "run.plot_metrics(\"../x.png\")",
                    "run.plot_metrics(\"a/../../x.png\")", "save(ones([2]), run.path(\"/tmp/x.safetensors\"))",
                    "save(ones([2]), run.path(\"out/x.safetensors\"))", "run.plot_metrics(\"out\")"])
  func escapesAreRefused(_ call: String) throws {
    defer { try? FileManager.default.removeItem(at: base) }
    let elsewhere = base.appendingPathComponent("elsewhere")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("out"), withDestinationURL: elsewhere)
    let error = run(call) ?? ""
    #expect(error.contains("test.dpl:3:") && error.contains("a run writes only inside its folder"), "\(error)")
    let outside = try FileManager.default.contentsOfDirectory(atPath: base.path).sorted()
    let through = try FileManager.default.contentsOfDirectory(atPath: elsewhere.path)
    #expect(outside == ["elsewhere", "run"] && through.isEmpty, "\(outside) \(through)")
  }

  @Test("names that stay inside are fine: sub-folders, '.', '..' that stays in, links within")
  func insideIsFine() throws {
    defer { try? FileManager.default.removeItem(at: base) }
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("plots"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("latest"), withDestinationURL: folder.appendingPathComponent("plots"))
    let error = run("""
      save(ones([2]), run.path("weights/./a.safetensors"))
      run.plot_metrics("plots/../m.png")
      run.plot_metrics("latest/m.png")
      """)
    #expect(error == nil, "\(error ?? "")")
    for f in ["weights/a.safetensors", "m.png", "plots/m.png"] {
      #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(f).path), "\(f)")
    }
  }

  @Test func confinedResolvesLexically() throws {
    let f = URL(fileURLWithPath: "/nonexistent-dpl-run")
    #expect(try RunFolder.confined("a/b/../c.png", in: f).path == "/nonexistent-dpl-run/a/c.png")
    #expect(throws: RunFolder.Problem.self) { try RunFolder.confined("..", in: f) }
    #expect(throws: RunFolder.Problem.self) { try RunFolder.confined("", in: f) }
    #expect(throws: RunFolder.Problem.self) { try RunFolder.confined(".", in: f) }
  }
}
