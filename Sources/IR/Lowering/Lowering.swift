import Language

/// Lowers a checked program to IR: one `main` function for the top-level code, one
/// function per user function, and per model an `init` function plus its methods.
public struct Lowering {
  let program: CheckedProgram
  var module = IRModule()
  var globalNames: [Int: String] = [:]

  // Per-function state.
  var next = 0
  var stack: [[Op]] = [[]]
  var values: [Int: ValueID] = [:]
  var cells: [Int: ValueID] = [:]
  var selfValue: ValueID?
  var inMain = false
  var inInit = false
  /// Expressions replaced by a region parameter (the bypassed input inside a `bypass` region).
  var overrides: [NodeID: ValueID] = [:]
  /// Inside a `grad`/`check_grad` block: each input's symbol reads as the op's operand (which
  /// the executor replaces by the watched tensor), even when it is a `var` or a global.
  var gradientInputs: [Int: ValueID] = [:]
  var depth = 0
  /// `main` returns the value of its last statement when that is an expression (the REPL).
  var returnsLastValue = false
  /// The current function's `SourceNotes`.
  var notes = SourceNotes()

  init(program: CheckedProgram) {
    self.program = program
  }

  /// Lowers a checked program.
  /// - Parameter returningLastValue: `main` returns the value of the program's last
  ///   statement when it is an expression with a value (the REPL shows it).
  public static func lower(_ program: CheckedProgram, returningLastValue: Bool = false) -> IRModule {
    var l = Lowering(program: program)
    l.returnsLastValue = returningLastValue
    l.run()
    return l.module
  }

  /// The IR global name of each captured top-level binding (symbol id → name): its own
  /// name, or `name.ID` when an earlier global already has that name.
  public static func globalNames(_ program: CheckedProgram) -> [Int: String] {
    var names: [Int: String] = [:]
    var used: Set<String> = []
    for id in program.globals.sorted() {
      var name = program.symbols[id].name
      if used.contains(name) { name += ".\(id)" }
      used.insert(name)
      names[id] = name
    }
    return names
  }

  mutating func run() {
    module.files = program.files
    globalNames = Self.globalNames(program)
    module.globals = globalNames.keys.sorted().compactMap { globalNames[$0] }
    for id in program.configFields {
      let s = program.symbols[id]
      module.configs.append(ConfigEntry(name: s.name, type: s.type, defaultValue: s.constant ?? .none,
                                        range: program.configRanges[id], span: s.span))
    }
    guard let main = program.modules.last else { return }
    startFunction()
    inMain = true
    var result: ValueType = .void
    for (i, s) in main.stmts.enumerated() {
      if returnsLastValue, i == main.stmts.count - 1, case .expr(let e) = s.kind,
         let t = program.types[e.id], t != .void, t != .error {
        emitVoid(.returnValue, [expr(e)], s.span)
        result = t
      } else {
        stmt(s)
      }
    }
    if result == .void { emitVoid(.returnValue, [], main.stmts.last?.span ?? .none) }
    inMain = false
    module.functions.append(finishFunction(name: "main", params: [], types: [], result: result, span: .none))
    for m in program.modules {
      for s in m.stmts {
        switch s.kind {
        case .function(let f): lowerFunction(qualified(m, f.name))
        case .model(let md): lowerModel(qualified(m, md.name))
        default: break
        }
      }
    }
  }

  func qualified(_ m: SourceModule, _ name: String) -> String {
    m.name == "main" ? name : m.name + "." + name
  }

  // MARK: Function state

  mutating func startFunction() {
    next = 0
    notes = SourceNotes()
    stack = [[]]
    values = [:]
    cells = [:]
    selfValue = nil
    overrides = [:]
    gradientInputs = [:]
  }

  mutating func finishFunction(name: String, params: [ValueID], names: [String] = [], types: [ValueType], result: ValueType, span: Span) -> Function {
    let body = Region(params: params, ops: stack.last ?? [])
    var f = Function(name: name, paramNames: names, paramTypes: types, resultType: result, body: body, span: span, valueCount: next)
    f.sourceNotes = notes
    return f
  }

