import Foundation
import IR
import Language
import Testing
@testable import Runtime
@testable import Interactive
@testable import RunOutput
@testable import Formats
import Tensor

/// `resume`, `resumed` and `checkpoint` in the interpreter, and the checkpoint folder's
/// atomic replacement (the command-line flow is `ResumeTests`).
@Suite("executor: resume and checkpoint")
struct ExecResumeTests {
  /// Trains forever, checkpointing only when asked to stop.
  static let endless = """
    import run
    model Net() {
      let l = dense(2, 1)
      fn forward(x: Tensor) -> Tensor { l(x) }
    }
    let net = Net()
    let opt = adam(net, lr: 0.01)
    var step = run.resume(opt)
    while true {
      step += 1
      opt.minimize { sum(net(ones([1, 2]))) }
      run.checkpoint(step, opt, every: 1000000)
    }
    """

  /// Runs `endless` and sets `cancelled` after 0.2 s; returns the error that ended it.
  /// - Parameter stopsAtCheckpoint: as `dpl run` sets it (nil: the interpreter's default).
  func stopEndless(in dir: URL, stopsAtCheckpoint: Bool?) throws -> any Error {
    let (module, c) = Compiler.compile(source: Self.endless, path: "endless.dpl", options: CompileOptions())
    let i = Interpreter(module: try #require(module, "\(c.renderDiagnostics())"))
    i.outputDirectory = dir
    if let stopsAtCheckpoint { i.stopsAtCheckpoint = stopsAtCheckpoint }
    #expect(i.stopsAtCheckpoint == (stopsAtCheckpoint ?? false))
    let flag = i.cancelFlag
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { flag.isSet = true }
    do { try i.run() } catch { return error }
    throw RunFailure("the endless program ended")
  }

  @Test("under dpl run a stop request waits for the checkpoint, which writes and ends the run")
  func stopAtCheckpoint() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let error = try stopEndless(in: dir, stopsAtCheckpoint: true)
    let stopped = try #require(error as? RunStopped, "\(error)")
    let found = try #require(try RunCheckpoint(folder: dir).read())
    #expect(stopped.step > 0 && found.state.step == stopped.step && found.state.objects == ["Optimizer"])
    #expect(found.state.sources.map(\.path) == ["endless.dpl"])
  }

  @Test("elsewhere (the REPL, the Swift API) a stop request stops at the next op, as before")
  func stopAtOnceByDefault() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let error = try stopEndless(in: dir, stopsAtCheckpoint: nil)
    #expect((error as? RuntimeError)?.message.hasPrefix("interrupted after optimizer step") ?? false, "\(error)")
    #expect(try RunCheckpoint(folder: dir).read() == nil)
  }

  @Test("in the REPL resume returns 0 and resumed its default; Ctrl-C still stops at once")
  func replIsUnaffected() throws {
    let session = Session()
    session.output = { _ in }
    _ = session.run("import run\nmodel Net() {\n  let l = dense(2, 1)\n  fn forward(x: Tensor) -> Tensor { l(x) }\n}\nlet net = Net()\nlet opt = adam(net, lr: 0.1)")
    let r = session.run("run.resume(opt)")
    guard case .value(.int(0), _) = r else { Issue.record("resume in the REPL: \(r)"); return }
    guard case .value(.float(let best), _) = session.run("run.resumed(\"best\", 2.5)"), best == 2.5 else {
      Issue.record("resumed in the REPL is not its default"); return
    }
    let outcome = interruptEndlessLoop(session)
    guard case .failure(let text) = outcome else { Issue.record("expected an interruption, got \(outcome)"); return }
    #expect(text.contains("error: interrupted"))
  }

  @Test("misuse is a located error", arguments: [
    ("let s = run.resume(opt)\nlet t = run.resume(opt)", "run.resume(…) is called a second time"),
    ("run.checkpoint(1, opt)", "run.checkpoint(…) without run.resume(…)"),
    ("let s = run.resume(opt)\nrun.checkpoint(2, opt, values: [(\"w\", ones([2]))])", "values keep Ints, Floats, Bools and Strings"),
  ])
  func misuse(_ code: String, _ message: String) throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let program = "import run\nmodel Net() {\n  let l = dense(2, 1)\n  fn forward(x: Tensor) -> Tensor { l(x) }\n}\nlet net = Net()\nlet opt = adam(net, lr: 0.1)\n" + code
    let out = runProgram(source: program, configure: { $0.outputDirectory = dir; $0.stopsAtCheckpoint = true })
    #expect(out.error?.contains(message) ?? false && out.error?.hasPrefix("test.dpl:") ?? false, "\(out.error ?? "no error")")
  }

  @Test("a checkpoint's state is optimizers and models, checked before the run")
  func stateType() {
    let out = runProgram(source: "import run\nlet s = run.resume(3)")
    #expect(out.error?.contains("a checkpoint's state is optimizers and models") ?? false, "\(out.error ?? "no error")")
  }

  static func state(step: Int) -> RunCheckpoint.State {
    RunCheckpoint.State(step: step, program: "p.dpl", sources: [.init(path: "p.dpl", hash: "1f")], seed: 7,
                        settings: ["steps": "6"], skippedPasses: ["cse"], objects: ["Net"],
                        values: ["best": .float(-0.0), "tenth": .float(0.1), "n": .int(-3), "ok": .bool(true), "s": .string("a \"b\"")],
                        rng: "1 2 3 4", kernels: "openblas 0.3.21 Haswell; no avx512 conv")
  }

  func write(_ step: Int, to run: RunCheckpoint) throws {
    try run.write(Self.state(step: step)) { dir in
      try Safetensors.write(["w": Tensor(shape: [2]) { Float($0) }], metadata: [:], to: RunCheckpoint.objectFile(0, in: dir))
    }
  }

  @Test("state.json keeps every field, Floats by their bits")
  func stateRoundTrip() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let run = RunCheckpoint(folder: dir)
    try write(3, to: run)
    let found = try #require(try run.read())
    var expected = Self.state(step: 3)
    expected.checksums = ["0.safetensors": SHA256.hex(try Data(contentsOf: RunCheckpoint.objectFile(0, in: run.directory)))]
    #expect(found.state == expected && found.directory == run.directory)
    guard case .float(let z)? = found.state.values["best"] else { Issue.record("best is not a Float"); return }
    #expect(z.bitPattern == (-0.0 as Double).bitPattern)
  }

  @Test("a stop between the two renames leaves the previous checkpoint, which is read and then replaced")
  func atomicReplacement() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let run = RunCheckpoint(folder: dir), fm = FileManager.default
    try write(2, to: run)
    // As a stop after the first rename leaves it: only `.checkpoint.old`, and a half-built
    // temporary folder.
    try fm.moveItem(at: run.directory, to: run.previous)
    try fm.createDirectory(at: run.temporary, withIntermediateDirectories: true)
    #expect(try run.read()?.state.step == 2 && run.read()?.directory == run.previous)
    try write(4, to: run)
    #expect(try run.read()?.state.step == 4)
    #expect(!fm.fileExists(atPath: run.previous.path) && !fm.fileExists(atPath: run.temporary.path))
    try write(6, to: run)
    #expect(try run.read()?.state.step == 6 && !fm.fileExists(atPath: run.previous.path))
  }

  struct RunFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
  }
}
