import Autodiff
import Foundation
import Language
import Testing
@testable import Runtime
@testable import Interactive

/// The session API and the REPL engine's pieces that transcripts do not show.
@Suite struct ReplSessionTests {
  @Test func inputContinuesUntilBracketsBalance() {
    #expect(ReplEngine.needsMoreInput("fn f(t: Tensor) -> Tensor {"))
    #expect(ReplEngine.needsMoreInput("let a = [1,"))
    #expect(!ReplEngine.needsMoreInput("fn f() { 1 }"))
    #expect(!ReplEngine.needsMoreInput("print(\"{\")"))
    #expect(!ReplEngine.needsMoreInput("1 // {"))
    #expect(ReplEngine.needsMoreInput("/* a comment"))
    #expect(!ReplEngine.needsMoreInput(":grad sum(x wrt x"))
  }

  @Test func completesCommandsAndNames() {
    let engine = ReplEngine(session: Session())
    #expect(engine.completions(prefix: ":gr", line: ":gr") == [":grad"])
    #expect(engine.completions(prefix: ":c", line: ":c") == [":check", ":compare"])
    _ = engine.handle("let alpha = 1")
    _ = engine.handle("fn alpine(t: Tensor) -> Tensor { t }")
    #expect(engine.completions(prefix: "alp", line: "1 + alp") == ["alph" + "a", "alpine"])
    #expect(engine.completions(prefix: "rel", line: "rel").contains("relu"))
  }

  @Test func completesMembersAfterADot() {
    let engine = ReplEngine(session: Session(options: CompileOptions(searchPaths: [repositoryRoot.appendingPathComponent("stdlib").path])))
    _ = engine.handle("model Mlp(n: Int) {\n  let l1 = dense(n, 4)\n  fn forward(x: Tensor) -> Tensor { l1(x) }\n  fn score(x: Tensor) -> Tensor { sum(l1(x)) }\n}")
    _ = engine.handle("let net = Mlp(2)")
    #expect(engine.completions(prefix: "net.", line: "net.") == ["net.forward", "net.l1", "net.n", "net.score"])
    #expect(engine.completions(prefix: "net.s", line: "1 + net.s") == ["net.score"])
    _ = engine.handle("import nn")
    #expect(engine.completions(prefix: "nn.UN", line: "nn.UN") == ["nn.UNet"])
    _ = engine.handle("let pair = (1, 2.0)")
    #expect(engine.completions(prefix: "pair.", line: "pair.") == ["pair.0", "pair.1"])
  }

  @Test func gradWithRespectToSeveralNamesAndAModel() throws {
    let engine = ReplEngine(session: Session())
    _ = engine.handle("let x = tensor([1.0, 2.0])")
    _ = engine.handle("let y = tensor([3.0, 4.0])")
    _ = engine.handle("model Lin() {\n  let l = dense(2, 1)\n  fn forward(v: Tensor) -> Tensor { l(v) }\n}")
    _ = engine.handle("let net = Lin()")
    let (v, gs) = try engine.session.grad("sum(x * y * y) + sum(net(reshape(x, [1, 2])))", wrt: ["y", "net"])
    #expect(gs.count == 2)
    guard case .tensor(let gy) = gs[0].1, case .parameters(let ps) = gs[1].1 else { Issue.record("wrong kinds"); return }
    #expect(gy.withUnsafeBufferPointer { Array($0) } == [6, 16])  // 2·x·y
    #expect(ps.map(\.name) == ["l.weight", "l.bias"])
    #expect(ps[0].grad.withUnsafeBufferPointer { Array($0) } == [1, 2] && ps[1].grad.withUnsafeBufferPointer { Array($0) } == [1])
    #expect(v > 41)
    // The model's own gradient fields are untouched.
    guard case .model(let m)? = engine.session.bindings["net"]?.value else { Issue.record("no model"); return }
    #expect(m.parameters.allSatisfy { $0.grad == nil })
    #expect(engine.handle(":grad sum(x) wrt x, x").contains("'x' is named twice"))
    #expect(engine.handle(":grad sum(x * y) wrt x, y").contains("gradient with respect to 'y'"))
  }

