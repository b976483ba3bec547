import Formats
import Foundation
import Interactive
import Runtime

/// `dpl repl --json`: the REPL for another program (the Jupyter kernel, docs/jupyter.md).
///
/// Each line of stdin is a request and each line of stdout an event, both JSON objects;
/// every request ends with exactly one `done` event. Requests:
///
///     {"op": "execute", "code": "…"}                 one input (a cell: any lines, one input)
///     {"op": "complete", "code": "…", "cursor": N}   completions at scalar offset N
///     {"op": "inspect", "code": "…", "cursor": N}    `:help` (else `:type`) of the name at N
///     {"op": "is_complete", "code": "…"}             whether the brackets balance
///
/// Events of an `execute`, in this order: `stream` (`print` output as `stdout`, progress
/// and logs as `stderr`, as they come), `result` (the text the REPL shows), `image` (a
/// tensor it showed, then each PNG the input wrote), `error`, and `done`. SIGINT stops the
/// input that runs, as Ctrl-C does, and the session keeps its definitions and bindings.
final class ReplProtocol {
  let engine: ReplEngine
  let interrupts: Interrupts
  /// Where events go: the original stdout. Stdout itself is pointed at stderr, so nothing
  /// else written there can break the stream of events.
  let events: Int32
  private let lock = NSLock()
  /// The PNGs the running input wrote.
  private var written: [URL] = []

  init(engine: ReplEngine, interrupts: Interrupts) {
    self.engine = engine
    self.interrupts = interrupts
    events = dup(STDOUT_FILENO)
    dup2(STDERR_FILENO, STDOUT_FILENO)
    engine.textHeatmaps = false
    engine.session.output = { [unowned self] text in send(["event": "stream", "name": "stdout", "text": text]) }
    engine.session.log = { [unowned self] text in send(["event": "stream", "name": "stderr", "text": text]) }
    engine.session.wroteImage = { [unowned self] url in
      lock.lock()
      written.append(url)
      lock.unlock()
    }
  }

  /// Answers requests until stdin ends, `:quit`, or the parent process goes away.
  func run() {
    let parent = getppid()
    let watcher = DispatchSource.makeTimerSource(queue: .global())
    watcher.schedule(deadline: .now() + 1, repeating: 1)
    watcher.setEventHandler { if getppid() != parent { _exit(0) } }
    watcher.resume()
    defer { watcher.cancel() }
    while !engine.quitRequested, let line = readLine(strippingNewline: true) {
      // A blank line is a request too, and gets its error and `done` like any malformed one.
      guard let request = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
            let op = request["op"] as? String else {
        fail("error: a request is one JSON object with an \"op\" per line, got \(line.allSatisfy(\.isWhitespace) ? "an empty line" : ": \(line.prefix(80))")")
        continue
      }
      let code = request["code"] as? String ?? ""
      let cursor = (request["cursor"] as? Int) ?? code.unicodeScalars.count
      switch op {
      case "execute": execute(code)
      case "complete": complete(code, cursor)
      case "inspect": inspect(code, cursor)
      case "is_complete": send(["event": "done", "status": ReplEngine.needsMoreInput(code) ? "incomplete" : "complete"])
      default: fail("error: unknown request \"\(op)\" (execute, complete, inspect, is_complete)")
      }
    }
  }

  func execute(_ code: String) {
    lock.lock()
    written = []
    lock.unlock()
    let text = interrupts.whileRunning { engine.handle(code) }
    let failed = engine.lastWasError
    if !failed, !text.isEmpty { send(["event": "result", "text": text]) }
    for v in engine.shown {
      if let image = ValueDisplay.image(v), let png = try? PNG.encode(image) { sendImage(png, image.width, image.height) }
    }
    lock.lock()
    let files = written
    lock.unlock()
    for url in files {
      if let png = try? Data(contentsOf: url) { sendImage(png, nil, nil, path: url.path) }
    }
    if failed { sendError(text) }
    send(["event": "done", "status": failed ? "error" : "ok"])
  }

  /// Completions of the word before the cursor: `:` commands, names in scope, builtins,
  /// members after a dot (`ReplEngine.completions`).
  func complete(_ code: String, _ cursor: Int) {
    let (before, _) = split(code, cursor)
    let line = String(before.split(separator: "\n", omittingEmptySubsequences: false).last ?? "")
    let word = line.hasPrefix(":") && !line.contains(" ") ? line : String(line.reversed().prefix(while: Self.isWordCharacter).reversed())
    let start = before.unicodeScalars.count - word.unicodeScalars.count
    send(["event": "done", "status": "ok", "matches": engine.completions(prefix: word, line: line),
          "cursor_start": start, "cursor_end": before.unicodeScalars.count])
  }

  /// What `:help` says of the name at the cursor, else its `:type`.
  func inspect(_ code: String, _ cursor: Int) {
    let (before, after) = split(code, cursor)
    let name = String(before.reversed().prefix(while: Self.isWordCharacter).reversed()) + String(after.prefix(while: Self.isWordCharacter))
    var text = ""
    if !name.isEmpty {
      for command in [":help ", ":type "] {
        let answer = engine.handle(command + name)
        if !engine.lastWasError { text = answer; break }
      }
    }
    send(["event": "done", "status": "ok", "found": !text.isEmpty, "text": text])
  }

  static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "." }

  /// `code` before and after the cursor, an offset in Unicode scalars (as Jupyter counts).
  func split(_ code: String, _ cursor: Int) -> (String, String) {
    let scalars = code.unicodeScalars
    let k = scalars.index(scalars.startIndex, offsetBy: max(0, min(cursor, scalars.count)))
    return (String(scalars[..<k]), String(scalars[k...]))
  }

  func sendImage(_ png: Data, _ width: Int?, _ height: Int?, path: String? = nil) {
    var event: [String: Any] = ["event": "image", "png": png.base64EncodedString()]
    if let width, let height { event["width"] = width; event["height"] = height }
    if let path { event["path"] = path }
    send(event)
  }

  /// An error: the diagnostic's lines as the traceback (the source line and the caret
  /// included) and its first `error:` message as the value.
  func sendError(_ text: String) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var message = lines.first ?? ""
    if let line = lines.first(where: { $0.contains("error: ") }), let r = line.range(of: "error: ") {
      message = String(line[r.upperBound...])
    }
    send(["event": "error", "ename": "error", "evalue": message,
          "traceback": Array(lines.reversed().drop { $0.isEmpty }.reversed())])
  }

  /// A request that could not be read: an error, then `done`.
  func fail(_ message: String) {
    sendError(message)
    send(["event": "done", "status": "error"])
  }

  /// Writes one event as a line (from any thread: `print` runs on the interpreter's).
  func send(_ event: [String: Any]) {
    guard var data = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
    data.append(0x0A)
    lock.lock()
    defer { lock.unlock() }
    data.withUnsafeBytes { raw in
      guard var p = raw.baseAddress else { return }
      var left = raw.count
      while left > 0 {
        let n = write(events, p, left)
        if n < 0 {
          if errno == EINTR { continue }
          return
        }
        p += n
        left -= n
      }
    }
  }
}
