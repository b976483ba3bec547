import Foundation
import RunOutput

/// The sweep's progress line on stderr: redrawn in place on a terminal, else written when
/// it changes. With one task running, it ends with that task's last log line (dpl run's
/// progress bar).
final class SweepProgress {
  let started = Date()
  var last = ""
  var drawn = false

  func show(_ status: SweepStatus) {
    var text = "sweep: \(status.summary)"
    let running = status.plan.tasks.filter { status.states[$0.task] == .running }
    if running.count == 1, let t = running.first {
      text += "; task \(t.task) \(t.name(field: status.plan.field))"
      if let line = Self.lastLine(of: status.folder.appendingPathComponent(t.log)), line.hasPrefix("[") { text += ": " + line }
    }
    let clock = Int(Date().timeIntervalSince(started))
    if ProgressBar.isTerminal {
      FileHandle.standardError.write(Data("\r\u{1B}[K\(text) (\(clock / 60)m\(String(format: "%02d", clock % 60))s)".utf8))
      drawn = true
    } else if text != last {
      FileHandle.standardError.write(Data("\(text)\n".utf8))
    }
    last = text
  }

  /// Ends a line drawn in place.
  func end() {
    if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    drawn = false
  }

  /// The last line of a log (from its last 4 KiB), without the carriage returns of a bar.
  static func lastLine(of log: URL) -> String? {
    guard let h = try? FileHandle(forReadingFrom: log) else { return nil }
    defer { try? h.close() }
    let size = (try? h.seekToEnd()) ?? 0
    try? h.seek(toOffset: size > 4096 ? size - 4096 : 0)
    let text = String(decoding: h.readDataToEndOfFile(), as: UTF8.self)
    return text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last.map(String.init)
  }
}