  @Test func displayMarksNaNAndShowsSlicesApart() {
    let nan = ValueDisplay.tensor([2, 2], [1, 2, .nan, 4], dtype: "float32")
    #expect(nan.contains("│××██│") && nan.contains("'×' not finite"), "\(nan)")
    let cube = ValueDisplay.tensor([2, 2, 3], (0..<12).map(Double.init), dtype: "float32")
    #expect(cube.contains("  [0, :, :]\n   0  1  2\n   3  4  5\n\n  [1, :, :]\n"), "\(cube)")
    #expect(cube.contains("heatmap: ' ' 0 … '█' 5") && cube.contains("heatmap: ' ' 6 … '█' 11"), "each slice on its own scale: \(cube)")
  }

  @Test func signaturesLastValueAndHelp() {
    let engine = ReplEngine(session: Session())
    _ = engine.handle("fn scale(t: Tensor, by: Float = 2.0) -> Tensor { t * by }")
    #expect(engine.handle(":type scale") == "fn scale(t: Tensor, by: Float = 2.0) -> Tensor\n")
    #expect(engine.handle(":vars").contains("scale  fn scale(t: Tensor, by: Float = 2.0) -> Tensor"))
    #expect(engine.handle(":type softmax") == "softmax(t: tensor, axis: int = -1)\n")
    #expect(engine.handle(":help softmax").hasPrefix("softmax(t: tensor, axis: int = -1)\n  softmax along axis"))
    #expect(engine.handle(":help scal").contains("did you mean 'scale'?"))
    _ = engine.handle("let x = tensor([1.0, 2.0])")
    _ = engine.handle("scale(x)")
    guard case .value(.tensor(let v, _), _) = engine.session.run("_ + 1.0") else { Issue.record("_ is not the last value"); return }
    #expect(v.value.withUnsafeBufferPointer { Array($0) } == [3, 5])
    #expect(!engine.handle(":vars").contains("  _ "), "_ is not listed")
  }

