import Formats
import Foundation

/// The metrics of a run, kept in its folder: `metrics.csv` (one row per logged step, a
/// column per metric name, empty where a row has no value) and `metrics.json` (a summary
/// object: the latest and best `val_dice`, steps, seconds, and whatever the program added
/// with `log_info`). The files are the state, so a run can be inspected at any moment and
/// nothing is kept in memory between calls.
public struct RunLog {
  public let folder: URL
  public var csv: URL { folder.appendingPathComponent("metrics.csv") }
  public var json: URL { folder.appendingPathComponent("metrics.json") }

  public init(folder: URL) { self.folder = folder }

  /// The table in `metrics.csv`: column names (the first is `step`) and rows (nil = no value).
  public func table() -> (columns: [String], rows: [[Double?]]) {
    guard let text = try? String(contentsOf: csv, encoding: .utf8) else { return (["step"], []) }
    var lines = text.split(separator: "\n").map(String.init)
    guard !lines.isEmpty else { return (["step"], []) }
    let columns = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let rows = lines.map { line in
      line.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
    }
    return (columns, rows)
  }

  /// Appends a row for `step` with `values` (new names add columns) and refreshes the summary.
  public func log(step: Int, _ values: [(String, Double)]) throws {
    var (columns, rows) = table()
    for (name, _) in values where !columns.contains(name) { columns.append(name) }
    var row = [Double?](repeating: nil, count: columns.count)
    row[0] = Double(step)
    for (name, v) in values { if let k = columns.firstIndex(of: name) { row[k] = v } }
    rows.append(row)
    try write(Data(render(columns: columns, rows: rows).utf8), to: csv)
    try updateSummary(columns: columns, rows: rows, last: values)
  }

  /// Removes the rows of `metrics.csv` logged after `step` (a resumed run logs them again)
  /// and recomputes the summary's steps and best `val_dice` from the rows kept.
  public func dropRows(after step: Int) throws {
    guard FileManager.default.fileExists(atPath: csv.path) else { return }
    let (columns, rows) = table()
    let kept = rows.filter { r in (r.first ?? nil).map { $0 <= Double(step) } ?? true }
    try write(Data(render(columns: columns, rows: kept).utf8), to: csv)
    try updateSummary(columns: columns, rows: kept, last: [])
  }

  func render(columns: [String], rows: [[Double?]]) -> String {
    var text = columns.joined(separator: ",") + "\n"
    for r in rows {
      let cells = (0..<columns.count).map { k -> String in
        guard k < r.count, let v = r[k] else { return "" }
        return k == 0 ? String(Int(v)) : RunLog.format(v)
      }
      text += cells.joined(separator: ",") + "\n"
    }
    return text
  }

  /// Merges `entries` into `metrics.json` (e.g. the data set, sizes, settings).
  public func info(_ entries: [(String, Any)]) throws {
    var obj = summary()
    for (k, v) in entries { obj[k] = v }
    try writeSummary(obj)
  }

  /// The current `metrics.json` object (empty when absent).
  public func summary() -> [String: Any] {
    guard let data = try? Data(contentsOf: json),
          let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
    return obj
  }

  func updateSummary(columns: [String], rows: [[Double?]], last: [(String, Double)]) throws {
    var obj = summary()
    obj["steps"] = rows.last.flatMap { $0[0] }.map { Int($0) } ?? 0
    for (k, v) in last { obj[k] = v }
    if let d = columns.firstIndex(of: "val_dice") {
      let logged = rows.compactMap { r -> (Double, Double)? in
        guard d < r.count, let v = r[d], let s = r[0] else { return nil }
        return (s, v)
      }
      if let best = logged.max(by: { $0.1 < $1.1 }) {
        obj["best_val_dice"] = best.1
        obj["best_step"] = Int(best.0)
      }
      if let latest = logged.last { obj["val_dice"] = latest.1 }
    }
    try writeSummary(obj)
  }

  func writeSummary(_ obj: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
    try write(data + Data("\n".utf8), to: json)
  }

  func write(_ data: Data, to url: URL) throws {
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try data.write(to: url, options: .atomic)
    } catch {
      throw IOError(url, "cannot write: \(IOError.systemReason(error))")
    }
  }

  public static func format(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    return String(format: "%.6g", v)
  }
}
