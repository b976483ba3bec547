import CReadline
import Foundation

/// The state readline's C callbacks reach (they cannot capture context).
nonisolated(unsafe) private var pendingLine: String?
nonisolated(unsafe) private var lineDone = false
nonisolated(unsafe) private var sawEOF = false
nonisolated(unsafe) private var completer: ((String, String) -> [String])?
nonisolated(unsafe) private var matches: [String] = []

/// Line editing with GNU readline's callback interface, so Ctrl-C can drop the current
/// input without leaving: readline's own signal handling is off, and `poll` wakes up on
/// the interrupt.
final class LineEditor {
  enum Input {
    case line(String)
    case interrupted
    case end
  }

  let historyPath: String
  let colour: Bool

  init(colour: Bool, complete: @escaping (String, String) -> [String]) {
    self.colour = colour
    let env = ProcessInfo.processInfo.environment
    historyPath = env["DPL_HISTORY"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".dpl_history")
    completer = complete
    dpl_rl_configure(UnsafePointer(strdup("dpl"))) { text, start, _ in
      let line = dpl_rl_line_buffer().map { String(cString: $0) } ?? ""
      if line.hasPrefix(":load ") { return nil }  // file names (readline's default)
      dpl_rl_completion_over()
      let prefix = text.map { String(cString: $0) } ?? ""
      matches = completer?(prefix, String(line.prefix(Int(start)) + prefix)) ?? []
      if matches.isEmpty { return nil }
      return rl_completion_matches(text) { _, state in
        let k = Int(state)
        return k < matches.count ? strdup(matches[k]) : nil
      }
    }
    using_history()
    stifle_history(2000)
    // A multi-line input is one entry: timestamps mark where entries start in the file.
    dpl_history_configure()
    if FileManager.default.fileExists(atPath: historyPath) { _ = read_history(historyPath) } else { _ = write_history(historyPath) }
  }

  /// Reads one line (`continuing`: inside an unfinished multi-line input).
  func read(continuing: Bool) -> Input {
    let text = continuing ? "...> " : "dpl> "
    // \u{1} … \u{2} tell readline the escape codes take no room.
    let prompt = colour ? "\u{1}\u{1B}[1;36m\u{2}" + text + "\u{1}\u{1B}[0m\u{2}" : text
    pendingLine = nil
    lineDone = false
    sawEOF = false
    interruptCount = 0
    rl_callback_handler_install(prompt) { line in
      if let line {
        pendingLine = String(cString: line)
        free(line)
      } else {
        sawEOF = true
      }
      lineDone = true
      rl_callback_handler_remove()
    }
    var fd = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
    while !lineDone {
      let r = poll(&fd, 1, -1)
      if interruptCount > 0 {
        interruptCount = 0
        dpl_print_interrupt()
        rl_free_line_state()
        rl_callback_sigcleanup()
        rl_callback_handler_remove()
        return .interrupted
      }
      if r > 0 { rl_callback_read_char() }
    }
    if sawEOF { return .end }
    return .line(pendingLine ?? "")
  }

  /// Adds a complete input (all its lines) to the history as one entry.
  func remember(_ input: String) {
    guard !input.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
    add_history(input)
    _ = append_history(1, historyPath)
  }

  func close() {
    _ = history_truncate_file(historyPath, 2000)
  }
}
