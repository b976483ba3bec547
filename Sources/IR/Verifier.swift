import Language

/// A broken IR invariant.
public struct VerifierError: Error, CustomStringConvertible, Sendable {
  public var function: String
  public var message: String
  public var description: String { "IR verifier: in \(function): \(message)" }
}

/// Checks IR invariants: every operand is defined earlier in an enclosing region, value ids
/// are unique and below `valueCount`, terminators (`yield`, `return`, `break`, `continue`)
/// are placed legally, ops have the operand and region counts their kind needs, and no Int
/// is used where a Float is expected (Verifier+Types.swift).
public enum Verifier {
  /// Verifies every function of a module.
  public static func verify(_ m: IRModule) throws {
    let signatures = signatures(m)
    for f in m.functions { try verify(f, signatures: signatures) }
  }

  /// Verifies one function; `signatures` gives the parameter types of the functions it calls.
  public static func verify(_ f: Function, signatures: [String: [ValueType]] = [:]) throws {
    func fail(_ msg: String) -> VerifierError { VerifierError(function: f.name, message: msg) }
    if f.body.params.count != f.paramTypes.count { throw fail("has \(f.body.params.count) parameters but \(f.paramTypes.count) types") }
    try region(f.body, inLoop: false, scope: [], f: f, fail)
    try conversions(f, signatures: signatures)
  }

  static func region(_ r: Region, inLoop: Bool, scope: Set<ValueID>, f: Function,
                     _ fail: (String) -> VerifierError) throws {
    var visible = scope
    for p in r.params {
      guard visible.insert(p).inserted else { throw fail("region parameter v\(p) defined twice") }
    }
    for (i, op) in r.ops.enumerated() {
      for o in op.operands where !visible.contains(o) {
        throw fail("v\(o) is used by '\(Printer.mnemonic(op.kind))' before it is defined")
      }
      try shape(op, fail)
      if case .yield = op.kind, i != r.ops.count - 1 { throw fail("'yield' must end its region") }
      if case .breakLoop = op.kind, !inLoop { throw fail("'break' outside a loop") }
      if case .continueLoop = op.kind, !inLoop { throw fail("'continue' outside a loop") }
      let loop: Bool
      switch op.kind {
      case .forEach, .whileLoop: loop = true
      case .grad, .checkGrad, .minimize, .eval, .bypass: loop = false
      default: loop = inLoop
      }
      for sub in op.regions { try region(sub, inLoop: loop, scope: visible, f: f, fail) }
      if let res = op.result {
        guard res < f.valueCount else { throw fail("v\(res) is not below the value count \(f.valueCount)") }
        guard visible.insert(res).inserted else { throw fail("v\(res) is defined twice") }
      }
    }
  }

  static func shape(_ op: Op, _ fail: (String) -> VerifierError) throws {
    let n = op.operands.count, r = op.regions.count
    func need(_ ok: Bool, _ what: String) throws {
      if !ok { throw fail("'\(Printer.mnemonic(op.kind))' \(what)") }
    }
    switch op.kind {
    case .binary: try need(n == 2 && op.result != nil, "needs two operands and a result")
    case .unary, .varGet, .stopGradient, .surrogate: try need(n == 1 && op.result != nil, "needs one operand and a result")
    case .const, .globalGet, .config: try need(n == 0 && op.result != nil, "needs no operands and a result")
    case .varSet, .fieldSet: try need(n == 2, "needs two operands")
    case .range: try need(n == 2, "needs two operands")
    case .ifElse: try need(n == 1 && r == 2, "needs a condition and two regions")
    case .forEach: try need(n == 1 && r == 1 && op.regions[0].params.count == 1, "needs a sequence and a region with one parameter")
    case .whileLoop: try need(n == 0 && r == 2, "needs two regions")
    case .checkGrad(let opts, let fields):
      try need(n > opts.count && r == 1 && op.regions[0].params.count == n - opts.count && fields.count == n - opts.count
               && op.result != nil, "needs inputs, its options, a region with a parameter per input, a field slot per input, and a result")
    case .grad: try need(r == 1 && op.regions[0].params.count == n, "needs one region with a parameter per input")
    case .minimize, .eval: try need(r == 1, "needs one region")
    case .bypass(let s, let opts, let k):
      let valued = s == "model" || s == BypassInfo.dynamic
      try need(k >= 1 && n == k + (valued ? 1 : 0) + opts.count && r == 1 && op.regions[0].params.count == k,
               "needs its inputs, strategy value and options as operands and a region with one parameter per input")
    case .apply, .applyReLU, .method, .callDynamic, .member, .fieldGet, .varNew, .globalSet: try need(n >= 1, "needs an operand")
    case .index(let ks), .setIndex(let ks):
      var count = 1
      for k in ks {
        if case .slice(let l, let u) = k { count += (l ? 1 : 0) + (u ? 1 : 0) } else { count += 1 }
      }
      if case .setIndex = op.kind { count += 1 }
      try need(n == count, "has \(n) operands but its items need \(count)")
    case .format(let pieces): try need(pieces.filter { $0 == nil }.count == n, "has \(n) operands for its placeholders")
    default: break
    }
    let valued: Bool
    switch op.kind {
    case .ifElse, .grad, .checkGrad, .minimize, .eval, .bypass: valued = op.type != .void
    default: valued = false
    }
    if valued {
      for reg in op.regions {
        guard case .yield? = reg.ops.last?.kind, reg.ops.last?.operands.count == 1 else {
          throw fail("'\(Printer.mnemonic(op.kind))' has a value, so each region must end with 'yield' of a value")
        }
      }
    }
  }
}
