import Foundation
import Language
import Testing
@testable import Runtime
@testable import Interactive

/// `:compare` with several names, after `:load`, and its cost on a large input; what `:tape`
/// calls each leaf.
@Suite struct ReplCompareTests {
  func engine() -> ReplEngine {
    let engine = ReplEngine(session: Session())
    engine.session.output = { _ in }
    engine.session.log = { _ in }
    _ = engine.handle("let ca = randn([4], seed: 1)")
    _ = engine.handle("let cb = randn([4], seed: 2)")
    return engine
  }

  func row(_ c: Session.Comparison, _ strategy: String) -> Session.Comparison.Row? {
    c.rows.first { $0.strategy == strategy }
  }

  @Test func comparesWithRespectToSeveralNames() throws {
    let engine = engine()
    _ = engine.handle("fn f(a: Tensor, b: Tensor) -> Tensor { round(a * b) }")
    let both = try engine.session.compare("sum(@bypass(es) round(ca) * cb)", wrt: ["ca", "cb"], seeds: 3)
    #expect(both.wrt == ["ca", "cb"])
    // The gradient with respect to cb is exact (round(ca)), so es stays close to the reference.
    let es = try #require(row(both, "es"))
    #expect(es.written && es.calls == 21 && es.problem == nil && es.cosine.0 > 0.9, "\(es)")
    let one = try engine.session.compare("sum(@bypass(es) round(ca) * cb)", wrt: ["ca"], seeds: 3)
    #expect(one.referenceNorm < both.referenceNorm, "the reference of both holds the one of ca")

    // A call bypassing two inputs: the one-input strategies say why not; the default
    // surrogate takes both inputs.
    let two = try engine.session.compare("sum(@bypass(es, wrt: [a, b]) f(ca, cb) * ca)", wrt: ["ca", "cb"], seeds: 2)
    #expect(row(two, "ste")?.problem?.contains("2 inputs") == true)
    let net = try #require(row(two, "net"))
    #expect(net.problem == nil && net.calls == 11, "\(net)")

    let text = engine.handle(":compare sum(@bypass(perturbed) round(ca) * cb) wrt ca, cb")
    #expect(text.contains("the gradients with respect to 'ca', 'cb' are compared as one vector"), "\(text)")
    #expect(engine.handle(":compare sum(@bypass(es) round(ca)) wrt ca, ca").contains("'ca' is named twice"))
  }

  @Test func countsTheCallsOfTheExpressionAfterLoad() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-compare-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    // The file's own @bypass (a strategy named by a config field) comes before the
    // expression's in the module; the counts are the expression's call's.
    let file = folder.appendingPathComponent("lib.dpl")
    try """
      config {
        method: String = "es"
      }
      fn snap(y: Tensor) -> Tensor { round(y * 2.0) / 2.0 }
      fn g(x: Tensor) -> Tensor { @bypass(method) snap(x) }
      let x = randn([4], seed: 1)
      """.write(to: file, atomically: true, encoding: .utf8)
    let engine = ReplEngine(session: Session())
    engine.session.output = { _ in }
    #expect(engine.handle(":load \(file.path)").hasPrefix("loaded"))
    let c = try engine.session.compare("sum(@bypass(es) snap(x) * x)", wrt: ["x"], seeds: 2)
    let calls = Dictionary(uniqueKeysWithValues: c.rows.map { ($0.strategy, $0.calls) })
    #expect(calls == ["es": 21, "ste": 1, "blackbox": 2, "perturbed": 11, "nid": 1, "net": 11], "\(calls)")
    // A strategy named by a String binding costs what that strategy costs.
    let named = try engine.session.compare("sum(@bypass(method) snap(x) * x)", wrt: ["x"], seeds: 2)
    #expect(row(named, "method")?.calls == 21)
  }

  @Test func staysWithinItsBudgetOnALargeInput() throws {
    // 256 × 2: the reference is at most about 24 000 evaluations, and the default surrogate
    // is warmed up once (was: 32 768 evaluations, each on a thread of its own, and 5
    // warm-ups; 15–20 s). `dpl bench repl/compare_256x2` times it in release.
    #expect(Session.surrogateWarmUps(elements: 9) == 5 && Session.surrogateWarmUps(elements: 512) == 1)
    let engine = ReplEngine(session: Session())
    _ = engine.handle("let x = randn([256, 2], seed: 1)")
    let c = try engine.session.compare("sum(@bypass(es) round(x) * x)", wrt: ["x"], seeds: 2)
    #expect(c.samples == 23)
    #expect(c.rows.allSatisfy { $0.problem == nil && $0.cosine.0.isFinite }, "\(c.text)")
  }

  @Test func tapeLabelsEveryInput() throws {
    let engine = engine()
    _ = engine.handle(":grad sum(ca * cb) wrt ca, cb")
    let tape = engine.handle(":tape")
    #expect(tape.hasPrefix("tape with respect to 'ca', 'cb': 4 nodes"), "\(tape)")
    #expect(tape.contains("#0  leaf  [4]           input 'ca'") && tape.contains("#1  leaf  [4]           input 'cb'"), "\(tape)")

    _ = engine.handle(":check sum(ca * cb * cb) wrt cb, ca")
    let checked = engine.handle(":tape")
    #expect(checked.contains("input 'cb'") && checked.contains("input 'ca'") && !checked.contains("input\n"), "\(checked)")

    // A model's parameters are leaves too, named.
    _ = engine.handle("model Lin() {\n  let l = dense(4, 1)\n  fn forward(v: Tensor) -> Tensor { l(v) }\n}")
    _ = engine.handle("let net = Lin()")
    _ = engine.handle(":grad sum(net(reshape(ca, [1, 4]))) wrt ca, net")
    let model = engine.handle(":tape")
    #expect(model.hasPrefix("tape with respect to 'ca', 'net'"), "\(model)")
    #expect(model.contains("input 'ca'") && model.contains("parameter 'l.weight'") && model.contains("parameter 'l.bias'"), "\(model)")
  }

  @Test func notesShowTheLinesOfDefinitions() throws {
    let engine = engine()
    // `f` starts on line 2 of its input; its `round` is on line 3.
    _ = engine.handle("let unused = 1\nfn f(a: Tensor) -> Tensor {\n  round(a)\n}")
    let text = engine.handle(":grad sum(f(ca)) wrt ca")
    #expect(text.contains("<repl>:3:3: note: 'round' has no gradient"), "\(text)")
    #expect(!text.contains("<repl>:0:"), "\(text)")

    // A loaded file's definitions keep the file's line numbers.
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-notes-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).dpl")
    try "// a comment\n\nfn h(a: Tensor) -> Tensor { floor(a) }\n".write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    _ = engine.handle(":load \(file.path)")
    let loaded = engine.handle(":grad sum(h(ca)) wrt ca")
    #expect(loaded.contains("\(file.path):3:29: note: 'floor' has no gradient"), "\(loaded)")

    // An error of the check as a whole points at the expression (line 1), not the wrapper.
    let held = engine.handle(":check sum(@bypass(es) round(ca)) wrt ca")
    #expect(held.contains("<repl>:1:1: error:") && held.contains("\nsum(@bypass(es) round(ca))\n^"), "\(held)")
  }
}
