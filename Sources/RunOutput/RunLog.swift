import Formats
import Foundation

/// The metrics of a run, kept in its folder: `metrics.csv` (one row per logged step, a
/// column per metric name, empty where a row has no value) and `metrics.json` (a summary
/// object: the latest and best `val_dice` and `val_dice_…`, steps, and whatever the program
/// added with `log_info`).
///
/// A row costs one `write` appended to `metrics.csv`, whatever the file holds already; the
/// file is rewritten only when a new name adds a column. The summary is kept in memory and
/// `metrics.json` replaced atomically at most once a second, at each checkpoint (`flush`,
/// which also makes `metrics.csv` durable) and when the run ends. Reading the files (`table`,
/// `summary`) is for other tools: plots, `dpl sweep`, tests.
public final class RunLog {
  public let folder: URL
  public var csv: URL { folder.appendingPathComponent("metrics.csv") }
  public var json: URL { folder.appendingPathComponent("metrics.json") }

  /// Where warnings go (a damaged metrics file kept aside); stderr by default.
  public var warn: (String) -> Void = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
  /// Seconds between rewrites of `metrics.json` while rows are logged.
  static let summaryInterval: TimeInterval = 1

  /// The writer's state, read from the files at first use.
  private var columns: [String] = []
  private var latest: [String: Any] = [:]
  private var notes: [String: String] = [:]
  private var appender: Int32 = -1
  private var opened = false
  private var dirty = false
  private var lastSummary = Date.distantPast

  public init(folder: URL) { self.folder = folder }

  deinit { if appender >= 0 { close(appender) } }

  /// A row of `metrics.csv`: its step and a value per column after `step` (nil = empty).
  public struct Row: Equatable {
    public var step: Int
    public var values: [Double?]
  }

  /// The table in `metrics.csv`: column names (the first is `step`) and rows.
  public func table() -> (columns: [String], rows: [Row]) {
    guard let data = try? Data(contentsOf: csv), let parsed = try? Self.parse(data) else { return (["step"], []) }
    return (parsed.columns, parsed.rows)
  }

  /// The current `metrics.json` object (empty when absent).
  public func summary() -> [String: Any] {
    guard let data = try? Data(contentsOf: json),
          let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
    return obj
  }

  /// Appends a row for `step` with `values` (new names add columns) and updates the summary.
  /// Names are checked by the caller (`problem(withName:)`).
  public func log(step: Int, _ values: [(String, Double)]) throws {
    try open()
    let fresh = values.map(\.0).filter { !columns.contains($0) }
    if !fresh.isEmpty { try addColumns(fresh) }
    var cells = [String](repeating: "", count: columns.count)
    cells[0] = String(step)
    for (name, v) in values { if let k = columns.firstIndex(of: name) { cells[k] = Self.cell(v) } }
    try append(cells.joined(separator: ",") + "\n")
    latest["steps"] = step
    for (k, v) in values { latest[k] = v }
    for (k, v) in values { noteBest(k, v, step: step) }
    try touched()
  }

  /// Merges `entries` into the summary (e.g. the data set, sizes, settings).
  public func info(_ entries: [(String, Any)]) throws {
    try open()
    for (k, v) in entries { latest[k] = v }
    try touched()
  }

  /// Writes `metrics.json` if it is behind and makes `metrics.csv` durable (`fsync`): at each
  /// checkpoint and at the end of a run.
  public func flush() throws {
    guard opened else { return }
    if appender >= 0 { fsync(appender) }
    if dirty { try writeSummary() }
  }

  /// Keeps the summary as it is now in a checkpoint folder being built (`metrics.json`),
  /// so a resumed run continues from exactly this summary.
  public func snapshot(into dir: URL) throws {
    try open()
    try AtomicWrite.write(try encodedSummary(), to: dir.appendingPathComponent("metrics.json"))
  }

  /// Continues the log of a run resumed from the checkpoint in `dir` at `step`: the rows
  /// after `step` are dropped (the resumed run logs them again) and the summary is the one
  /// the checkpoint kept (or, for a checkpoint without one, recomputed from the rows).
  public func resume(from dir: URL, step: Int) throws {
    try dropRows(after: step)
    guard let data = try? Data(contentsOf: dir.appendingPathComponent("metrics.json")),
          let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
    latest = obj
    notes = latest.removeValue(forKey: "non_finite") as? [String: String] ?? [:]
    try writeSummary()
  }

