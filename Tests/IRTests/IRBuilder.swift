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

/// Appends `x = zeros(3)` and `grad(x) { … }` to `b`, with the block built by `body` (given
/// the block's parameter, it returns the loss), runs `TapeMarking`, and returns the function
/// and the `record` flag of each op in the block.
func tapeMarksInGrad(_ b: inout Builder, _ body: (inout Builder, ValueID) -> ValueID) throws -> (Function, [Bool]) {
  let x = b.op(.builtin("zeros"), [], .tensor([.known(3)]))
  var inner = Builder()
  inner.next = 10
  let p = 9  // the region's parameter: the block reads the input as it
  let loss = body(&inner, p)
  inner.void(.yield, [loss])
  _ = b.op(.grad(valueToo: false), [x], .tensor([.known(3)]), regions: [Region(params: [p], ops: inner.ops)])
  var f = b.function()
  f.valueCount = 20
  TapeMarking.run(&f)
  try Verifier.verify(f)
  return (f, f.body.ops.last!.regions[0].ops.map(\.record))
}

/// Hand-built IR names builtins as the programs do: `.builtin("relu")` is the registry's entry.
extension BuiltinID: ExpressibleByStringLiteral {
  public init(stringLiteral name: String) { self = Builtins.id(name) }
}
