import ArgumentParser
import Foundation
import Runtime

/// `dpl sweep`: the thesis' experiments (Fig. 5.3, 5.4, 5.8) as runs of the programs over
/// one config field. Each run is a `dpl run programs/P.dpl --set FIELD=v seed=s …` in its own
/// folder; the sweep collects `best_val_dice` from each run's `metrics.json` into
/// `sweep.csv` and plots Dice against the swept value in `sweep.png`.
struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Run programs over a config field (default: training-set sizes) and plot Dice.")

  @Option(help: "Comma-separated programs (names in programs/ or .dpl paths).")
  var programs = "unet,unet_dp,edpcnn"

  @Option(help: "The swept field and its values, e.g. train_images=10,20,50 or jitter=0,0.5,1.")
  var vary = "train_images=10,20,50,100,200,500,1000,0"

  @Option(help: "Comma-separated seeds (each run gets --set seed=s).")
  var seeds = "0"

  @Option(name: .customLong("set"), parsing: .upToNextOption, help: ArgumentHelp("Settings for every run.", valueName: "name=value"))
  var settings: [String] = []

  @Option(help: "Output folder (default runs/sweep-<time>/).")
  var out: String?

  func run() throws {
    try requireBLAS()
    let (field, values) = try parseVary()
    let names = programs.split(separator: ",").map(String.init)
    let seedList = seeds.split(separator: ",").map(String.init)
    let folder = URL(fileURLWithPath: out ?? RunCommand.defaultOutput(for: "sweep").path)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let exe = Bundle.main.executablePath ?? CommandLine.arguments[0]
    var rows: [(program: String, value: String, seed: String, best: Double, last: Double, seconds: Double)] = []
    let start = Date()
    for v in values {
      for name in names {
        for s in seedList {
          let file = name.hasSuffix(".dpl") ? name : "programs/\(name).dpl"
          let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
          let runDir = folder.appendingPathComponent("\(stem)-\(field)\(v)-s\(s)")
          let args = ["run", file, "--out", runDir.path, "--set", "\(field)=\(v)", "seed=\(s)"] + settings
          FileHandle.standardError.write(Data("sweep: \(stem) \(field)=\(v) seed=\(s) (\(Int(Date().timeIntervalSince(start))) s so far)\n".utf8))
          let p = Process()
          p.executableURL = URL(fileURLWithPath: exe)
          p.arguments = args
          p.standardOutput = FileHandle.standardError
          try p.run()
          p.waitUntilExit()
          guard p.terminationStatus == 0 else {
            throw ValidationError("\(stem) with \(field)=\(v) seed=\(s) failed (exit \(p.terminationStatus)); see \(runDir.path)")
          }
          let summary = RunLog(folder: runDir).summary()
          rows.append((stem, v, s, summary["best_val_dice"] as? Double ?? .nan, summary["val_dice"] as? Double ?? .nan,
                       summary["seconds"] as? Double ?? .nan))
          try write(rows, field: field, to: folder)
        }
      }
    }
    print(try String(contentsOf: folder.appendingPathComponent("sweep.csv"), encoding: .utf8), terminator: "")
  }

  func parseVary() throws -> (String, [String]) {
    let parts = vary.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--vary expects name=v1,v2,…, got '\(vary)'") }
    return (parts[0], parts[1].split(separator: ",").map(String.init))
  }

  /// `sweep.csv` (one row per run) and `sweep.png` (mean best Dice over seeds per program).
  func write(_ rows: [(program: String, value: String, seed: String, best: Double, last: Double, seconds: Double)],
             field: String, to folder: URL) throws {
    var csv = "program,\(field),seed,best_val_dice,val_dice,seconds\n"
    for r in rows { csv += "\(r.program),\(r.value),\(r.seed),\(RunLog.format(r.best)),\(RunLog.format(r.last)),\(RunLog.format(r.seconds))\n" }
    try Data(csv.utf8).write(to: folder.appendingPathComponent("sweep.csv"), options: .atomic)
    // x: the swept value (log10 for training-set sizes; 0 = all is drawn at 1436).
    let isSize = field == "train_images"
    func x(_ v: String) -> Double {
      let d = Double(v) ?? 0
      return isSize ? log10(d > 0 ? d : 1436) : d
    }
    var plot = LinePlot(title: "best validation Dice", xLabel: isSize ? "log10 training images" : field, yLabel: "Dice")
    plot.yRange = 0...1
    var seen: [String] = []
    for r in rows where !seen.contains(r.program) { seen.append(r.program) }
    for p in seen {
      var byValue: [(Double, [Double])] = []
      for r in rows where r.program == p {
        if let k = byValue.firstIndex(where: { $0.0 == x(r.value) }) { byValue[k].1.append(r.best) } else { byValue.append((x(r.value), [r.best])) }
      }
      byValue.sort { $0.0 < $1.0 }
      plot.add(p, x: byValue.map(\.0), y: byValue.map { $0.1.reduce(0, +) / Double($0.1.count) })
    }
    try PNG.write(plot.render(), to: folder.appendingPathComponent("sweep.png"))
  }
}
