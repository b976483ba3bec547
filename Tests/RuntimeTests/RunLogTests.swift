import Foundation
import RunOutput
import Runtime
import Testing

/// The metrics of a run lose nothing: rows appended in O(1), NaN and inf recorded, bad names
/// refused at the call, an unreadable metrics.csv kept aside.
struct RunLogTests {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-runlog-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")

  func text(_ name: String) throws -> String { try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) }

  func json() throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("metrics.json"))) as? [String: Any])
  }

  /// Runs `source` with the run folder `folder`; returns the error, if any.
  func run(_ source: String) -> String? {
    runProgram(source: "import run\n" + source) { $0.outputDirectory = folder }.error
  }

  @Test("20,000 rows are appended in O(1) each, with metrics.json at a bounded rate")
  func appendsAreConstantTime() throws {
    defer { try? FileManager.default.removeItem(at: folder) }
    let log = RunLog(folder: folder)
    let start = Date()
    for step in 1...20_000 { try log.log(step: step, [("loss", 1.0 / Double(step)), ("val_dice", Double(step % 7) / 7)]) }
    try log.flush()
    let seconds = Date().timeIntervalSince(start)
    #expect(seconds < 20, "20,000 rows took \(seconds) s (255 s for 8,000 when each row rewrote both files)")
    let lines = try text("metrics.csv").split(separator: "\n")
    #expect(lines.count == 20_001 && lines[0] == "step,loss,val_dice" && lines[1] == "1,1,0.14285714285714285")
    let summary = try json()
    #expect(summary["steps"] as? Int == 20_000 && summary["best_step"] as? Int == 6 && summary["best_val_dice"] as? Double == 6.0 / 7)
  }

  @Test("NaN and inf are recorded (CSV nan/inf, JSON null with a note) and the run goes on")
  func nonFiniteValuesAreRecorded() throws {
    defer { try? FileManager.default.removeItem(at: folder) }
    let error = run("""
      run.log_metrics(1, [("val_dice", 0.0 / 0.0), ("loss", 1.0 / 0.0)])
      run.log_metrics(2, [("val_dice", 0.5), ("loss", -1.0 / 0.0)])
      run.log_info([("curve", tensor([1.0, 0.0 / 0.0]))])
      print("went on")
      """)
    #expect(error == nil, "\(error ?? "")")
    #expect(try text("metrics.csv") == "step,val_dice,loss\n1,nan,inf\n2,0.5,-inf\n")
    let summary = try json()
    #expect(summary["loss"] is NSNull && summary["val_dice"] as? Double == 0.5 && summary["best_step"] as? Int == 2)
    let notes = try #require(summary["non_finite"] as? [String: String])
    #expect(notes == ["loss": "-inf", "curve": "[1] nan"], "\(notes)")
    let (columns, rows) = RunLog(folder: folder).table()
    #expect(columns == ["step", "val_dice", "loss"] && rows[0].values[0]!.isNaN && rows[0].values[1] == .infinity)
  }

  @Test("a metric name that would break the CSV, or a negative step, is refused at the call",
        arguments: ["a,b", "say \\\"hi\\\"", "two\\nlines", "", "step"])
  func badNamesAreRefused(_ name: String) throws {
    defer { try? FileManager.default.removeItem(at: folder) }
    let error = run("run.log_metrics(1, [(\"loss\", 1.0)])\nrun.log_metrics(2, [(\"\(name)\", 1.0)])\n") ?? ""
    #expect(error.contains("test.dpl:3:") && error.contains("error: log_metrics:"), "\(error)")
    #expect(try text("metrics.csv") == "step,loss\n1,1\n", "nothing of the refused row is written")
  }

  @Test func stepsAreIntsFromZero() throws {
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(run("run.log_metrics(9223372036854775807, [(\"loss\", 1.0)])") == nil)
    #expect(try text("metrics.csv") == "step,loss\n9223372036854775807,1\n")
    let error = run("run.log_metrics(-1, [(\"loss\", 1.0)])") ?? ""
    #expect(error.contains("test.dpl:2:") && error.contains("the step is -1"), "\(error)")
    #expect(try json()["steps"] as? Int == Int.max)
  }

  @Test("an unreadable metrics.csv is kept aside when the log reopens, never truncated")
  func unreadableCSVIsKeptAside() throws {
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let damaged = Data("step,loss\n1,0.5\n2,".utf8) + Data([0xff]) + Data("\n3,0.25\n".utf8)
    try damaged.write(to: folder.appendingPathComponent("metrics.csv"))
    let log = RunLog(folder: folder)
    var warnings: [String] = []
    log.warn = { warnings.append($0) }
    try log.dropRows(after: 2)
    #expect(try Data(contentsOf: folder.appendingPathComponent("metrics.csv.unreadable")) == damaged)
    #expect(warnings.count == 1 && warnings[0].contains("not UTF-8") && warnings[0].contains("metrics.csv.unreadable"), "\(warnings)")
    try log.log(step: 3, [("loss", 0.25)])
    #expect(try text("metrics.csv") == "step,loss\n3,0.25\n")
  }

  @Test("a row cut off by a kill is dropped; the rows before it stay")
  func tornLastRowIsDropped() throws {
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data("step,loss\n1,0.5\n2,0.4\n3,0.".utf8).write(to: folder.appendingPathComponent("metrics.csv"))
    let log = RunLog(folder: folder)
    try log.dropRows(after: 10)
    try log.log(step: 3, [("loss", 0.3), ("acc", 1)])
    #expect(try text("metrics.csv") == "step,loss,acc\n1,0.5,\n2,0.4,\n3,0.3,1\n")
  }

  @Test("metrics.csv as a folder or as a link out of the run folder is kept aside, and the link's target untouched")
  func metricsFileThatIsNotAFile() throws {
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("metrics.csv"), withIntermediateDirectories: true)
    #expect(run("run.log_metrics(1, [(\"loss\", 1.0)])") == nil)
    var isDir: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("metrics.csv.unreadable").path, isDirectory: &isDir) && isDir.boolValue)
    #expect(try text("metrics.csv") == "step,loss\n1,1\n")
    let outside = folder.deletingLastPathComponent().appendingPathComponent("dpl-runlog-outside-\(getpid()).csv")
    defer { try? FileManager.default.removeItem(at: outside) }
    try Data("step,loss\n".utf8).write(to: outside)
    try FileManager.default.removeItem(at: folder.appendingPathComponent("metrics.csv"))
    try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("metrics.csv"), withDestinationURL: outside)
    #expect(run("run.log_metrics(1, [(\"loss\", 1.0)])") == nil)
    #expect(try String(contentsOf: outside, encoding: .utf8) == "step,loss\n", "nothing is written through the link")
    #expect(try text("metrics.csv") == "step,loss\n1,1\n")
  }
}