  @Test func helpShowsEveryBuiltinsSignature() {
    let engine = ReplEngine(session: Session())
    for b in Builtins.all {
      let help = engine.handle(":help \(b.qualifiedName)")
      let first = help.split(separator: "\n").first.map(String.init) ?? ""
      #expect(first == b.signature && help.contains("\n  \(b.summary)\n"), "\(b.qualifiedName): \(help)")
      // No empty parameter slot: `check_grad(, …)` was one.
      for hole in ["(,", ", ,", ", )", "( "] { #expect(!first.contains(hole), "\(b.qualifiedName): \(first)") }
      for p in b.params { #expect(first.contains(p.name + ":"), "\(b.qualifiedName) shows \(p.name): \(first)") }
      if b.variadic || b.kind == .special && b.params.isEmpty { #expect(first.contains("…"), "\(first)") }
    }
    #expect(engine.handle(":help print").hasPrefix("print(…)\n"))
    #expect(engine.handle(":help check_grad").hasPrefix("check_grad(x, net, net.codebook, …, eps: float = 0.01"))
    #expect(engine.handle(":help eval").hasPrefix("eval { … }\n"))
  }

  @Test func cancelStopsAComputationAndKeepsTheSession() throws {
    let session = Session()
    session.output = { _ in }
    _ = session.run("let keep = 41")
    let outcome = interruptEndlessLoop(session)
    guard case .failure(let text) = outcome else { Issue.record("expected an interruption, got \(outcome)"); return }
    #expect(text.contains("error: interrupted"))
    session.clearCancel()
    guard case .value(.int(let v), _) = session.run("keep + 1") else { Issue.record("the session lost 'keep'"); return }
    #expect(v == 42)
    #expect(session.bindings["n"] != nil)
  }

  @Test func gradientsAreTakenOnTheSessionsTape() throws {
    let session = Session()
    _ = session.run("let x = tensor([1.0, -2.0, 3.0])")
    let (value, g) = try session.grad("sum(x * x)", wrt: "x")
    #expect(value == 14)
    #expect(g.scalars == [2, -4, 6])
    let report = try #require(session.lastTape)
    #expect(report.nodes.map(\.op) == ["leaf", "mul", "sum"])
    let check = try session.check("sum(tanh(x) * x)", wrt: ["x"])
    #expect(check.report.passed)
    #expect(check.report.checked == 3)
    #expect(session.lastTape?.nodes.map(\.op) == ["leaf", "tanh", "mul", "sum"])
  }

  /// The expressions `checkGradAndCheckAgree` runs both ways: (expression, wrt, estimate, passes).
  static let agreement: [(String, [String], Bool, Bool)] = [
    ("sum(tanh(x) * x)", ["x"], false, true),
    ("sum(x * stop_gradient(x))", ["x"], false, false),
    ("sum(square(@bypass(ste) q(z, c)))", ["c"], false, true),
    ("sum(square(@bypass(ste) q(z, c)))", ["z", "c"], false, true),
    ("sum(square(@bypass(ste) q(z, c)))", ["c"], true, true),
    ("sum(square(@bypass(ste) q(z, c)))", ["z", "c"], true, false),
    ("sum(@bypass(es, seed: 3) round(x) * x) + sum(x * x)", ["x"], false, true),
    ("sum(@bypass(es, seed: 3) round(x) * x) + sum(x * x)", ["x"], true, false),
    ("sum(soft(x) * c)", ["x", "c"], false, true),
    ("mean(square(net(xs)))", ["net"], false, true),
    ("mean(tanh(net(xs)))", ["net.l"], false, true),
    ("mean(net(xs) * stop_gradient(net(xs)))", ["net"], false, false),
  ]

  @Test("check_grad in a program and :check give the same verdict and error on every expression")
  func checkGradAndCheckAgree() throws {
    let session = Session()
    for line in ["let x = tensor([0.4, -1.1, 2.3])", "let z = tensor([0.3, 2.2, -1.8])", "let c = tensor([1.0, -1.0, 2.0])",
                 "fn q(z: Tensor, c: Tensor) -> Tensor { round(z) * c }", "fn soft(t: Tensor) -> Tensor { log(1.0 + exp(t)) }",
                 "model Lin() {\n  let l = dense(3, 1)\n  fn forward(t: Tensor) -> Tensor { tanh(l(t)) }\n}",
                 "let net = Lin()", "let xs = randn([4, 3], seed: 1)"] {
      if case .failure(let e) = session.run(line) { Issue.record("\(line): \(e)") }
    }
    for (e, wrt, estimate, passes) in Self.agreement {
      let options = wrt + (estimate ? ["bypass: \"estimate\""] : [])
      guard case .value(.float(let inProgram), _) = session.run("check_grad(\(options.joined(separator: ", "))) {\n\(e)\n}") else {
        Issue.record("check_grad of \(e) wrt \(wrt) did not give a Float")
        continue
      }
      let r = try session.check(e, wrt: wrt, estimate: estimate)
      #expect(r.report.error == inProgram, "\(e) wrt \(wrt): :check \(r.report.error), check_grad \(inProgram)")
      #expect(r.report.passed == passes && (inProgram <= FiniteDifferences.tolerance) == passes,
              "\(e) wrt \(wrt)\(estimate ? " (estimate)" : ""): error \(inProgram)")
    }
  }
}

/// A value a test's worker thread hands back once it signals (read after the wait).
final class ThreadResult<T>: @unchecked Sendable {
  var value: T
  init(_ value: T) { self.value = value }
}

/// Runs an endless loop in `session` on another thread and cancels it from this one, as
/// Ctrl-C does; the outcome of the interrupted input (`.nothing` if it never ended).
func interruptEndlessLoop(_ session: Session) -> Session.Outcome {
  let result = ThreadResult<Session.Outcome>(.nothing)
  let done = DispatchSemaphore(value: 0)
  nonisolated(unsafe) let running = session
  Thread.detachNewThread {
    result.value = running.run("var n = 0\nwhile true { n += 1 }")
    done.signal()
  }
  Thread.sleep(forTimeInterval: 0.2)
  session.cancel()
  #expect(done.wait(timeout: .now() + 10) == .success)
  return result.value
}
