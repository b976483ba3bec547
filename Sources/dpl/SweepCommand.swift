import ArgumentParser
import Formats
import Foundation
import RunOutput
import Runtime

/// `dpl sweep`: runs of programs over one config field — the thesis' experiments (Fig. 5.3,
/// 5.4, 5.8), or every method of a PTO program. Each run is a `dpl run programs/P.dpl --set
/// FIELD=v seed=s …` in its own folder; the sweep collects the `--metric` entries of each
/// run's `metrics.json` into `sweep.csv` and plots the first in `sweep.png`: against the
/// swept value when the values are numbers, else (a method name, say) as each value's
/// curve of that column of `metrics.csv` against the step, averaged over the seeds.
struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Run programs over a config field (default: training-set sizes); tabulate and plot a metric.")

  @Option(help: "Comma-separated programs (names in programs/ or .dpl paths).")
  var programs = "unet,unet_dp,edpcnn"

  @Option(help: "The swept field and its values, e.g. train_images=10,20,50 or jitter=0,0.5,1.")
  var vary = "train_images=10,20,50,100,200,500,1000,0"

  @Option(help: "Comma-separated metrics.json entries to collect; the first is plotted (e.g. test_regret,train_seconds).")
  var metric = "best_val_dice,val_dice"

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
    let folder = URL(fileURLWithPath: out ?? RunFolder.defaultOutput(for: "sweep").path)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let exe = Bundle.main.executablePath ?? CommandLine.arguments[0]
    let metrics = metric.split(separator: ",").map(String.init)
    guard !metrics.isEmpty else { throw ValidationError("--metric needs at least one name") }
    var rows: [Row] = []
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
          rows.append(Row(program: stem, value: v, seed: s, folder: runDir,
                          metrics: metrics.map { summary[$0] as? Double ?? .nan }, seconds: summary["seconds"] as? Double ?? .nan))
          try write(rows, metrics: metrics, field: field, to: folder)
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

  struct Row {
    var program, value, seed: String
    var folder: URL
    var metrics: [Double]
    var seconds: Double
  }

  /// `sweep.csv` (one row per run) and `sweep.png` (the first metric, mean over seeds).
  func write(_ rows: [Row], metrics: [String], field: String, to folder: URL) throws {
    var csv = "program,\(field),seed,\(metrics.joined(separator: ",")),seconds\n"
    for r in rows {
      csv += ([r.program, r.value, r.seed] + (r.metrics + [r.seconds]).map(RunLog.format)).joined(separator: ",") + "\n"
    }
    try AtomicWrite.write(Data(csv.utf8), to: folder.appendingPathComponent("sweep.csv"))
    let numeric = rows.allSatisfy { Double($0.value) != nil }
    let plot = numeric ? againstValue(rows, metric: metrics[0], field: field) : curves(rows, metric: metrics[0])
    try PNG.write(plot.render(), to: folder.appendingPathComponent("sweep.png"))
  }

  /// The metric against the swept value, one line per program (log10 for training-set
  /// sizes; 0 = all is drawn at 1436).
  func againstValue(_ rows: [Row], metric: String, field: String) -> LinePlot {
    let isSize = field == "train_images"
    func x(_ v: String) -> Double {
      let d = Double(v) ?? 0
      return isSize ? log10(d > 0 ? d : 1436) : d
    }
    var plot = LinePlot(title: metric, xLabel: isSize ? "log10 training images" : field, yLabel: metric)
    if metric.hasSuffix("dice") { plot.yRange = 0...1 }
    for p in ordered(rows.map(\.program)) {
      var byValue: [(Double, [Double])] = []
      for r in rows where r.program == p {
        if let k = byValue.firstIndex(where: { $0.0 == x(r.value) }) { byValue[k].1.append(r.metrics[0]) } else { byValue.append((x(r.value), [r.metrics[0]])) }
      }
      byValue.sort { $0.0 < $1.0 }
      plot.add(p, x: byValue.map(\.0), y: byValue.map { $0.1.reduce(0, +) / Double($0.1.count) })
    }
    return plot
  }

  /// Each (program, value)'s `metric` column of metrics.csv against the step, mean over seeds.
  func curves(_ rows: [Row], metric: String) -> LinePlot {
    var plot = LinePlot(title: metric, xLabel: "step", yLabel: metric)
    let programs = ordered(rows.map(\.program))
    for p in programs {
      for v in ordered(rows.filter { $0.program == p }.map(\.value)) {
        var sums: [Double: (Double, Int)] = [:]
        for r in rows where r.program == p && r.value == v {
          let (columns, table) = RunLog(folder: r.folder).table()
          guard let k = columns.firstIndex(of: metric) else { continue }
          for row in table {
            guard k > 0, k - 1 < row.values.count, let y = row.values[k - 1], y.isFinite else { continue }
            let step = Double(row.step)
            sums[step, default: (0, 0)].0 += y
            sums[step, default: (0, 0)].1 += 1
          }
        }
        let steps = sums.keys.sorted()
        guard !steps.isEmpty else { continue }
        plot.add(programs.count > 1 ? "\(p) \(v)" : v, x: steps, y: steps.map { sums[$0]!.0 / Double(sums[$0]!.1) })
      }
    }
    return plot
  }

  func ordered(_ xs: [String]) -> [String] {
    var seen: [String] = []
    for x in xs where !seen.contains(x) { seen.append(x) }
    return seen
  }
}
