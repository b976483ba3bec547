/// Parameters as values and gradients with respect to models (docs/language.md, "Parameters
/// as values" and "Gradients with respect to a model"): `net.l1.weight`, `net.codebook`,
/// `net.blocks.0.conv1.weight` read as tensors, `net.l1.weight = t` assigns one, and
/// `grad(net) { loss }` has the type `Gradient(M)`, whose members follow the model's
/// structure down to a tensor at each parameter.
extension Checker {
  /// A member `.name` that cannot be read, with what to say about it.
  struct MemberProblem: Error {
    var message: String
    var notes: [Note] = []
  }

  /// The parameters of a layer, by role, with their shapes: PyTorch's layouts, except that a
  /// dense weight is `[cin, cout]` (the transpose of `torch.nn.Linear.weight`).
  static func layerParameters(_ info: LayerInfo) -> [(name: String, shape: [Dim]?)] {
    func d(_ n: Int?) -> Dim { n.map(Dim.known) ?? .unknown }
    let (i, o, k) = (d(info.inFeatures), d(info.outFeatures), d(info.kernel))
    switch info.maker?.name {
    case "dense": return [("weight", [i, o])] + (info.bias == false ? [] : [("bias", [o])])
    case "conv2d": return [("weight", [o, i, k, k]), ("bias", [o])]
    case "conv_transpose2d": return [("weight", [i, o, k, k]), ("bias", [o])]
    case "batchnorm2d": return [("weight", [i]), ("bias", [i])]
    default: return [("weight", nil), ("bias", nil)]
    }
  }

  /// The names of a model's `param` fields.
  func parameterFields(of q: String) -> Set<String> {
    models[q].map { Self.parameterFields(of: $0.decl) } ?? []
  }

  static func parameterFields(of decl: ModelDecl) -> Set<String> {
    var out: Set<String> = []
    for f in decl.fields {
      if case .binding(let b) = f.kind, !b.mutable, Self.isParameterCall(b.value), case .name(let n, _) = b.pattern { out.insert(n) }
    }
    return out
  }

  /// The type of `.name` on a layer, a gradient of a model or layer, or a list (`blocks.0`,
  /// as checkpoints name list elements); nil for other types (`checkMember` has those).
  func parameterMember(_ bt: ValueType, _ name: String) -> Result<ValueType, MemberProblem>? {
    switch bt {
    case .layer(let info):
      let ps = Self.layerParameters(info)
      if let p = ps.first(where: { $0.name == name }) { return .success(.tensor(p.shape)) }
      if name == "bias" {
        return .failure(MemberProblem(message: "this \(info.kind) layer has no bias", notes: [Note("it was made with 'bias: false'")]))
      }
      return .failure(noMember(bt, name, among: ps.map(\.name), what: "a layer's parameters are"))
    case .list(let elem, let n):
      guard let i = Int(name) else { return nil }
      if let n, i >= n {
        return .failure(MemberProblem(message: "index \(i) is out of range for a list of \(n) elements"))
      }
      return .success(elem)
    case .gradient(.layer(let info)):
      let ps = Self.layerParameters(info)
      if let p = ps.first(where: { $0.name == name }) { return .success(.tensor(p.shape)) }
      return .failure(noMember(bt, name, among: ps.map(\.name), what: "its entries are"))
    case .gradient(.model(let q)):
      if models[q]?.fields.isEmpty == true { checkModelBody(q) }
      guard let info = models[q] else { return .success(.any) }
      let entries = gradientEntries(of: q)
      if let t = entries.first(where: { $0.name == name })?.type { return .success(t) }
      if info.fields.contains(where: { $0.name == name }) {
        return .failure(MemberProblem(message: "field '\(name)' of \(q) holds no parameters, so its gradient has no '\(name)'",
                                      notes: [Note("the gradient has an entry for each field that holds parameters: "
                                                   + (entries.isEmpty ? "none here" : entries.map(\.name).joined(separator: ", ")))]))
      }
      return .failure(noMember(bt, name, among: entries.map(\.name), what: "its entries are"))
    default:
      return nil
    }
  }

  func noMember(_ bt: ValueType, _ name: String, among names: [String], what: String) -> MemberProblem {
    var notes = [Note("\(what) " + (names.isEmpty ? "none" : names.joined(separator: ", ")))]
    if let best = closest(name, in: names) { notes.insert(Note("did you mean '\(best)'?"), at: 0) }
    return MemberProblem(message: "value of type \(bt) has no member '\(name)'", notes: notes)
  }

  /// The fields of model `q` that hold parameters, with the types of their gradients.
  func gradientEntries(of q: String) -> [(name: String, type: ValueType)] {
    guard let info = models[q] else { return [] }
    return Self.gradientEntries(of: info, symbols)
  }

  static func gradientEntries(of info: ModelInfo, _ symbols: [Symbol]) -> [(name: String, type: ValueType)] {
    let params = parameterFields(of: info.decl)
    return info.fields.compactMap { f in
      let t = f.symbol < symbols.count ? symbols[f.symbol].type : .any
      if params.contains(f.name) { return (f.name, t) }
      return gradientType(of: t).map { (f.name, $0) }
    }
  }

