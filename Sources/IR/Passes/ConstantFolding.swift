import Language

/// Folds arithmetic on constants and `float` of a constant, and replaces `if` on a constant
/// condition by the taken branch.
public enum ConstantFolding {
  static let float = Builtins.id("float")

  public static func run(_ m: inout IRModule) {
    for i in m.functions.indices { run(&m.functions[i]) }
  }

  public static func run(_ f: inout Function) {
    var consts: [ValueID: ConstValue] = [:]
    var subst: [ValueID: ValueID] = [:]
    f.body = fold(f.body, &consts, &subst)
    f.body.substitute(subst)
  }

  static func fold(_ r: Region, _ consts: inout [ValueID: ConstValue], _ subst: inout [ValueID: ValueID]) -> Region {
    var out: [Op] = []
    for var op in r.ops {
      op.operands = op.operands.map { resolve($0, subst) }
      for j in op.regions.indices { op.regions[j] = fold(op.regions[j], &consts, &subst) }
      switch op.kind {
      case .const(let c):
        if let res = op.result { consts[res] = c }
      case .binary(let b):
        if let x = consts[op.operands[0]], let y = consts[op.operands[1]], let c = evaluate(b, x, y), let res = op.result {
          op = Op(result: res, kind: .const(c), type: op.type, span: op.span)
          consts[res] = c
        }
      case .unary(let u):
        if let x = consts[op.operands[0]], let res = op.result {
          var c: ConstValue?
          switch (u, x) {
          case (.neg, .int(let v)) where v != Int.min: c = .int(-v)
          case (.neg, .float(let v)): c = .float(-v)
          case (.not, .bool(let v)): c = .bool(!v)
          default: break
          }
          if let c {
            op = Op(result: res, kind: .const(c), type: op.type, span: op.span)
            consts[res] = c
          }
        }
      case .builtin(let id) where id == float:
        // An Int converted to a Float where one is expected (Lowering+Conversions.swift).
        if let c = consts[op.operands[0]]?.converted(to: .float), case .float = c, let res = op.result {
          op = Op(result: res, kind: .const(c), type: op.type, span: op.span)
          consts[res] = c
        }
      case .ifElse:
        if case .bool(let b)? = consts[op.operands[0]] {
          var taken = op.regions[b ? 0 : 1].ops
          var yielded: ValueID?
          if case .yield? = taken.last?.kind {
            yielded = taken.last?.operands.first
            taken.removeLast()
          }
          out.append(contentsOf: taken)
          if let res = op.result, let y = yielded { subst[res] = y }
          continue
        }
      default: break
      }
      out.append(op)
    }
    return Region(params: r.params, ops: out)
  }

  /// The value of `a op b` for constants, or nil when it has none (an overflow, a division
  /// by zero: left for the run, which reports it at the operator).
  public static func evaluate(_ op: BinaryOp, _ a: ConstValue, _ b: ConstValue) -> ConstValue? {
    try? ScalarArithmetic.apply(op, a, b).get()
  }
}
