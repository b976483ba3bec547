import Language

/// Prints IR in the style of Go's SSA dumps: `v4 = add <Tensor[2, 3]> v2 v3 @3:9`.
/// Ops marked for the tape carry `!record`.
public struct Printer {
  let files: [SourceFile]
  var out = ""
  /// Print source locations after each op.
  public var showSpans: Bool

  public init(files: [SourceFile] = [], showSpans: Bool = true) {
    self.files = files
    self.showSpans = showSpans
  }

  /// The text of a whole module.
  public static func print(_ m: IRModule, showSpans: Bool = true) -> String {
    var p = Printer(files: m.files, showSpans: showSpans)
    for c in m.configs { p.out += "config \(c.name) <\(c.type)> = \(c.defaultValue)\n" }
    for g in m.globals { p.out += "global \(g)\n" }
    for model in m.models {
      p.out += "model \(model.name)(\(model.params.joined(separator: ", "))) fields [\(model.fields.joined(separator: ", "))]"
      p.out += " init \(model.initFunction) methods [" + model.methods.keys.sorted().map { "\($0): \(model.methods[$0] ?? "")" }.joined(separator: ", ") + "]\n"
    }
    for f in m.functions { p.function(f) }
    return p.out
  }

  mutating func function(_ f: Function) {
    let params = zip(zip(f.paramNames, f.body.params), f.paramTypes).map { "v\($0.0.1) \($0.0.0) <\($0.1)>" }
    out += "\nfn \(f.name)(\(params.joined(separator: ", "))) -> <\(f.resultType)> {\n"
    for op in f.body.ops { self.op(op, 1) }
    out += "}\n"
  }

  /// The mnemonic of an op kind.
  public static func mnemonic(_ k: OpKind) -> String {
    switch k {
    case .const(let c): return "const \(c)"
    case .binary(let op): return binaryName(op)
    case .unary(let op): return op == .neg ? "neg" : "not"
    case .builtin(let n): return "builtin.\(n)"
    case .call(let n): return "call \(n)"
    case .construct(let n): return "construct \(n)"
    case .method(let m, let n): return "method \(m).\(n)"
    case .apply: return "apply"
    case .applyReLU: return "apply.relu"
    case .callDynamic: return "call.dynamic"
    case .list: return "list"
    case .tuple: return "tuple"
    case .index(let ks): return "index" + indexText(ks)
    case .setIndex(let ks): return "set.index" + indexText(ks)
    case .member(let n): return "member .\(n)"
    case .range: return "range"
    case .format(let pieces): return "format " + String(reflecting: pieces.map { $0 ?? "{}" }.joined())
    case .ifElse: return "if"
    case .forEach: return "for"
    case .whileLoop: return "while"
    case .breakLoop: return "break"
    case .continueLoop: return "continue"
    case .returnValue: return "return"
    case .yield: return "yield"
    case .varNew(let n): return "var.new \(n)"
    case .varGet: return "var.get"
    case .varSet: return "var.set"
    case .globalGet(let n): return "global.get \(n)"
    case .globalSet(let n): return "global.set \(n)"
    case .config(let n, let d): return "config \(n) default \(d)"
    case .fieldGet(let n): return "field.get \(n)"
    case .fieldSet(let n): return "field.set \(n)"
    case .grad(let v): return v ? "value_and_grad" : "grad"
    case .checkGrad(let opts, let fields):
      let paths = fields.contains { $0 != nil } ? " fields [" + fields.map { $0 ?? "_" }.joined(separator: ", ") + "]" : ""
      return "check_grad" + (opts.isEmpty ? "" : " [" + opts.joined(separator: ", ") + "]") + paths
    case .minimize: return "minimize"
    case .eval: return "eval"
    case .stopGradient: return "stop_gradient"
    case .surrogate: return "surrogate"
    case .bypass(let s, let opts, let k): return "bypass \(s)" + (k == 1 ? "" : " inputs \(k)") + (opts.isEmpty ? "" : " [" + opts.joined(separator: ", ") + "]")
    }
  }

  static func binaryName(_ op: BinaryOp) -> String {
    switch op {
    case .add: return "add"
    case .sub: return "sub"
    case .mul: return "mul"
    case .div: return "div"
    case .mod: return "mod"
    case .matmul: return "matmul"
    case .eq: return "eq"
    case .ne: return "ne"
    case .lt: return "lt"
    case .le: return "le"
    case .gt: return "gt"
    case .ge: return "ge"
    case .and: return "and"
    case .or: return "or"
    }
  }

  static func indexText(_ ks: [IndexKind]) -> String {
    "[" + ks.map { k -> String in
      switch k {
      case .at: return "i"
      case .slice(let l, let u): return (l ? "a" : "") + ":" + (u ? "b" : "")
      }
    }.joined(separator: ",") + "]"
  }

  func loc(_ s: Span) -> String {
    guard showSpans, s.file >= 0, s.file < files.count else { return "" }
    let (l, c) = files[s.file].location(of: s.start)
    return " @\(l):\(c)"
  }

  mutating func op(_ op: Op, _ depth: Int) {
    let pad = String(repeating: "  ", count: depth)
    var line = pad
    if let r = op.result { line += "v\(r) = " }
    line += Printer.mnemonic(op.kind)
    if op.type != .void || op.result != nil { line += " <\(op.type)>" }
    for o in op.operands { line += " v\(o)" }
    if op.record { line += " !record" }
    line += loc(op.span)
    if op.regions.isEmpty {
      out += line + "\n"
      return
    }
    out += line + " {\n"
    for (i, r) in op.regions.enumerated() {
      if i > 0 || !r.params.isEmpty || op.regions.count > 1 {
        out += pad + " ^\(i)(" + r.params.map { "v\($0)" }.joined(separator: ", ") + "):\n"
      }
      for o in r.ops { self.op(o, depth + 1) }
    }
    out += pad + "}\n"
  }
}
