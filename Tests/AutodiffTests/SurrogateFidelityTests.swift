import Testing
@testable import Autodiff
import Tensor

@Suite struct SurrogateFidelityTests {
  @Test func indexOutputs() throws {
    // Three positions of four classes: argmax 1, 3, 0 against indices 1, 1, 2.
    let scores = try Tensor(shape: [3, 4], scalars: [0, 5, 1, 0, /**/ 0, 0, 1, 2, /**/ 9, 0, 0, 0])
    let f = try SurrogateFidelity.measure(output: scores, target: try Tensor(shape: [3], scalars: [1, 1, 2]), isIndex: true)
    #expect(f == SurrogateFidelity(agreement: 1.0 / 3, error: 4.0 / 3, isIndex: true))
    #expect(f.description == "argmax agreement 33%, mean |index error| 1.333")
    // Class scores on the last axis of a [2, 3, 4] output for [2, 3] indices.
    let batch = try Tensor.concat([scores.reshaped([1, 3, 4]), scores.reshaped([1, 3, 4])], axis: 0)
    let g = try SurrogateFidelity.measure(output: batch, target: try Tensor(shape: [2, 3], scalars: [1, 3, 0, 1, 3, 0]), isIndex: true)
    #expect(g.agreement == 1 && g.error == 0)
    #expect(throws: TensorError.self) {
      try SurrogateFidelity.measure(output: Tensor.zeros([3, 4]), target: Tensor.zeros([5]), isIndex: true)
    }
  }

  @Test func realOutputs() throws {
    let target = try Tensor(shape: [4], scalars: [0, 1, 2, 3])  // variance sum 5
    let f = try SurrogateFidelity.measure(output: try Tensor(shape: [4], scalars: [0, 1, 2, 4]), target: target, isIndex: false)
    #expect(abs(f.agreement - 0.8) < 1e-12 && abs(f.error - 0.25) < 1e-12)
    let exact = try SurrogateFidelity.measure(output: target, target: target, isIndex: false)
    #expect(exact.agreement == 1 && exact.error == 0)
    let flat = Tensor(shape: [3], repeating: 2)
    #expect(try SurrogateFidelity.measure(output: flat, target: flat, isIndex: false).agreement == 1)
    #expect(try SurrogateFidelity.measure(output: Tensor.zeros([3]), target: flat, isIndex: false).agreement == 0)
    #expect(throws: TensorError.self) { try SurrogateFidelity.measure(output: Tensor.zeros([3]), target: target, isIndex: false) }
  }

  static func fit(_ a: Double) -> SurrogateFidelity { SurrogateFidelity(agreement: a, error: 0, isIndex: true) }

  @Test func watchReportsAStopOnceAndRearms() {
    var w = SurrogateFidelity.Watch(threshold: 0.5, window: 3, patience: 100)
    var alarms: [(Int, Bool)] = []
    let series: [Double] = [0.1, 0.2, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.0, 0.0]
    for a in series { if let alarm = w.add(Self.fit(a)) { alarms.append((alarm.fits, alarm.stopped)) } }
    // Means over 3: tracking from fit 4 (0.67); below 0.5 at fit 8 (0.37); back at fit 13; below at fit 16 (0.3).
    #expect(alarms.map(\.0) == [8, 16])
    #expect(alarms.allSatisfy { $0.1 })
  }

  @Test func watchReportsASurrogateThatNeverTracked() {
    var w = SurrogateFidelity.Watch(threshold: 0.5, window: 2, patience: 5)
    let alarms = (0..<20).compactMap { _ in w.add(Self.fit(0.1)) }
    #expect(alarms.count == 1 && alarms[0].fits == 5 && !alarms[0].stopped)
    var off = SurrogateFidelity.Watch(threshold: 0, window: 2, patience: 1)
    #expect((0..<10).compactMap { k in off.add(Self.fit(k < 5 ? 1 : 0)) }.isEmpty)
  }
}