  /// Removes the rows of `metrics.csv` logged after `step` (a resumed run logs them again)
  /// and recomputes the summary's steps and best `val_dice` from the rows kept.
  public func dropRows(after step: Int) throws {
    try open()
    guard let (cols, rows) = try readTable() else { return }
    let kept = rows.filter { $0.step <= step }
    try rewrite(columns: cols, rows: kept)
    latest["steps"] = kept.last?.step ?? 0
    for (d, name) in cols.enumerated() where Self.keepsBest(name) {
      for k in [name, "best_" + name] { latest[k] = nil }
      if name == "val_dice" { latest["best_step"] = nil }
      for r in kept {
        guard d - 1 < r.values.count, let v = r.values[d - 1] else { continue }
        noteBest(name, v, step: r.step)
      }
    }
    try writeSummary()
  }

  /// Whether the summary keeps the best value of column `name`: the Dice scores, `val_dice`
  /// and its variants `val_dice_…` (e.g. `val_dice_full`, over the whole image).
  static func keepsBest(_ name: String) -> Bool { name == "val_dice" || name.hasPrefix("val_dice_") }

  /// Notes a finite value of a `keepsBest` column in the summary: the latest as `name`, the
  /// largest so far as `best_` + name (and for `val_dice`, its step as `best_step`).
  private func noteBest(_ name: String, _ v: Double, step: Int) {
    guard Self.keepsBest(name), v.isFinite else { return }
    latest[name] = v
    guard !((latest["best_" + name] as? Double).map { $0 >= v } ?? false) else { return }
    latest["best_" + name] = v
    if name == "val_dice" { latest["best_step"] = step }
  }

  /// Why `name` cannot be a metric's name (nil when it can): it becomes a CSV column, so it
  /// is refused with `,`, `"`, a line break or another control character, rather than quoted.
  public static func problem(withName name: String) -> String? {
    if name.isEmpty { return "a metric needs a name" }
    if name == "step" { return "'step' is the name of the first column; give the metric another name" }
    if let bad = name.unicodeScalars.first(where: { $0 == "," || $0 == "\"" || $0.properties.generalCategory == .control }) {
      let what = bad == "," ? "a comma" : bad == "\"" ? "a double quote" : "the control character U+\(String(bad.value, radix: 16, uppercase: true))"
      return "the metric name \(name.debugDescription) holds \(what); metric names become CSV columns, so use letters, digits, '_', '-', '.', spaces"
    }
    return nil
  }

  /// A value as metrics.csv writes it: the shortest text that reads back as the same number
  /// (as a Float32 when it is one, so `0.1` rather than `0.10000000149011612`), and `nan`,
  /// `inf`, `-inf`. Lossless, so a resumed run recomputes its summary exactly from the rows.
  public static func cell(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
    if let f = Float(exactly: v) { return "\(f)" }
    return "\(v)"
  }

  /// A value for a table a person reads (`dpl sweep`): `%.6g`, and `nan`, `inf`, `-inf`.
  public static func format(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    return String(format: "%.6g", v)
  }

  // MARK: - The files