  /// The type of the gradient with respect to a value of type `t` (a model, a layer, a list
  /// of them); nil when such a value holds no parameters.
  static func gradientType(of t: ValueType) -> ValueType? {
    switch t {
    case .model, .layer: return .gradient(t)
    case .list(let e, let n): return gradientType(of: e).map { .list($0, count: n) }
    case .tuple(let ts): return ts.contains { gradientType(of: $0) != nil } ? .any : nil
    case .any, .error: return t
    default: return nil
    }
  }

  /// `net.l1.weight = t`, `net.codebook *= 0.5`: assigns a parameter (a `param` field, or a
  /// layer's `weight` or `bias`) in place; the value must be a tensor of its shape.
  func checkParameterAssignment(_ target: Expr, base: Expr, name: String, nameSpan: Span, op: BinaryOp?, value: Expr, stmt: Stmt) {
    let bt = checkExpr(base)
    let vt = checkExpr(value)
    let path = Self.inputPath(target) ?? name
    var pt: ValueType = .error
    switch bt {
    case _ where bt.isLenient: pt = bt
    case .model(let q):
      if models[q]?.fields.isEmpty == true { checkModelBody(q) }
      if parameterFields(of: q).contains(name), let f = models[q]?.fields.first(where: { $0.name == name }) {
        pt = f.symbol < symbols.count ? symbols[f.symbol].type : .tensor(nil)
      } else if let f = models[q]?.fields.first(where: { $0.name == name }) {
        let t = f.symbol < symbols.count ? symbols[f.symbol].type : .any
        let holds = Self.gradientType(of: t) != nil && !t.isLenient
        diags.error("cannot assign to '\(path)': \(holds ? "a model's layers and nested models are made with it" : "it is a field of \(q), not a parameter")",
                    at: target.span,
                    notes: [Note(holds ? "assign their parameters instead: '\(path).weight = …' for a layer" : "only parameters can be assigned: 'param' fields and the weight and bias of layers")])
      } else {
        checkMemberName(bt, name, nameSpan)
      }
    case .layer:
      if case .success(let t)? = parameterMember(bt, name) { pt = t } else { checkMemberName(bt, name, nameSpan) }
    case .gradient:
      diags.error("cannot assign to '\(path)': a gradient is a value, not the model's parameters", at: target.span,
                  notes: [Note("assign the model's parameter instead, e.g. 'net.l1.weight = net.l1.weight - 0.1 * g.l1.weight'")])
    default:
      diags.error("cannot assign to this expression", at: target.span,
                  notes: [Note("only variables, their elements (x, x[i]) and model parameters (net.l1.weight) can be assigned")])
    }
    types[target.id] = pt
    guard pt != .error else { return }
    var newType = vt
    if let op { newType = binaryType(op, pt, vt, opSpan: stmt.span, operands: (target, value)) ?? .error }
    if newType.isLenient || pt.isLenient { return }
    guard case .tensor(let vs) = newType, case .tensor(let ps) = pt else {
      diags.error("cannot assign a value of type \(newType) to the parameter '\(path)' of type \(pt)", at: value.span,
                  notes: newType.isTensor ? [Note("convert it with float(…)")] : [])
      return
    }
    if !shapesCompatible(vs, ps) {
      diags.error("cannot assign \(newType) to the parameter '\(path)' of shape \(shapeText(ps))", at: value.span,
                  notes: Self.transposeNote(bt, name, vs, ps))
    }
  }

  /// A note for a dense weight given in PyTorch's layout `[cout, cin]`.
  static func transposeNote(_ bt: ValueType, _ name: String, _ given: [Dim]?, _ wanted: [Dim]?) -> [Note] {
    guard case .layer(let info) = bt, info.maker?.name == "dense", name == "weight",
          let given, let wanted, given.count == 2, given == wanted.reversed() else { return [] }
    return [Note("a dense weight is [cin, cout], the transpose of PyTorch's Linear.weight: use transpose(w, 0, 1)")]
  }

  /// Reports `.name` on `bt` as `checkMember` would (an error for a missing member).
  func checkMemberName(_ bt: ValueType, _ name: String, _ nameSpan: Span) {
    if case .failure(let p)? = parameterMember(bt, name) {
      diags.error(p.message, at: nameSpan, notes: p.notes)
      return
    }
    if case .model(let q) = bt, models[q]?.methods[name] != nil {
      diags.error("cannot assign to the method '\(name)' of \(q)", at: nameSpan)
      return
    }
    var notes: [Note] = []
    if case .model(let q) = bt, let best = closest(name, in: models[q]?.fields.map(\.name) ?? []) { notes.append(Note("did you mean '\(best)'?")) }
    diags.error("value of type \(bt) has no member '\(name)'", at: nameSpan, notes: notes)
  }
}
