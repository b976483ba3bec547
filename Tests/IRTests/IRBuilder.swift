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
