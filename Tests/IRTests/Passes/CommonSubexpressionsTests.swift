import Testing
import Language
@testable import IR

/// `CommonSubexpressions`: which computations are one value (docs/ir.md).
@Suite struct CommonSubexpressionsTests {
  @Test func cseMergesPureOpsOnly() throws {
    var b = Builder()
    let x = b.op(.const(.int(1)))
    let a = b.op(.binary(.add), [x, x])
    let a2 = b.op(.binary(.add), [x, x])
    let r1 = b.op(.builtin("randn"), [x], .tensor(nil))
    let r2 = b.op(.builtin("randn"), [x], .tensor(nil))
    b.void(.builtin("print"), [a, a2, r1, r2])
    var f = b.function()
    CommonSubexpressions.run(&f)
    try Verifier.verify(f)
    #expect(f.body.ops.last?.operands == [a, a, r1, r2])
  }

  @Test func cseReusesOuterValueInRegion() throws {
    var b = Builder()
    let x = b.op(.const(.int(1)))
    let y = b.op(.unary(.neg), [x])
    var inner = Builder(); inner.next = 10
    let y2 = inner.op(.unary(.neg), [x])
    inner.void(.builtin("print"), [y2])
    let seq = b.op(.range, [x, x], .range)
    b.void(.forEach, [seq], regions: [Region(params: [5], ops: inner.ops)])
    b.void(.builtin("print"), [y])
    var f = b.function()
    f.valueCount = 20
    CommonSubexpressions.run(&f)
    try Verifier.verify(f)
    #expect(f.body.ops[3].regions[0].ops.last?.operands == [y])
  }

  /// docs/ir.md, "When two computations are one value": a `grad` region may reuse an outer
  /// value only when it does not depend on the region's inputs.
  @Test func cseKeepsGradientInputsDependentsInsideTheRegion() throws {
    var b = Builder()
    let x = b.op(.const(.float(1)), [], .tensor(nil))
    let w = b.op(.const(.float(2)), [], .tensor(nil))
    let xx = b.op(.binary(.mul), [x, x], .tensor(nil))   // depends on the input
    let ww = b.op(.binary(.mul), [w, w], .tensor(nil))   // does not
    var inner = Builder(); inner.next = 10
    let xx2 = inner.op(.binary(.mul), [x, x], .tensor(nil))
    let ww2 = inner.op(.binary(.mul), [w, w], .tensor(nil))
    let s = inner.op(.binary(.add), [xx2, ww2], .tensor(nil))
    inner.void(.yield, [s])
    // (A block reads its input as the region's parameter 19; an expression of the outer x
    // inside it must still not be replaced by the outer value.)
    let g = b.op(.grad(valueToo: false), [x], .tensor(nil), regions: [Region(params: [19], ops: inner.ops)])
    b.void(.builtin("print"), [g, xx, ww])
    var f = b.function()
    f.valueCount = 20
    CommonSubexpressions.run(&f)
    try Verifier.verify(f)
    let region = f.body.ops[4].regions[0]
    #expect(region.ops.count == 3, "x * x is recomputed inside, w * w is not")
    #expect(region.ops[0].operands == [x, x])
    #expect(region.ops[1].operands == [xx2, ww])
  }

  /// Inside `minimize`/`eval`, values made from a model or layer are recomputed.
  @Test func cseKeepsModelDependentsInsideMinimizeAndEval() throws {
    for kind in [OpKind.minimize, .eval] {
      var b = Builder()
      let net = b.op(.globalGet("net"), [], .model("M"))
      let field = b.op(.member("l1"), [net], .model("Dense"))
      let c = b.op(.const(.int(3)))
      let c2 = b.op(.binary(.add), [c, c])
      var inner = Builder(); inner.next = 10
      let f2 = inner.op(.member("l1"), [net], .model("Dense"))
      let c3 = inner.op(.binary(.add), [c, c])
      inner.void(.builtin("print"), [f2, c3])
      inner.void(.yield, [])
      b.void(kind, [], regions: [Region(ops: inner.ops)])
      b.void(.builtin("print"), [field, c2])
      var f = b.function()
      f.valueCount = 20
      CommonSubexpressions.run(&f)
      try Verifier.verify(f)
      let region = f.body.ops[4].regions[0]
      #expect(region.ops.count == 3, "\(kind): the member read stays, c + c is reused")
      #expect(region.ops[1].operands == [f2, c2])
    }
  }

  /// A member of a model or layer (`net.l1.weight`) reads a parameter, which an optimizer
  /// step or an assignment changes between two reads: never merged. `.shape` still is.
  @Test func cseKeepsParameterReadsApart() throws {
    var b = Builder()
    let net = b.op(.globalGet("net"), [], .model("M"))
    let l1 = b.op(.member("l1"), [net], .layer(LayerInfo.any))
    let w1 = b.op(.member("weight"), [l1], .tensor(nil))
    b.void(.builtin("print"), [w1])
    let l1b = b.op(.member("l1"), [net], .layer(LayerInfo.any))
    let w2 = b.op(.member("weight"), [l1b], .tensor(nil))
    let s1 = b.op(.member("shape"), [w2], .list(.int, count: nil))
    let s2 = b.op(.member("shape"), [w2], .list(.int, count: nil))
    b.void(.builtin("print"), [w2, s1, s2])
    var f = b.function()
    CommonSubexpressions.run(&f)
    try Verifier.verify(f)
    let members = f.body.ops.filter { if case .member = $0.kind { return true }; return false }
    #expect(members.count == 5, "four parameter reads stay, the two .shape reads are one")
  }
}
