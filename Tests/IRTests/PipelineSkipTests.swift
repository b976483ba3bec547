import Foundation
import Testing
import Language
@testable import IR

/// Leaving passes out: `Pipeline.run(_:skipping:)` and `Pipeline.run(_:settings:)`.
@Suite struct PipelineSkipTests {
  static let source = """
    fn sq(v: Tensor) -> Tensor { v * v }
    let x = tensor([1.0, 2.0])
    let t = sq(x) + 2.0 * 3.0
    print(t, grad(x) { sum(sq(x)) })
    """

  static func lowered() throws -> IRModule {
    let c = Compilation()
    c.parse(source: source, path: "skip.dpl")
    let checked = try #require(c.check())
    return Lowering.lower(checked)
  }

  @Test func everyPassButTapeIsSkippable() {
    #expect(Pipeline.skippable == ["inline", "fold", "cse", "dce", "fuse"])
  }

  @Test func skippingTapeOrAnUnknownPassIsAnError() throws {
    let m = try Self.lowered()
    #expect(throws: PipelineError.self) { try Pipeline.run(m, skipping: ["tape"]) }
    #expect(throws: PipelineError.self) { try Pipeline.run(m, skipping: ["nope"]) }
    #expect(throws: PipelineError.self) { try Pipeline.run(m, settings: [[], ["tape"]]) }
  }

  @Test func skippedPassesLeaveTheirWorkUndone() throws {
    let m = try Self.lowered()
    let all = try Pipeline.run(m), noInline = try Pipeline.run(m, skipping: ["inline"])
    func calls(_ m: IRModule) -> Int {
      var n = 0
      m.functions.first { $0.name == "main" }?.body.forEachOp { if case .call = $0.kind { n += 1 } }
      return n
    }
    #expect(calls(all) == 0)
    #expect(calls(noInline) == 2)
  }

  @Test func settingsShareWorkButGiveWhatEachSkipSetGives() throws {
    let m = try Self.lowered()
    let settings: [Set<String>] = [[]] + Pipeline.skippable.map { [$0] } + [Set(Pipeline.skippable)]
    let shared = try Pipeline.run(m, settings: settings)
    for (skipping, module) in zip(settings, shared) {
      #expect(module == (try Pipeline.run(m, skipping: skipping)), "skipping \(skipping.sorted())")
    }
  }
}
