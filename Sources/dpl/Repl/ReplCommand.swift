import ArgumentParser
import Foundation
import Interactive
import Runtime

/// `dpl repl`: an interactive session for exploring gradients (see docs/repl.md).
///
/// On a terminal it edits lines with GNU readline (history in `~/.dpl_history`, or
/// `$DPL_HISTORY`; tab completion); otherwise it reads stdin line by line without prompts
/// or colour, so a session can be piped in and its output kept as a golden file. A piped
/// session exits with status 1 if any of its inputs failed (as a script would), else 0.
/// With `--json` it speaks JSON lines to another program (`ReplProtocol`).
struct ReplCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "repl",
    abstract: "Explore gradients interactively (:help inside lists the commands).")

  @Option(help: "Seed of the session's random generator.")
  var seed: UInt64 = 0

  @Flag(help: "Read requests and write events as JSON lines, one input per request (for programs such as the Jupyter kernel; docs/jupyter.md).")
  var json = false

  @Argument(help: "Files to :load before the first prompt.")
  var files: [String] = []

  func validate() throws {
    if json, !files.isEmpty { throw ValidationError("--json takes no files: send \":load FILE\" as a request") }
  }

  func run() throws {
    try requireBLAS()
    let interactive = !json && isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0
    let colour = interactive && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    let session = Session(options: FrontEnd.options(), seed: seed)
    let engine = ReplEngine(session: session, colour: colour)
    let interrupts = Interrupts(session: session)
    interrupts.install()
    if json {
      ReplProtocol(engine: engine, interrupts: interrupts).run()
      return
    }
    var failed = false
    for f in files { failed = emit(engine, engine.handle(":load " + f), interactive: interactive) || failed }
    if interactive {
      print("dpl repl — :help lists the commands, Ctrl-D leaves")
      let editor = LineEditor(colour: colour, complete: engine.completions)
      runLoop(engine, interrupts, interactive: true, remember: editor.remember) { continuing in editor.read(continuing: continuing) }
      editor.close()
    } else {
      failed = runLoop(engine, interrupts, interactive: false) { _ in
        readLine(strippingNewline: true).map { .line($0) } ?? .end
      } || failed
      if failed { throw ExitCode(1) }
    }
  }

  /// Reads inputs (continuing lines until brackets balance) and runs them; returns whether
  /// any of them failed.
  @discardableResult
  func runLoop(_ engine: ReplEngine, _ interrupts: Interrupts, interactive: Bool,
               remember: (String) -> Void = { _ in }, read: (Bool) -> LineEditor.Input) -> Bool {
    var buffer = "", failed = false
    while !engine.quitRequested {
      switch read(!buffer.isEmpty) {
      case .end:
        if !buffer.isEmpty { failed = emit(engine, engine.handle(buffer), interactive: interactive) || failed }
        if interactive { print("") }
        return failed
      case .interrupted:
        buffer = ""
      case .line(let line):
        buffer += buffer.isEmpty ? line : "\n" + line
        if ReplEngine.needsMoreInput(buffer) { continue }
        let input = buffer
        buffer = ""
        remember(input)
        let out = interrupts.whileRunning { engine.handle(input) }
        failed = emit(engine, out, interactive: interactive) || failed
      }
    }
    return failed
  }

  /// Writes a result: to stdout, except errors of a piped session, which go to stderr.
  /// Returns whether the input failed.
  @discardableResult
  func emit(_ engine: ReplEngine, _ text: String, interactive: Bool) -> Bool {
    guard !text.isEmpty else { return false }
    let handle = !interactive && engine.lastWasError ? FileHandle.standardError : FileHandle.standardOutput
    handle.write(Data(text.utf8))
    return engine.lastWasError
  }
}
