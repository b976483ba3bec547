import Testing
import Language
@testable import IR

/// Builds IR by hand, without the parser.
struct Builder {
  var next = 0
  var ops: [Op] = []
  mutating func op(_ kind: OpKind, _ operands: [ValueID] = [], _ type: ValueType = .int, regions: [Region] = []) -> ValueID {
    let v = next
    next += 1
    ops.append(Op(result: v, kind: kind, operands: operands, type: type, regions: regions))
    return v
  }
  mutating func void(_ kind: OpKind, _ operands: [ValueID] = [], regions: [Region] = []) {
    ops.append(Op(result: nil, kind: kind, operands: operands, regions: regions))
  }
  func function(_ name: String = "main", params: [ValueID] = [], types: [ValueType] = []) -> Function {
    Function(name: name, paramNames: params.map { "p\($0)" }, paramTypes: types, resultType: .void,
             body: Region(params: params, ops: ops), span: .none, valueCount: next)
  }
}

func kinds(_ f: Function) -> [String] { f.body.ops.map { Printer.mnemonic($0.kind) } }

@Suite struct PassTests {
  @Test func foldArithmetic() throws {
    var b = Builder()
    let x = b.op(.const(.int(2)))
    let y = b.op(.const(.int(3)))
    let s = b.op(.binary(.mul), [x, y])
    b.void(.builtin("print"), [s])
    var f = b.function()
    ConstantFolding.run(&f)
    try Verifier.verify(f)
    #expect(f.body.ops[2].kind == .const(.int(6)))
  }

  @Test func foldDoesNotDivideByZero() {
    var b = Builder()
    let x = b.op(.const(.int(2)))
    let y = b.op(.const(.int(0)))
    _ = b.op(.binary(.div), [x, y])
    var f = b.function()
    ConstantFolding.run(&f)
    #expect(f.body.ops[2].kind == .binary(.div))
  }

  @Test func foldConstantBranch() throws {
    var b = Builder()
    let c = b.op(.const(.bool(false)), [], .bool)
    var t = Builder(); t.next = 10
    let one = t.op(.const(.int(1)))
    t.void(.yield, [one])
    var e = Builder(); e.next = 20
    let two = e.op(.const(.int(2)))
    e.void(.yield, [two])
    let r = b.op(.ifElse, [c], .int, regions: [Region(ops: t.ops), Region(ops: e.ops)])
    b.void(.builtin("print"), [r])
    var f = b.function()
    f.valueCount = 30
    ConstantFolding.run(&f)
    try Verifier.verify(f)
    #expect(f.body.ops.last?.operands == [20])
    #expect(!kinds(f).contains("if"))
  }

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

  @Test func dceRemovesUnusedPureOpsKeepsEffects() throws {
    var b = Builder()
    let x = b.op(.const(.int(1)))
    let unused = b.op(.binary(.add), [x, x])
    _ = b.op(.binary(.mul), [unused, x])
    _ = b.op(.builtin("randn"), [x], .tensor(nil))
    b.void(.builtin("print"), [x])
    var f = b.function()
    DeadCode.run(&f)
    try Verifier.verify(f)
    #expect(kinds(f) == ["const 1", "builtin.randn", "builtin.print"])
  }

  @Test func inlineSmallFunction() throws {
    var callee = Builder()
    let p = 0
    callee.next = 1
    let d = callee.op(.binary(.mul), [p, p], .float)
    callee.void(.returnValue, [d])
    var sq = callee.function("square", params: [p], types: [.float])
    sq.resultType = .float
    var b = Builder()
    let x = b.op(.const(.float(3)), [], .float)
    let r = b.op(.call("square"), [x], .float)
    b.void(.builtin("print"), [r])
    var m = IRModule(functions: [b.function(), sq])
    Inliner.run(&m)
    try Verifier.verify(m)
    let main = try #require(m.function(named: "main"))
    #expect(kinds(main) == ["const 3.0", "mul", "builtin.print"])
    #expect(main.body.ops[1].operands == [x, x])
    #expect(main.body.ops[2].operands == [main.body.ops[1].result!])
  }

  @Test func recursiveFunctionIsNotInlined() {
    var callee = Builder()
    callee.next = 1
    let r = callee.op(.call("loop"), [0])
    callee.void(.returnValue, [r])
    #expect(!Inliner.isInlinable(callee.function("loop", params: [0], types: [.int])))
  }

  @Test func tapeMarksOnlyActiveDifferentiableOps() throws {
    var b = Builder()
    let x = b.op(.builtin("zeros"), [], .tensor([.known(3)]))
    let k = b.op(.builtin("ones"), [], .tensor([.known(3)]))
    var body = Builder(); body.next = 10
    let p = 9  // the region's parameter: the block reads the input as it
    let y = body.op(.binary(.mul), [p, p], .tensor([.known(3)]))
    let z = body.op(.builtin("exp"), [k], .tensor([.known(3)]))
    let idx = body.op(.builtin("argmax"), [y], .intTensor([]))
    let s = body.op(.builtin("sum"), [y], .tensor([]))
    _ = (z, idx)
    body.void(.yield, [s])
    _ = b.op(.grad(valueToo: false), [x], .tensor([.known(3)]), regions: [Region(params: [p], ops: body.ops)])
    var f = b.function()
    f.valueCount = 20
    TapeMarking.run(&f)
    try Verifier.verify(f)
    let rec = f.body.ops[2].regions[0].ops.map(\.record)
    #expect(rec == [true, false, false, true, false])
    #expect(!f.body.ops[0].record)
  }

  @Test func verifierCatchesUseBeforeDefinition() {
    var b = Builder()
    b.ops.append(Op(result: 0, kind: .unary(.neg), operands: [1], type: .int))
    b.next = 2
    _ = b.op(.const(.int(1)))
    #expect(throws: VerifierError.self) { try Verifier.verify(b.function()) }
  }

  @Test func verifierCatchesBreakOutsideLoop() {
    var b = Builder()
    b.void(.breakLoop)
    #expect(throws: VerifierError.self) { try Verifier.verify(b.function()) }
  }

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

  @Test func pipelineOrderIsValid() {
    #expect(Pipeline.orderProblem() == nil)
    let bad = [Pipeline.passes[3], Pipeline.passes[2]]
    #expect(Pipeline.orderProblem(bad) != nil)
  }
}
