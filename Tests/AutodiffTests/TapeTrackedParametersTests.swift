import Testing
import Tensor
@testable import Autodiff

/// `Tape.trackedParameters`: only the listed parameters get a leaf (and a `grad`).
struct TapeTrackedParametersTests {
  @Test func onlyTrackedParametersGetGradients() throws {
    let a = Parameter("a", Tensor(shape: [2], repeating: 2)), b = Parameter("b", Tensor(shape: [2], repeating: 3))
    let t = Tape(recording: true, tracksParameters: true)
    t.trackedParameters = [ObjectIdentifier(a)]
    let loss = try t.sum(try t.mul(t.watch(a), t.watch(b)))
    try t.backward(from: loss)
    #expect(a.grad?.scalars == [3, 3])
    #expect(b.grad == nil)
    #expect(t.watch(b).isActive == false)
  }
}
