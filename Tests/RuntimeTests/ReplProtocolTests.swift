import Foundation
import Testing

/// `dpl repl --json` over plain pipes, as the Jupyter kernel drives it (no Jupyter needed):
/// definitions persist, errors carry the source line and caret, tensors and written plots
/// come as PNGs, SIGINT stops a running input and the session goes on.
@Suite(.enabled(if: ReplTerminalTests.executable != nil, "needs a built dpl (swift build --product dpl)"))
struct ReplProtocolTests {
  typealias Event = [String: Any]
  static let pngMagic = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])

  /// A `dpl repl --json` child in a scratch folder.
  final class Child {
    let process = Process()
    let input = Pipe(), output = Pipe()
    var pending = Data()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-json-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")

    init() throws {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      process.executableURL = URL(fileURLWithPath: ReplTerminalTests.executable ?? "")
      process.arguments = ["repl", "--json"]
      process.currentDirectoryURL = folder
      process.standardInput = input
      process.standardOutput = output
      process.standardError = FileHandle.nullDevice
      try process.run()
    }

    deinit {
      if process.isRunning { process.terminate() }
      try? FileManager.default.removeItem(at: folder)
    }

    func send(_ request: Event) throws {
      var line = try JSONSerialization.data(withJSONObject: request)
      line.append(0x0A)
      input.fileHandleForWriting.write(line)
    }

    /// Sends a request and returns its events, `done` last.
    func request(_ request: Event) throws -> [Event] {
      try send(request)
      return try events()
    }

    /// Events up to `done`, or up to the first for which `stop` holds.
    func events(until stop: (Event) -> Bool = { _ in false }) throws -> [Event] {
      var out: [Event] = []
      while true {
        let e = try next()
        out.append(e)
        if e["event"] as? String == "done" || stop(e) { return out }
      }
    }

    /// The next event line (a minute at most).
    func next() throws -> Event {
      let fd = output.fileHandleForReading.fileDescriptor
      while true {
        if let nl = pending.firstIndex(of: 0x0A) {
          let line = pending[..<nl]
          pending = Data(pending[(nl + 1)...])
          guard let e = try JSONSerialization.jsonObject(with: line) as? Event else { throw Failure("not an object: \(line)") }
          return e
        }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 60_000) > 0 else { throw Failure("no event within a minute") }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { throw Failure("the child closed its output") }
        pending.append(contentsOf: buffer[..<n])
      }
    }
  }

  struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
  }

  static func kind(_ events: [Event]) -> [String] { events.map { $0["event"] as? String ?? "?" } }
  static func text(_ events: [Event], _ kind: String = "result") -> String {
    events.filter { $0["event"] as? String == kind }.map { $0["text"] as? String ?? "" }.joined()
  }
  static func images(_ events: [Event]) -> [Data] {
    events.filter { $0["event"] as? String == "image" }.compactMap { ($0["png"] as? String).flatMap { Data(base64Encoded: $0) } }
  }

  @Test func definitionsPersistAndValuesShow() throws {
    let repl = try Child()
    let first = try repl.request(["op": "execute", "code": "let x = randn([3, 3], seed: 1)\nfn double(t: Tensor) -> Tensor {\n  t * 2.0\n}\nprint(\"hi\")"])
    #expect(Self.kind(first) == ["stream", "done"])
    #expect(first[0]["name"] as? String == "stdout" && first[0]["text"] as? String == "hi\n")
    let use = try repl.request(["op": "execute", "code": "sum(double(x) - x - x)"])
    #expect(Self.kind(use) == ["result", "done"] && Self.text(use) == "Tensor[] float32 = 0\n")
    #expect(use.last?["status"] as? String == "ok")
  }

  @Test func errorsCarryTheLineAndCaret() throws {
    let repl = try Child()
    let events = try repl.request(["op": "execute", "code": "let y = 1\nundefined_name + y"])
    #expect(Self.kind(events) == ["error", "done"])
    #expect(events[1]["status"] as? String == "error")
    #expect(events[0]["evalue"] as? String == "cannot find 'undefined_name' in scope")
    let traceback = events[0]["traceback"] as? [String] ?? []
    #expect(traceback == ["<repl>:2:1: error: cannot find 'undefined_name' in scope", "undefined_name + y", "^~~~~~~~~~~~~~"])
    let bad = try repl.request(["op": "nonsense"])
    #expect(Self.kind(bad) == ["error", "done"])
  }

  @Test func tensorsAndGradientsComeAsPNGs() throws {
    let repl = try Child()
    _ = try repl.request(["op": "execute", "code": "let x = randn([3, 4], seed: 1)"])
    let value = try repl.request(["op": "execute", "code": "x"])
    #expect(Self.kind(value) == ["result", "image", "done"])
    #expect(Self.images(value).first?.prefix(8) == Self.pngMagic)
    #expect(!Self.text(value).contains("│"), "the picture replaces the shade heatmap")
    let grad = try repl.request(["op": "execute", "code": ":grad sum(x * x) wrt x"])
    #expect(Self.text(grad).contains("gradient with respect to 'x'"))
    #expect(Self.images(grad).count == 1)
    #expect(Self.images(try repl.request(["op": "execute", "code": "sum(x)"])).isEmpty)
  }

  @Test func plotsTheInputWritesComeAsPNGs() throws {
    let repl = try Child()
    let events = try repl.request(["op": "execute", "code": "import run\nfor s in 0..<3 {\n  run.log_metrics(s, [(\"loss\", 1.0 / (s + 1.0))])\n}\nrun.plot_metrics()"])
    let image = try #require(events.first { $0["event"] as? String == "image" })
    #expect((image["path"] as? String)?.hasSuffix("runs/run/metrics.png") == true)
    #expect(Self.images(events).first?.prefix(8) == Self.pngMagic)
  }

  @Test func sigintStopsTheRunningInputAndTheSessionGoesOn() throws {
    let repl = try Child()
    kill(repl.process.processIdentifier, SIGINT)  // while idle: forgotten before the next input
    Thread.sleep(forTimeInterval: 0.1)
    #expect(Self.text(try repl.request(["op": "execute", "code": "var n = 0\nn + 2"])) == "2\n")
    try repl.send(["op": "execute", "code": "print(\"started\")\nwhile true {\n  n += 1\n}"])
    _ = try repl.events { $0["event"] as? String == "stream" }
    Thread.sleep(forTimeInterval: 0.2)
    kill(repl.process.processIdentifier, SIGINT)
    let stopped = try repl.events()
    #expect(Self.kind(stopped) == ["error", "done"])
    #expect(stopped.first?["evalue"] as? String == "interrupted")
    #expect(Self.text(try repl.request(["op": "execute", "code": "n > 0"])) == "true\n")
  }

  @Test func completionInspectionAndBalance() throws {
    let repl = try Child()
    _ = try repl.request(["op": "execute", "code": "fn double(t: Tensor) -> Tensor { t * 2.0 }"])
    let done = try #require(try repl.request(["op": "complete", "code": "let ü = dou", "cursor": 11]).last)
    #expect(done["matches"] as? [String] == ["double"])
    #expect(done["cursor_start"] as? Int == 8 && done["cursor_end"] as? Int == 11, "offsets count Unicode scalars")
    let command = try #require(try repl.request(["op": "complete", "code": ":gr", "cursor": 3]).last)
    #expect(command["matches"] as? [String] == [":grad"] && command["cursor_start"] as? Int == 0)
    let help = try #require(try repl.request(["op": "inspect", "code": "relu(x)", "cursor": 2]).last)
    #expect(help["found"] as? Bool == true && (help["text"] as? String)?.hasPrefix("relu(") == true)
    let none = try #require(try repl.request(["op": "inspect", "code": "zzz", "cursor": 1]).last)
    #expect(none["found"] as? Bool == false)
    #expect(try repl.request(["op": "is_complete", "code": "fn f() {"]).last?["status"] as? String == "incomplete")
    #expect(try repl.request(["op": "is_complete", "code": "fn f() { 1 }"]).last?["status"] as? String == "complete")
  }

  @Test("an empty line gets an error and its done, and the session goes on")
  func emptyLineIsAnswered() throws {
    let repl = try Child()
    repl.input.fileHandleForWriting.write(Data("\n".utf8))
    let events = try repl.events()
    #expect(Self.kind(events) == ["error", "done"] && (events[0]["evalue"] as? String)?.contains("an empty line") == true, "\(events)")
    #expect(Self.text(try repl.request(["op": "execute", "code": "1 + 1"])).hasPrefix("2"))
  }

  @Test func endsWithItsInputAndTakesNoFiles() throws {
    let repl = try Child()
    try repl.input.fileHandleForWriting.close()
    repl.process.waitUntilExit()
    #expect(repl.process.terminationStatus == 0)
    let files = Process()
    files.executableURL = URL(fileURLWithPath: ReplTerminalTests.executable ?? "")
    files.arguments = ["repl", "--json", "a.dpl"]
    files.standardError = FileHandle.nullDevice
    try files.run()
    files.waitUntilExit()
    #expect(files.terminationStatus == 64)
  }
}