  /// Reads the files once: the columns and the summary. A `metrics.csv` that cannot be read
  /// is kept aside under another name (never truncated) and the log starts again.
  private func open() throws {
    guard !opened else { return }
    do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
      throw IOError(folder, "cannot create the run folder: \(IOError.systemReason(error))")
    }
    opened = true
    latest = summary()
    if let n = latest.removeValue(forKey: "non_finite") as? [String: String] { notes = n }
    columns = ["step"]
    if let (cols, _) = try readTable() { columns = cols }
  }

  /// The table in `metrics.csv` (nil when there is none). A torn last line (a write cut off
  /// by a kill) is dropped; any other damage moves the file aside with a warning.
  private func readTable() throws -> ([String], [Row])? {
    var st = stat()
    guard lstat(csv.path, &st) == 0 else { return nil }
    do {
      guard (st.st_mode & S_IFMT) == S_IFREG else { throw IOError(csv, "is not a regular file") }
      let parsed = try Self.parse(try readFile(csv))
      if parsed.torn { try rewrite(columns: parsed.columns, rows: parsed.rows) }
      return (parsed.columns, parsed.rows)
    } catch let e as IOError {
      var aside = folder.appendingPathComponent("metrics.csv.unreadable")
      var n = 2
      while FileManager.default.fileExists(atPath: aside.path) { aside = folder.appendingPathComponent("metrics.csv.unreadable-\(n)"); n += 1 }
      guard rename(csv.path, aside.path) == 0 else {
        throw IOError(csv, "cannot be read (\(e.message)) nor moved aside: \(String(cString: strerror(errno)))")
      }
      warn("\(csv.path) cannot be read (\(e.message)); kept as \(aside.lastPathComponent), and a new metrics.csv begins")
      return nil
    }
  }

  /// Parses metrics.csv: a header starting with `step`, rows of an Int step and numbers.
  static func parse(_ data: Data) throws -> (columns: [String], rows: [Row], torn: Bool) {
    guard let text = String(data: data, encoding: .utf8) else { throw IOError("", "it is not UTF-8 text") }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let torn = !text.isEmpty && !text.hasSuffix("\n")
    if torn { lines.removeLast() } else if lines.last == "" { lines.removeLast() }
    guard let header = lines.first else { return (["step"], [], torn) }
    let columns = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard columns.first == "step", Set(columns).count == columns.count else {
      throw IOError("", "its header is not 'step,…' with distinct names")
    }
    var rows: [Row] = []
    for (k, line) in lines.dropFirst().enumerated() {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false)
      guard cells.count <= columns.count, let step = Int(cells[0]) else { throw IOError("", "line \(k + 2) is not a row of metrics") }
      let values = try cells.dropFirst().map { c -> Double? in
        guard !c.isEmpty else { return nil }
        guard let v = Double(c) else { throw IOError("", "line \(k + 2) holds '\(c)', not a number") }
        return v
      }
      rows.append(Row(step: step, values: values))
    }
    return (columns, rows, torn)
  }

  /// Adds columns: the file is rewritten with the new header, its rows padded to match.
  private func addColumns(_ names: [String]) throws {
    let rows = try readTable()?.1 ?? []
    columns += names
    try rewrite(columns: columns, rows: rows)
  }

  /// Replaces metrics.csv atomically; the appender then writes to the new file.
  private func rewrite(columns cols: [String], rows: [Row]) throws {
    var text = cols.joined(separator: ",") + "\n"
    for r in rows {
      var cells = [String(r.step)] + r.values.map { $0.map(Self.cell) ?? "" }
      cells += Array(repeating: "", count: max(0, cols.count - cells.count))
      text += cells.joined(separator: ",") + "\n"
    }
    try AtomicWrite.write(Data(text.utf8), to: csv)
    columns = cols
    if appender >= 0 { close(appender); appender = -1 }
  }

  /// Appends one line with one `write` to an `O_APPEND` descriptor (never through a link).
  private func append(_ line: String) throws {
    if appender < 0 {
      var st = stat()
      if lstat(csv.path, &st) != 0 { try rewrite(columns: columns, rows: []) }
      appender = Foundation.open(csv.path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)
      guard appender >= 0 else {
        let why = errno == ELOOP ? "it is a symbolic link; the run writes only inside its folder" : errno == EISDIR ? "it is a folder, expected a file" : String(cString: strerror(errno))
        throw IOError(csv, "cannot append: \(why)")
      }
    }
    let bytes = Array(line.utf8)
    var done = 0
    while done < bytes.count {
      let n = bytes.withUnsafeBytes { Foundation.write(appender, $0.baseAddress! + done, bytes.count - done) }
      if n < 0 {
        if errno == EINTR { continue }
        throw IOError(csv, "cannot append: \(String(cString: strerror(errno)))")
      }
      done += n
    }
  }

  private func touched() throws {
    dirty = true
    if Date().timeIntervalSince(lastSummary) >= Self.summaryInterval { try writeSummary() }
  }

  /// Writes metrics.json: NaN and ±inf (which JSON cannot hold) as `null`, each named with
  /// its value under `non_finite`.
  private func writeSummary() throws {
    try AtomicWrite.write(try encodedSummary(), to: json)
    dirty = false
    lastSummary = Date()
  }

  private func encodedSummary() throws -> Data {
    var obj: [String: Any] = [:]
    for (k, v) in latest {
      let (clean, note) = Self.finite(v)
      obj[k] = clean
      if let note { notes[k] = note } else if !(clean is NSNull) { notes[k] = nil }
    }
    notes = notes.filter { latest[$0.key] != nil }
    if !notes.isEmpty { obj["non_finite"] = notes }
    let data: Data
    do { data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys]) } catch {
      throw IOError(json, "cannot encode the summary: \(IOError.systemReason(error))")
    }
    return data + Data("\n".utf8)
  }

  /// `v` with non-finite numbers as `NSNull`, and what they were.
  static func finite(_ v: Any) -> (Any, String?) {
    if let d = v as? Double, !d.isFinite { return (NSNull(), format(d)) }
    if let xs = v as? [Double], xs.contains(where: { !$0.isFinite }) {
      let bad = xs.enumerated().filter { !$0.element.isFinite }.map { "[\($0.offset)] \(format($0.element))" }
      return (xs.map { $0.isFinite ? $0 as Any : NSNull() }, bad.joined(separator: ", "))
    }
    return (v, nil)
  }
}
