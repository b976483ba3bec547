import Foundation
import Testing

/// Drives `dpl repl` through a pseudo-terminal (a detached `tmux` session) and reads the
/// screen: the prompt, a multi-line definition, history recall with ↑, tab completion,
/// Ctrl-C dropping an input, and Ctrl-D leaving with the history saved.
@Suite struct ReplTerminalTests {
  /// The `dpl` executable built next to the tests, if any.
  static var executable: String? {
    let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dpl").path]
      + [".build-repl", ".build"].map { repositoryRoot.appendingPathComponent("\($0)/debug/dpl").path }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  static var tmux: String? {
    ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs a tool and waits for it (posix_spawn and waitpid: Foundation's `Process` can miss
  /// the exit of a client whose server lives on), with stdin from `input` and stdout to
  /// `output` (paths); returns its exit status, -1 if it could not start.
  @discardableResult
  static func spawn(_ tool: String, _ args: [String], input: String = "/dev/null", output: String = "/dev/null") -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([tool] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, tool, &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status >> 8) & 0xff  // WEXITSTATUS
  }

  /// Runs a tool (`spawn`); returns its stdout when `output`.
  @discardableResult
  static func run(_ tool: String, _ args: [String], output: Bool = false) -> String {
    guard output else { spawn(tool, args); return "" }
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-tmux-\(getpid()).txt").path
    defer { unlink(file) }
    spawn(tool, args, output: file)
    return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
  }

  /// Runs `dpl repl` with `input` on stdin (no terminal) and returns its exit status.
  static func pipedStatus(_ dpl: String, _ input: String) throws -> Int32 {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-piped-\(getpid()).repl").path
    try input.write(toFile: file, atomically: true, encoding: .utf8)
    defer { unlink(file) }
    return spawn(dpl, ["repl"], input: file)
  }

  /// A piped session exits 0 when every input ran and 1 when one failed (like a script).
  @Test func pipedExitStatus() throws {
    guard let dpl = Self.executable else {
      print("skipping pipedExitStatus: needs a built dpl (swift build --product dpl)")
      return
    }
    #expect(try Self.pipedStatus(dpl, "let a = 2\na * 3\n") == 0)
    #expect(try Self.pipedStatus(dpl, "let a = 2\nundefined_name + a\na * 3\n") == 1)
    #expect(try Self.pipedStatus(dpl, "let a = ones([2]) + ones([3])\n") == 1)
  }

  @Test func interactiveSession() throws {
    guard let tmux = Self.tmux, let dpl = Self.executable else {
      print("skipping ReplTerminalTests: needs tmux (apt-get install tmux) and a built dpl (swift build --product dpl)")
      return
    }
    let socket = "dpl-repl-test-\(getpid())"
    let history = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-history-\(getpid())").path
    try? FileManager.default.removeItem(atPath: history)
    defer {
      Self.run(tmux, ["-L", socket, "kill-server"])
      try? FileManager.default.removeItem(atPath: history)
    }
    Self.run(tmux, ["-L", socket, "new-session", "-d", "-x", "120", "-y", "50", "-s", "repl",
                    "env DPL_HISTORY=\(history) NO_COLOR=1 \(dpl) repl; sleep 30"])
    func keys(_ k: String...) { Self.run(tmux, ["-L", socket, "send-keys", "-t", "repl"] + k) }
    func screen() -> String { Self.run(tmux, ["-L", socket, "capture-pane", "-p", "-t", "repl"], output: true) }
    /// Waits until the screen satisfies `ok` (20 s at most: the suite runs beside others).
    func waitFor(_ what: String, _ ok: (String) -> Bool) -> String {
      var s = ""
      for _ in 0..<400 {
        s = screen()
        if ok(s) { return s }
        Thread.sleep(forTimeInterval: 0.05)
      }
      Issue.record("the screen never showed \(what):\n\(s)")
      return s
    }
    func count(_ s: String, _ needle: String) -> Int { s.components(separatedBy: needle).count - 1 }

    _ = waitFor("the prompt") { $0.contains("dpl>") }
    keys("let alpha = 2", "Enter")
    keys("fn twice(t: Tensor) -> Tensor {", "Enter")
    _ = waitFor("the continuation prompt") { $0.contains("...>") }
    keys("  t * alpha", "Enter", "}", "Enter")
    keys("twice(ones([2]))", "Enter")
    var s = waitFor("the value of a multi-line function") { $0.contains("Tensor[2] float32  min 2  mean 2  max 2") }
    // History: ↑ recalls the last line.
    keys("Up")
    // The prompt line holds the recalled input (keys typed ahead of a busy prompt are echoed
    // by the terminal too, so counting copies on the screen would not tell).
    func promptLine(_ s: String) -> String { s.split(separator: "\n").last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "" }
    _ = waitFor("the recalled line") { promptLine($0) == "dpl> twice(ones([2]))" }
    keys("Enter")
    s = waitFor("the recalled line's value") { count($0, "Tensor[2] float32  min 2") == 2 }
    // Completion of a command and of a name in scope.
    keys(":gr", "Tab")
    _ = waitFor("the completed command") { $0.contains("dpl> :grad") }
    keys("C-u", "alp", "Tab")
    _ = waitFor("the completed name") { $0.contains("dpl> alpha") }
    keys("Enter")
    // Ctrl-C drops an unfinished multi-line input; the session goes on.
    keys("fn broken() {", "Enter")
    _ = waitFor("a continuation") { count($0, "...>") >= 3 }
    keys("C-c")
    _ = waitFor("the interrupt") { $0.contains("^C") }
    keys("alpha + 1", "Enter")
    s = waitFor("the session going on after Ctrl-C") { $0.contains("\n3\n") || $0.hasSuffix("3\n") || $0.contains("\n3 ") }
    // Ctrl-D leaves; the history was saved.
    keys("C-d")
    Thread.sleep(forTimeInterval: 0.3)
    let saved = (try? String(contentsOfFile: history, encoding: .utf8)) ?? ""
    #expect(saved.contains("let alpha = 2"))
    #expect(saved.contains("twice(ones([2]))"))
    // A multi-line input is one entry: its lines follow one timestamp line, together.
    #expect(saved.contains("fn twice(t: Tensor) -> Tensor {\n  t * alpha\n}"), "\(saved)")
    let stamps = saved.split(separator: "\n").filter { $0.hasPrefix("#") }.count
    #expect(stamps == 6, "one timestamp per input (let, fn, twice, twice, alpha, alpha + 1; not the dropped one): \(saved)")
    _ = s
  }
}
