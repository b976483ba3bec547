import Language

/// Folds arithmetic on constants and replaces `if` on a constant condition by the taken
/// branch.
public enum ConstantFolding {
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

  /// The value of `a op b` for constants, or nil when it cannot (or should not) be folded.
  public static func evaluate(_ op: BinaryOp, _ a: ConstValue, _ b: ConstValue) -> ConstValue? {
    switch (a, b) {
    case (.int(let x), .int(let y)):
      switch op {
      case .add: let (r, o) = x.addingReportingOverflow(y); return o ? nil : .int(r)
      case .sub: let (r, o) = x.subtractingReportingOverflow(y); return o ? nil : .int(r)
      case .mul: let (r, o) = x.multipliedReportingOverflow(by: y); return o ? nil : .int(r)
      case .div: return y == 0 || (x == Int.min && y == -1) ? nil : .int(x / y)
      case .mod: return y == 0 || (x == Int.min && y == -1) ? nil : .int(x % y)
      case .eq: return .bool(x == y)
      case .ne: return .bool(x != y)
      case .lt: return .bool(x < y)
      case .le: return .bool(x <= y)
      case .gt: return .bool(x > y)
      case .ge: return .bool(x >= y)
      default: return nil
      }
    case (.int, .float), (.float, .int), (.float, .float):
      let x = a.doubleValue, y = b.doubleValue
      switch op {
      case .add: return .float(x + y)
      case .sub: return .float(x - y)
      case .mul: return .float(x * y)
      case .div: return .float(x / y)
      case .lt: return .bool(x < y)
      case .le: return .bool(x <= y)
      case .gt: return .bool(x > y)
      case .ge: return .bool(x >= y)
      case .eq: return .bool(x == y)
      case .ne: return .bool(x != y)
      default: return nil
      }
    case (.bool(let x), .bool(let y)):
      switch op {
      case .and: return .bool(x && y)
      case .or: return .bool(x || y)
      case .eq: return .bool(x == y)
      case .ne: return .bool(x != y)
      default: return nil
      }
    case (.string(let x), .string(let y)):
      switch op {
      case .add: return .string(x + y)
      case .eq: return .bool(x == y)
      case .ne: return .bool(x != y)
      default: return nil
      }
    default: return nil
    }
  }
}

extension ConstValue {
  var doubleValue: Double {
    switch self {
    case .int(let v): return Double(v)
    case .float(let v): return v
    default: return 0
    }
  }
}
