import Foundation
import Testing

/// A training run's results do not depend on the number of threads: the same program run
/// under `DPL_THREADS=1` and `DPL_THREADS=2` (as on two machines) writes byte-identical
/// checkpoints and the same metrics but for timing, so a run resumed on another machine
/// continues exactly (docs/runtime.md, "Determinism").
@Suite("runs under DPL_THREADS=1 and =2", .enabled(if: ReplTerminalTests.executable != nil, "needs a built dpl (swift build --product dpl)"))
struct ThreadCountRunTests {
  let resume = ResumeTests()

  /// `ResumeTests.fast` with images, batches and channels large enough that the kernels
  /// split their work across threads (convolutions, GEMMs past `gemmPieces`' threshold).
  static func settings(_ program: String) -> [String] {
    let larger = ["size": "32", "train_images": "4", "batch": "4", "base": "8", "depth": "2", "steps": "4"]
    return ResumeTests.fast(program).map { s in
      let key = String(s.prefix { $0 != "=" })
      return larger[key].map { "\(key)=\($0)" } ?? s
    }
  }

  /// Runs `dpl run` to its end with `DPL_THREADS` set; returns its status and stderr.
  func run(_ args: [String], threads: Int) throws -> (Int32, String) {
    try FileManager.default.createDirectory(at: resume.scratch, withIntermediateDirectories: true)
    let err = resume.scratch.appendingPathComponent("stderr-\(threads).txt")
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: resume.dpl)
    p.arguments = args
    p.currentDirectoryURL = resume.scratch
    p.environment = ProcessInfo.processInfo.environment.merging(["DPL_THREADS": String(threads)]) { $1 }
    p.standardError = try FileHandle(forWritingTo: err)
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return (p.terminationStatus, (try? String(contentsOf: err, encoding: .utf8)) ?? "")
  }

  @Test("one and two threads give byte-identical checkpoints and metrics", arguments: ["unet", "edpcnn"])
  func sameResultsUnderThreadCounts(_ program: String) throws {
    defer { try? FileManager.default.removeItem(at: resume.scratch) }
    let one = resume.scratch.appendingPathComponent("one"), two = resume.scratch.appendingPathComponent("two")
    for (folder, threads) in [(one, 1), (two, 2)] {
      let (status, err) = try run(["run", ResumeTests.path(program), "--out", folder.path, "--set"] + Self.settings(program),
                                  threads: threads)
      #expect(status == 0, "DPL_THREADS=\(threads): \(err)")
    }
    try resume.expectSameRun(one, two, "\(program) under 1 and 2 threads")
    let files = try FileManager.default.contentsOfDirectory(atPath: one.appendingPathComponent("checkpoint").path).sorted()
    #expect(files.contains("state.json") && files.contains("0.safetensors"), "\(files)")
    // state.json and the summary kept with the checkpoint (metrics.json) hold the elapsed time.
    for f in files where f != "state.json" && f != "metrics.json" {
      let (a, b) = (try Data(contentsOf: one.appendingPathComponent("checkpoint/\(f)")),
                    try Data(contentsOf: two.appendingPathComponent("checkpoint/\(f)")))
      #expect(a == b, "\(program): checkpoint/\(f) differs between 1 and 2 threads")
    }
    if files.contains("metrics.json") {
      let summary = { (dir: URL) throws -> String in
        var obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("checkpoint/metrics.json"))) as? [String: Any])
        obj["seconds"] = nil
        return String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self)
      }
      #expect(try summary(one) == summary(two), "\(program): checkpoint/metrics.json differs between 1 and 2 threads")
    }
    let (sa, sb) = (try state(one), try state(two))
    #expect(sa == sb, "\(program): checkpoint/state.json differs between 1 and 2 threads\n\(sa)\nvs\n\(sb)")
  }

  /// A checkpoint's state.json without the saved value `seconds` (the run's elapsed time).
  func state(_ folder: URL) throws -> NSDictionary {
    let data = try Data(contentsOf: folder.appendingPathComponent("checkpoint/state.json"))
    var obj = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    var values = try #require(obj["values"] as? [String: Any])
    values["seconds"] = nil
    obj["values"] = values
    return obj as NSDictionary
  }
}
