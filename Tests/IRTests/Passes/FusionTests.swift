import Testing
import Language
@testable import IR

/// `Fusion`: a layer and its ReLU fuse only when nothing else reads the layer.
@Suite struct FusionTests {
  @Test func fuseReluOfLayerOnlyWhenItsOutputHasNoOtherUse() throws {
    var b = Builder()
    let x = b.op(.const(.int(0)), [], .tensor(nil))
    let layer = b.op(.const(.int(0)), [], .any)
    let once = b.op(.apply, [layer, x], .tensor(nil))
    let r1 = b.op(.builtin("relu"), [once], .tensor(nil))
    let twice = b.op(.apply, [layer, r1], .tensor(nil))
    let r2 = b.op(.builtin("relu"), [twice], .tensor(nil))
    b.void(.builtin("print"), [r2])
    b.void(.builtin("print"), [twice])  // the second layer's output is also printed: kept apart
    var f = b.function()
    Fusion.run(&f)
    try Verifier.verify(f)
    #expect(kinds(f) == ["const 0", "const 0", "apply.relu", "apply", "builtin.relu", "builtin.print", "builtin.print"])
    #expect(f.body.ops[2].result == r1 && f.body.ops[3].operands == [layer, r1])
  }
}
