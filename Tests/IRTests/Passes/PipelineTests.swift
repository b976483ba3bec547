import Testing
import Language
@testable import IR

/// The pass pipeline (`Pass.swift`): its order is checked.
@Suite struct PipelineTests {
  @Test func pipelineOrderIsValid() {
    #expect(Pipeline.orderProblem() == nil)
    let bad = [Pipeline.passes[3], Pipeline.passes[2]]
    #expect(Pipeline.orderProblem(bad) != nil)
  }
}