  mutating func fresh() -> ValueID {
    next += 1
    return next - 1
  }

  @discardableResult
  mutating func emit(_ kind: OpKind, _ operands: [ValueID], _ type: ValueType, _ span: Span, regions: [Region] = []) -> ValueID {
    let v = fresh()
    stack[stack.count - 1].append(Op(result: v, kind: kind, operands: operands, type: type, regions: regions, span: span))
    return v
  }

  mutating func emitVoid(_ kind: OpKind, _ operands: [ValueID], _ span: Span, regions: [Region] = []) {
    stack[stack.count - 1].append(Op(result: nil, kind: kind, operands: operands, type: .void, regions: regions, span: span))
  }

  /// Lowers `body` into a new region with `params`.
  mutating func region(params: [ValueID] = [], _ body: (inout Lowering) -> Void) -> Region {
    stack.append([])
    body(&self)
    let ops = stack.removeLast()
    return Region(params: params, ops: ops)
  }

  mutating func constant(_ c: ConstValue, _ span: Span, type: ValueType? = nil) -> ValueID {
    emit(.const(c), [], type ?? c.type, span)
  }

  // MARK: Declarations

  mutating func lowerFunction(_ q: String) {
    guard let info = program.functions[q], info.model == nil || true else { return }
    startFunction()
    var params: [ValueID] = []
    var names: [String] = []
    var types: [ValueType] = []
    if info.model != nil {
      let s = fresh()
      selfValue = s
      params.append(s)
      names.append("self")
      types.append(.model(info.model ?? ""))
    }
    for (i, id) in info.paramSymbols.enumerated() {
      let v = fresh()
      values[id] = v
      params.append(v)
      names.append(program.symbols[id].name)
      types.append(i < info.paramTypes.count ? info.paramTypes[i] : .any)
    }
    let result = info.result ?? .any
    let v = block(info.decl.body, valueUsed: result != .void)
    emitVoid(.returnValue, v.map { [$0] } ?? [], info.decl.body.stmts.last?.span ?? info.decl.body.span)
    module.functions.append(finishFunction(name: q, params: params, names: names, types: types, result: result, span: info.decl.nameSpan))
  }

  mutating func lowerModel(_ q: String) {
    guard let info = program.models[q] else { return }
    startFunction()
    inInit = true
    let s = fresh()
    selfValue = s
    var params = [s]
    var names = ["self"]
    var types: [ValueType] = [.model(q)]
    for (i, id) in info.paramSymbols.enumerated() {
      let v = fresh()
      values[id] = v
      params.append(v)
      names.append(program.symbols[id].name)
      types.append(i < info.paramTypes.count ? info.paramTypes[i] : .any)
      emitVoid(.fieldSet(program.symbols[id].name), [s, v], program.symbols[id].span)
    }
    for f in info.decl.fields {
      guard case .binding(let b) = f.kind else { continue }
      let v = expr(b.value)
      bindFields(b.pattern, v, f.span)
    }
    emitVoid(.returnValue, [], info.decl.nameSpan)
    inInit = false
    module.functions.append(finishFunction(name: q + ".init", params: params, names: names, types: types, result: .void, span: info.decl.nameSpan))
    var methods: [String: String] = [:]
    for (name, fq) in info.methods {
      methods[name] = fq
    }
    module.models.append(ModelInfoIR(name: q, params: info.decl.params.map(\.name), fields: info.fields.map(\.name),
                                     initFunction: q + ".init", methods: methods))
    for name in info.methods.keys.sorted() {
      if let fq = info.methods[name] { lowerFunction(fq) }
    }
  }

  mutating func bindFields(_ p: Pattern, _ v: ValueID, _ span: Span) {
    switch p {
    case .name(let n, let s):
      if let id = program.bindings[s] { values[id] = v }
      if let selfValue { emitVoid(.fieldSet(n), [selfValue, v], span) }
    case .wildcard: break
    case .tuple(let ps, _):
      for (i, q) in ps.enumerated() {
        let e = emit(.member(String(i)), [v], .any, q.span)
        bindFields(q, e, span)
      }
    }
  }
}
