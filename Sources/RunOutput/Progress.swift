import Foundation

/// A one-line progress bar on stderr. On a terminal the line is redrawn in place; when
/// stderr is a file or a pipe, a plain line is written every `total / 20` steps and at the
/// end, so logs stay readable.
public enum ProgressBar {
  /// Whether stderr is a terminal.
  public static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }

  /// The text for `step` of `total` with named values; a value named `seconds` (elapsed
  /// time) gives the rate and the time left instead of being printed as a number.
  public static func line(step: Int, total: Int, values: [(String, Double)], width: Int = 24) -> String {
    let frac = total > 0 ? min(1, max(0, Double(step) / Double(total))) : 1
    let filled = Int((frac * Double(width)).rounded(.down))
    var s = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    s += " \(step)/\(total)"
    var seconds: Double?
    for (name, v) in values {
      if name == "seconds" { seconds = v; continue }
      s += "  \(name) " + (v.isFinite ? String(format: abs(v) >= 100 ? "%.1f" : "%.4f", v) : "-")
    }
    if let t = seconds, step > 0 {
      let per = t / Double(step)
      s += String(format: "  %.2f s/it  %@ left", per, clock(per * Double(max(0, total - step))))
    }
    return s
  }

  /// Draws the bar for `step` (redrawing in place on a terminal).
  public static func show(step: Int, total: Int, values: [(String, Double)], write: (String) -> Void) {
    let text = line(step: step, total: total, values: values)
    if isTerminal {
      write("\r\u{1B}[K" + text + (step >= total ? "\n" : ""))
    } else if step >= total || step == 1 || step % max(1, total / 20) == 0 {
      write(text + "\n")
    }
  }

  static func clock(_ s: Double) -> String {
    let t = Int(s.rounded())
    return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
  }
}
