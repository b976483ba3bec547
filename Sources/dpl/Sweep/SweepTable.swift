import Formats
import Foundation
import RunOutput

/// `sweep.csv` (one row per finished run: the program, the swept value, the seed, the
/// `--metric` entries of its metrics.json and its seconds) and `sweep.png` (the first metric).
struct SweepTable {
  var metrics: [String]
  var field: String

  /// The rows of the tasks that have finished, in task order.
  func rows(_ status: SweepStatus) -> [Row] {
    status.plan.tasks.filter { status.states[$0.task] == .done }.map { t in
      let folder = status.folder.appendingPathComponent(t.run)
      let summary = RunLog(folder: folder).summary()
      return Row(program: t.program, value: t.value, seed: t.seed, folder: folder,
                 metrics: metrics.map { summary[$0] as? Double ?? .nan }, seconds: summary["seconds"] as? Double ?? .nan)
    }
  }

  struct Row {
    var program, value, seed: String
    var folder: URL
    var metrics: [Double]
    var seconds: Double
  }

  /// `sweep.csv` (one row per run) and `sweep.png` (the first metric, mean over seeds).
  func write(_ rows: [Row], to folder: URL) throws {
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
