import Language

/// The typed invariant of Int → Float conversions (docs/ir.md, "An Int where a Float is
/// expected"): a value typed Float holds a Float, so no Int-typed value (nor a list or tuple
/// holding one) reaches a place typed Float without a conversion. A constant typed Float is a
/// Float constant; returns, call arguments, cells, `if` values and list or tuple elements have
/// the type their place expects. The executor trusts static types (the word tier and fused
/// scalar code compute unboxed by them), so an Int there is a silently wrong value; this check
/// makes it an error of the pass that produced it.
extension Verifier {
  /// The parameter types of each function, by name.
  static func signatures(_ m: IRModule) -> [String: [ValueType]] {
    Dictionary(m.functions.map { ($0.name, $0.paramTypes) }, uniquingKeysWith: { a, _ in a })
  }

  /// Whether constant `c` has an Int where type `t` has a Float.
  static func holdsInt(_ c: ConstValue, where t: ValueType) -> Bool {
    switch (c, t) {
    case (.int, .float): return true
    case (.list(let xs), .list(let elem, _)): return xs.contains { holdsInt($0, where: elem) }
    default: return false
    }
  }

  /// Checks that no Int-typed value is used where `f` expects a Float; `signatures` gives the
  /// parameter types of the functions `f` calls.
  static func conversions(_ f: Function, signatures: [String: [ValueType]]) throws {
    let types = f.valueTypes()
    func expect(_ v: ValueID, as place: ValueType, by op: Op) throws {
      guard let t = types[v], t.converted(to: place) != nil else { return }
      throw VerifierError(function: f.name, message: "v\(v) <\(t)> is used as \(place) by '\(Printer.mnemonic(op.kind))' without a conversion")
    }
    func arguments(_ op: Op, _ params: [ValueType]?, skippingSelf: Bool = false) throws {
      guard let params else { return }
      for (v, p) in zip(op.operands, params.dropFirst(skippingSelf ? 1 : 0)) { try expect(v, as: p, by: op) }
    }
    /// `yielding`: the type of the value the region's `yield` gives its `if`.
    func region(_ r: Region, yielding: ValueType?) throws {
      for op in r.ops {
        switch op.kind {
        case .const(let c):
          if holdsInt(c, where: op.type) {
            throw VerifierError(function: f.name, message: "constant \(c) is typed \(op.type)")
          }
        case .returnValue: if let v = op.operands.first { try expect(v, as: f.resultType, by: op) }
        case .yield: if let v = op.operands.first, let t = yielding { try expect(v, as: t, by: op) }
        case .varNew: if let v = op.operands.first { try expect(v, as: op.type, by: op) }
        case .varSet: if op.operands.count == 2, let cell = types[op.operands[0]] { try expect(op.operands[1], as: cell, by: op) }
        case .list: if case .list(let e, _) = op.type { for v in op.operands { try expect(v, as: e, by: op) } }
        case .tuple: if case .tuple(let ts) = op.type { for (v, t) in zip(op.operands, ts) { try expect(v, as: t, by: op) } }
        case .call(let q): try arguments(op, signatures[q])
        case .method(let model, let name): try arguments(op, signatures[model + "." + name])
        case .construct(let q): try arguments(op, signatures[q + ".init"], skippingSelf: true)
        default: break
        }
        let inner: ValueType?
        if case .ifElse = op.kind { inner = op.type } else { inner = nil }
        for sub in op.regions { try region(sub, yielding: inner) }
      }
    }
    try region(f.body, yielding: nil)
  }
}
