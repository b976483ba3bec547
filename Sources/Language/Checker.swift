/// Resolves names, infers types and shapes, and checks a set of parsed modules. It writes
/// every fact the lowering needs into side tables keyed by node id, and every problem into
/// the diagnostic engine. An erroneous expression gets the `.error` type, which silences
/// errors that would only follow from the first one.
final class Checker {
  var diags: DiagnosticEngine
  let files: [SourceFile]

  // Results.
  var types: [NodeID: ValueType] = [:]
  var consts: [NodeID: ConstValue] = [:]
  var symbols: [Symbol] = []
  var references: [NodeID: Int] = [:]
  var bindings: [Span: Int] = [:]
  var calls: [NodeID: CallTarget] = [:]
  var functions: [String: FunctionInfo] = [:]
  var models: [String: ModelInfo] = [:]
  var configFields: [Int] = []
  var configRanges: [Int: ConfigRange] = [:]
  var capturedGlobals: Set<Int> = []
  var bypasses: [NodeID: BypassInfo] = [:]
  /// `param(…)` calls that are a model field's value, and the fields they make.
  var parameterFieldCalls: Set<NodeID> = []
  /// Expressions whose value the lowering converts to this type: an Int used as a Float
  /// (Checker+Conversions.swift).
  var conversions: [NodeID: ValueType] = [:]

  // The REPL (see `EnvironmentBinding`, `CompileOptions.exportTopLevel`).
  var environment: [EnvironmentBinding] = []
  var exportTopLevel = false
  var environmentSymbols: Set<Int> = []

  // State.
  var scopes: [[String: Int]] = []
  /// Exported names of each checked module.
  var moduleExports: [String: [String: Int]] = [:]
  var module = ""
  var functionStack: [FunctionContext] = []
  var loopDepth = 0
  /// Function bodies whose checking has started (on-demand for result inference).
  var checkingFunctions: Set<String> = []
  var checkedFunctions: Set<String> = []
  /// Depth of gradient/eval blocks being checked.
  var blockDepth = 0
  /// The `if` expression checked next is bound to a name declared `Any`: branches of any
  /// two types join to `Any`.
  var joinsToAny = false
  /// Depth of specialised checks of function bodies (`specializedResult(of:)`).
  var specializing = 0
  var exprDepth = 0

  struct FunctionContext {
    var name: String
    var result: ValueType?
    var model: String?
    var isMethod: Bool
    var savedScopes: [[String: Int]]
    var savedLoopDepth: Int
  }

  init(files: [SourceFile], diagnostics: DiagnosticEngine) {
    self.files = files
    self.diags = diagnostics
  }

  // MARK: Scopes

  func declare(_ name: String, kind: SymbolKind, mutable: Bool, type: ValueType, span: Span,
               constant: ConstValue? = nil, introducer: Span? = nil) -> Int {
    let id = symbols.count
    let top = functionStack.isEmpty && scopes.count <= 1
    symbols.append(Symbol(id: id, name: name, kind: kind, mutable: mutable, type: type, span: span,
                          constant: constant, topLevel: top, introducerSpan: introducer))
    if name != "_" {
      if let prev = scopes[scopes.count - 1][name], !environmentSymbols.contains(prev) {
        let file = symbols[prev].span.file >= 0 ? files[symbols[prev].span.file] : nil
        let line = file?.location(of: symbols[prev].span.start).line ?? 0
        diags.error("'\(name)' is already defined in this scope", at: span,
                    notes: [Note("previous definition of '\(name)' is on line \(line)", at: symbols[prev].span)])
      }
      scopes[scopes.count - 1][name] = id
    }
    bindings[span] = id
    if exportTopLevel, top, module == "main", kind == .local || kind == .config { capturedGlobals.insert(id) }
    return id
  }

  /// Declares the environment's names in the main program's top-level scope, as globals.
  func declareEnvironment() {
    for b in environment {
      let id = symbols.count
      symbols.append(Symbol(id: id, name: b.name, kind: .local, mutable: b.mutable, type: b.type, span: .none,
                            constant: nil, topLevel: true, introducerSpan: nil))
      scopes[0][b.name] = id
      capturedGlobals.insert(id)
      environmentSymbols.insert(id)
    }
  }

  func lookup(_ name: String) -> Int? {
    for scope in scopes.reversed() {
      if let id = scope[name] { return id }
    }
    return nil
  }

  func withScope<T>(_ body: () -> T) -> T {
    scopes.append([:])
    defer { scopes.removeLast() }
    return body()
  }

  func qualify(_ name: String) -> String { module == "main" || module.isEmpty ? name : module + "." + name }

  // MARK: Modules

  /// Checks one module; imported modules must have been checked first.
  func checkModule(_ m: SourceModule, isMain: Bool) {
    module = isMain ? "main" : m.name
    scopes = [[:]]
    functionStack = []
    if isMain { declareEnvironment() }
    // Imports and hoisted declarations.
    for s in m.stmts {
      switch s.kind {
      case .importModule(let name, let span):
        // A module that failed to load still gets a name, typed as an error so its uses are silent.
        let known = moduleExports[name] != nil || NativeModule(rawValue: name) != nil
        _ = declare(name, kind: .module(name), mutable: false, type: known ? .module(name) : .error, span: span)
      case .function(let f):
        let q = qualify(f.name)
        let id = declare(f.name, kind: .function(q), mutable: false, type: .function(q), span: f.nameSpan)
        _ = id
        functions[q] = FunctionInfo(qualifiedName: q, decl: f, module: module, paramSymbols: [], paramTypes: [],
                                    defaults: [], result: nil, model: nil)
      case .model(let md):
        let q = qualify(md.name)
        _ = declare(md.name, kind: .model(q), mutable: false, type: .modelType(q), span: md.nameSpan)
        models[q] = ModelInfo(qualifiedName: q, decl: md, module: module, paramSymbols: [], paramTypes: [],
                              defaults: [], fields: [], methods: [:])
      default: break
      }
    }
    // Signatures (parameter types and defaults) before any body.
    for s in m.stmts {
      if case .function(let f) = s.kind { prepareSignature(qualify(f.name), f) }
      if case .model(let md) = s.kind { prepareModel(qualify(md.name), md) }
    }
    // Top-level statements in order; function bodies on demand or afterwards.
    for s in m.stmts {
      if !isMain {
        switch s.kind {
        case .function, .model, .importModule: break
        default:
          diags.error("a module can only declare functions and models and import modules", at: s.span)
          continue
        }
      }
      checkStmt(s, valueUsed: false)
    }
    for s in m.stmts {
      if case .function(let f) = s.kind { checkFunctionBody(qualify(f.name)) }
      if case .model(let md) = s.kind { checkModelBody(qualify(md.name)) }
    }
    var exports: [String: Int] = [:]
    for (name, id) in scopes[0] {
      switch symbols[id].kind {
      case .function, .model: exports[name] = id
      default: break
      }
    }
    moduleExports[m.name] = exports
    moduleScopes[module] = scopes[0]
  }

  func prepareSignature(_ q: String, _ f: FunctionDecl, model: String? = nil) {
    guard var info = functions[q] else { return }
    info.paramTypes = f.params.map { $0.type.map(resolveType) ?? .any }
    info.defaults = f.params.enumerated().map { i, p in p.defaultValue.flatMap { defaultConst($0, type: info.paramTypes[i]) } }
    info.result = f.result.map(resolveType)
    info.model = model
    functions[q] = info
  }

  /// Checks a parameter default: it must be a constant of the parameter's type.
  func defaultConst(_ e: Expr, type: ValueType) -> ConstValue? {
    let t = checkExpr(e)
    if !fits(e, t, as: type) {
      diags.error("default value of type \(t) does not match parameter type \(type)", at: e.span)
    }
    guard let c = consts[e.id] else {
      if t != .error { diags.error("a default value must be a constant", at: e.span) }
      return nil
    }
    return c.converted(to: type)
  }

  func prepareModel(_ q: String, _ md: ModelDecl) {
    guard var info = models[q] else { return }
    info.paramTypes = md.params.map { $0.type.map(resolveType) ?? .any }
    info.defaults = md.params.enumerated().map { i, p in p.defaultValue.flatMap { defaultConst($0, type: info.paramTypes[i]) } }
    var seen: Set<String> = []
    for f in md.methods {
      let mq = q + "." + f.name
      if seen.contains(f.name) { diags.error("method '\(f.name)' is already defined in model '\(md.name)'", at: f.nameSpan) }
      seen.insert(f.name)
      info.methods[f.name] = mq
      functions[mq] = FunctionInfo(qualifiedName: mq, decl: f, module: module, paramSymbols: [], paramTypes: [],
                                   defaults: [], result: nil, model: q)
      prepareSignature(mq, f, model: q)
    }
    if info.methods["forward"] == nil {
      diags.error("model '\(md.name)' has no 'forward' method", at: md.nameSpan,
                  notes: [Note("add 'fn forward(x: Tensor) -> Tensor { … }' to the model body")])
    }
    models[q] = info
  }

  /// Checks a model's constructor parameters and field initialisers, then its methods.
  func checkModelBody(_ q: String) {
    guard var info = models[q], !checkedFunctions.contains(q) else { return }
    checkedFunctions.insert(q)
    let saved = scopes
    let savedLoop = loopDepth
    scopes = [scopes[0], [:]]
    loopDepth = 0
    functionStack.append(FunctionContext(name: q, result: nil, model: q, isMethod: false, savedScopes: [], savedLoopDepth: 0))
    var fields: [(String, Int)] = []
    for (i, p) in info.decl.params.enumerated() {
      let id = declare(p.name, kind: .field(model: q), mutable: false, type: info.paramTypes[i], span: p.span)
      info.paramSymbols.append(id)
      fields.append((p.name, id))
    }
    for f in info.decl.fields {
      guard case .binding(let b) = f.kind else { continue }
      let before = symbols.count
      let isParameter = Self.isParameterCall(b.value) && !b.mutable
      if isParameter { parameterFieldCalls.insert(b.value.id) }
      checkBinding(b, stmt: f, kind: .field(model: q))
      for id in before..<symbols.count where symbols[id].kind == .field(model: q) {
        fields.append((symbols[id].name, id))
      }
    }
    info.fields = fields
    models[q] = info
    let fieldScope = scopes[1]
    functionStack.removeLast()
    scopes = saved
    loopDepth = savedLoop
    for (_, mq) in info.methods.sorted(by: { $0.key < $1.key }) {
      checkFunctionBody(mq, extraScope: fieldScope)
    }
  }

  /// Checks a function body once (called on demand when a call needs its result type).
  func checkFunctionBody(_ q: String, extraScope: [String: Int]? = nil) {
    guard var info = functions[q], !checkedFunctions.contains(q), !checkingFunctions.contains(q) else { return }
    if info.model != nil, extraScope == nil {
      if let m = info.model { checkModelBody(m) }
      return
    }
    checkingFunctions.insert(q)
    defer { checkingFunctions.remove(q); checkedFunctions.insert(q) }
    let savedScopes = scopes, savedLoop = loopDepth, savedModule = module
    module = info.module
    // The global scope of the function's own module.
    let globalScope = moduleScope(info.module) ?? scopes[0]
    scopes = [globalScope]
    if let extraScope { scopes.append(extraScope) }
    scopes.append([:])
    loopDepth = 0
    functionStack.append(FunctionContext(name: q, result: info.result, model: info.model, isMethod: info.model != nil,
                                         savedScopes: [], savedLoopDepth: 0))
    if let m = info.model {
      _ = declare("self", kind: .receiver(model: m), mutable: false, type: .model(m), span: info.decl.nameSpan)
    }
    info.paramSymbols = info.decl.params.enumerated().map { i, p in
      declare(p.name, kind: .local, mutable: false, type: info.paramTypes[i], span: p.span)
    }
    functions[q] = info
    let t = checkBlock(info.decl.body, valueUsed: info.result != .void)
    if let r = info.result {
      if r != .void, !endsWithReturn(info.decl.body), !fitsValue(of: info.decl.body, t, as: r) {
        let at = info.decl.body.stmts.last?.span ?? info.decl.body.span
        diags.error(t == .void ? "function '\(info.decl.name)' must end with a value of type \(r)"
                    : "function '\(info.decl.name)' returns \(t) but is declared to return \(r)", at: at)
      }
    } else if functions[q]?.result == nil {
      functions[q]?.result = t
    }
    functionStack.removeLast()
    scopes = savedScopes
    loopDepth = savedLoop
    module = savedModule
  }

  /// Global scopes saved per module, so function bodies can be checked on demand.
  var moduleScopes: [String: [String: Int]] = [:]
  func moduleScope(_ m: String) -> [String: Int]? { m == module ? scopes.first : moduleScopes[m] }

  func endsWithReturn(_ b: Block) -> Bool {
    if case .returnValue? = b.stmts.last?.kind { return true }
    return false
  }

  /// Parameter and `var` types forget static sizes that may change at run time.
  // MARK: Statements

  @discardableResult
  func checkBlock(_ b: Block, valueUsed: Bool) -> ValueType {
    withScope {
      var result: ValueType = .void
      for (i, s) in b.stmts.enumerated() {
        let last = i == b.stmts.count - 1
        result = checkStmt(s, valueUsed: valueUsed && last)
        if !last { result = .void }
      }
      return result
    }
  }

  /// Checks a statement; returns its value's type when it is an expression statement.
  @discardableResult
  func checkStmt(_ s: Stmt, valueUsed: Bool) -> ValueType {
    let top = functionStack.isEmpty && scopes.count == 1
    switch s.kind {
    case .expr(let e):
      return checkExpr(e, valueUsed: valueUsed)
    case .binding(let b):
      checkBinding(b, stmt: s, kind: .local)
    case .assign(let target, let op, let value):
      checkAssign(target, op: op, value: value, stmt: s)
    case .function(let f):
      if !top { diags.error("functions can only be declared at the top level of a file", at: f.nameSpan) }
    case .model(let m):
      if !top { diags.error("models can only be declared at the top level of a file", at: m.nameSpan) }
    case .importModule(let name, let span):
      if !top { diags.error("'import' must be at the top level of a file", at: s.span) }
      else { _ = (name, span) }
    case .config(let fields):
      if !top || module != "main" { diags.error("'config' must be at the top level of the main program", at: s.span) }
      for f in fields {
        let t = resolveType(f.type)
        let vt = checkExpr(f.defaultValue)
        if !fits(f.defaultValue, vt, as: t) {
          diags.error("default value of type \(vt) does not match config field type \(t)", at: f.defaultValue.span)
        }
        if consts[f.defaultValue.id] == nil, vt != .error {
          diags.error("a config default must be a constant", at: f.defaultValue.span)
        }
        switch t {
        case .int, .float, .bool, .string, .error: break
        default: diags.error("config field '\(f.name)' must be Int, Float, Bool or String", at: f.type.span)
        }
        let c = consts[f.defaultValue.id]?.converted(to: t)
        let id = declare(f.name, kind: .config, mutable: false, type: t, span: f.span, constant: c)
        configFields.append(id)
        if let r = f.range { checkConfigRange(r, type: t, field: f, default: c, symbol: id) }
      }
    case .forLoop(let pattern, let seq, let body):
      let st = checkExpr(seq)
      let elem: ValueType
      switch st {
      case .range: elem = .int
      case .list(let t, _): elem = t
      case .tensor(let s): elem = .tensor(s.map { Array($0.dropFirst()) })
      case .intTensor(let s): elem = .intTensor(s.map { Array($0.dropFirst()) })
      case .error, .any: elem = st
      default:
        diags.error("cannot iterate over a value of type \(st)", at: seq.span,
                    notes: [Note("use a range like '0..<n', a list, or a tensor")])
        elem = .error
      }
      withScope {
        bindPattern(pattern, type: elem, mutable: false, kind: .local, introducer: nil)
        loopDepth += 1
        checkBlock(body, valueUsed: false)
        loopDepth -= 1
      }
    case .whileLoop(let cond, let body):
      expectBool(cond, "'while' condition")
      loopDepth += 1
      checkBlock(body, valueUsed: false)
      loopDepth -= 1
    case .breakLoop, .continueLoop:
      if loopDepth == 0 {
        let word = s.kind == .breakLoop ? "break" : "continue"
        diags.error(blockDepth > 0 && functionStack.isEmpty ? "'\(word)' cannot leave a gradient or eval block"
                    : "'\(word)' outside a loop", at: s.span)
      }
    case .returnValue(let e):
      guard let ctx = functionStack.last, ctx.model == nil || ctx.isMethod, blockDepth == 0 else {
        diags.error(blockDepth > 0 ? "'return' cannot be used inside a block passed to a call" : "'return' outside a function", at: s.span)
        if let e { checkExpr(e) }
        return .void
      }
      let t = e.map { checkExpr($0) } ?? .void
      if let r = ctx.result, !(e.map { fits($0, t, as: r) } ?? assignable(t, to: r)) {
        diags.error("cannot return a value of type \(t) from a function declared to return \(r)", at: e?.span ?? s.span)
      }
    }
    return .void
  }

  func expectBool(_ e: Expr, _ what: String) {
    let t = checkExpr(e)
    if t != .bool, !t.isLenient {
      diags.error("\(what) must be Bool, not \(t)", at: e.span)
    }
  }

  func checkBinding(_ b: Binding, stmt: Stmt, kind: SymbolKind) {
    if case .named("Any", nil, _)? = b.type, case .ifExpr = b.value.kind { joinsToAny = true }
    var t = checkExpr(b.value)
    if t == .void {
      diags.error("cannot bind the result of an expression that has no value", at: b.value.span)
      t = .error
    }
    if let te = b.type {
      let declared = resolveType(te)
      if !fits(b.value, t, as: declared) {
        diags.error("cannot bind a value of type \(t) to a name of type \(declared)", at: b.value.span)
      } else {
        t = refine(declared, with: t)
      }
    }
    if b.mutable, case .tensor = t, b.type == nil { t = .tensor(nil) }
    if b.mutable, case .intTensor = t, b.type == nil { t = .intTensor(nil) }
    if b.mutable, case .list(let e, _) = t { t = .list(e, count: nil) }
    let introducer = Span(file: stmt.span.file, start: stmt.span.start, end: stmt.span.start + 3)
    bindPattern(b.pattern, type: t, mutable: b.mutable, kind: kind, introducer: introducer,
                constant: b.mutable ? nil : consts[b.value.id]?.converted(to: t))
  }

  func bindPattern(_ p: Pattern, type: ValueType, mutable: Bool, kind: SymbolKind, introducer: Span?, constant: ConstValue? = nil) {
    switch p {
    case .name(let n, let span):
      _ = declare(n, kind: kind, mutable: mutable, type: type, span: span, constant: constant, introducer: introducer)
    case .wildcard(let span):
      bindings[span] = declare("_", kind: kind, mutable: mutable, type: type, span: span)
    case .tuple(let ps, let span):
      var elems: [ValueType]
      switch type {
      case .tuple(let ts) where ts.count == ps.count: elems = ts
      case .tuple(let ts):
        diags.error("cannot destructure a tuple of \(ts.count) values into \(ps.count) names", at: span)
        elems = Array(repeating: .error, count: ps.count)
      case .list(let t, let n):
        if let n, n != ps.count { diags.error("cannot destructure a list of \(n) values into \(ps.count) names", at: span) }
        elems = Array(repeating: t, count: ps.count)
      case .any, .error: elems = Array(repeating: type, count: ps.count)
      default:
        diags.error("cannot destructure a value of type \(type) into \(ps.count) names", at: span)
        elems = Array(repeating: .error, count: ps.count)
      }
      for (q, t) in zip(ps, elems) { bindPattern(q, type: t, mutable: mutable, kind: kind, introducer: introducer) }
    }
  }

  func checkAssign(_ target: Expr, op: BinaryOp?, value: Expr, stmt: Stmt) {
    if case .member(let base, let name, let nameSpan) = target.kind {
      checkParameterAssignment(target, base: base, name: name, nameSpan: nameSpan, op: op, value: value, stmt: stmt)
      return
    }
    var rootExpr = target
    var indexed = false
    while case .index(let base, let items) = rootExpr.kind {
      for item in items { checkIndexItem(item) }
      rootExpr = base
      indexed = true
    }
    guard case .name(let name) = rootExpr.kind else {
      checkExpr(target)
      checkExpr(value)
      diags.error("cannot assign to this expression", at: target.span,
                  notes: [Note("only variables and their elements (x, x[i]) can be assigned")])
      return
    }
    let vt = checkExpr(value)
    guard let id = lookup(name) else {
      reportUndefined(name, at: rootExpr.span)
      return
    }
    references[rootExpr.id] = id
    noteCapture(id)
    let sym = symbols[id]
    types[rootExpr.id] = sym.type
    if !sym.mutable {
      var fixes: [FixIt] = []
      if let intro = sym.introducerSpan, sym.kind == .local, files[intro.file].text(of: intro) == "let" {
        fixes.append(FixIt(span: intro, replacement: "var"))
      }
      let what: String
      switch sym.kind {
      case .local where environmentSymbols.contains(id): what = "'\(name)' was bound with 'let' in an earlier input"
      case .local where sym.introducerSpan == nil: what = "'\(name)' is a parameter or loop variable"
      case .local: what = "'\(name)' is a 'let' constant"
      case .field: what = "'\(name)' is a model field"
      case .config: what = "'\(name)' is a config value"
      default: what = "'\(name)' is not a variable"
      }
      diags.error("cannot assign to '\(name)': \(what)", at: rootExpr.span,
                  notes: sym.span == .none ? [] : [Note("'\(name)' is declared here", at: sym.span)], fixIts: fixes)
      return
    }
    if indexed {
      if case .index(let base, let items) = target.kind {
        if case .name = base.kind { checkElementAssignment(sym.type, items, target, value, vt) }
        types[target.id] = .any
      }
      checkListElementAssignment(listElement(of: target, root: sym.type), target, op: op, value: value, vt, stmt: stmt)
      return
    }
    var newType = vt
    if let op {
      newType = binaryType(op, sym.type, vt, opSpan: stmt.span, operands: (rootExpr, value)) ?? .error
    }
    if !(op == nil ? fits(value, vt, as: sym.type) : assignable(newType, to: sym.type)) {
      diags.error("cannot assign a value of type \(newType) to '\(name)' of type \(sym.type)", at: value.span)
    }
  }

  /// Whether `e` is a call of the builtin `param` (a model's free parameter).
  static func isParameterCall(_ e: Expr) -> Bool {
    guard case .call(let callee, _, _) = e.kind, case .name("param") = callee.kind else { return false }
    return true
  }

  /// Records that a top-level binding is used from inside a function or model.
  func noteCapture(_ id: Int) {
    if symbols[id].topLevel, !functionStack.isEmpty, symbols[id].kind == .local || symbols[id].kind == .config {
      capturedGlobals.insert(id)
    }
  }

  func reportUndefined(_ name: String, at span: Span) {
    if let m = functionStack.last?.model, functionStack.last?.isMethod == true,
       models[m]?.decl.methods.contains(where: { $0.name == name }) == true {
      diags.error("cannot find '\(name)' in scope", at: span,
                  notes: [Note("'\(name)' is a method of this model: call it on 'self'")],
                  fixIts: [FixIt(span: Span(file: span.file, start: span.start, end: span.start), replacement: "self.")])
      return
    }
    if NativeModule(rawValue: name) != nil {
      diags.error("cannot find '\(name)' in scope", at: span, notes: [Note("'\(name)' is a native module: add 'import \(name)' at the top of the file")])
      return
    }
    var notes: [Note] = []
    let candidates = scopes.flatMap { $0.keys } + Builtins.entries(of: nil).map(\.name)
    if let best = closest(name, in: candidates) { notes.append(Note("did you mean '\(best)'?")) }
    diags.error("cannot find '\(name)' in scope", at: span, notes: notes)
  }
}

extension Checker {
  /// A native module's builtin named without its module (`load_data(…)`): an error with the
  /// qualified name as the fix-it. Checking goes on as if it were qualified.
  func requireQualified(_ b: Builtin, at span: Span) {
    guard let m = b.module else { return }
    let imported = lookup(m.rawValue).map { if case .module = symbols[$0].kind { return true }; return false } ?? false
    diags.error("'\(b.name)' belongs to the native module '\(m.rawValue)': write '\(b.qualifiedName)'", at: span,
                notes: imported ? [] : [Note("and add 'import \(m.rawValue)' at the top of the file")],
                fixIts: [FixIt(span: span, replacement: b.qualifiedName)])
  }
}

/// The candidate nearest to `name` by edit distance, if it is close enough.
public func closest(_ name: String, in candidates: [String]) -> String? {
  func distance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    for i in 1...a.count {
      var cur = [i] + Array(repeating: 0, count: b.count)
      for j in 1...b.count {
        cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      prev = cur
    }
    return prev[b.count]
  }
  let a = Array(name)
  guard a.count <= 40 else { return nil }
  var best: (String, Int)?
  let limit = max(1, a.count / 3)
  for c in Set(candidates) where c != name && abs(c.utf8.count - name.utf8.count) <= limit {
    let d = distance(a, Array(c))
    guard d <= max(1, a.count / 3) else { continue }
    if let b = best, d > b.1 || (d == b.1 && c >= b.0) { continue }
    best = (c, d)
  }
  return best?.0
}

extension Checker {
  /// A config field's `in lo...hi`: constant bounds of the field's numeric type, in order,
  /// and a default inside them.
  func checkConfigRange(_ r: ConfigBounds, type t: ValueType, field f: ConfigField, default c: ConstValue?, symbol id: Int) {
    guard t == .int || t == .float else {
      if t != .error { diags.error("only Int and Float config fields take a range, not \(t)", at: r.span) }
      return
    }
    func bound(_ e: Expr?) -> ConstValue?? {
      guard let e else { return .some(nil) }
      let bt = checkExpr(e)
      guard let v = consts[e.id]?.converted(to: t), bt == .int || (bt == .float && t == .float) else {
        diags.error("a range bound of \(t == .int ? "an" : "a") \(t) field must be \(t == .int ? "an" : "a") \(t) constant", at: e.span)
        return nil
      }
      return .some(v)
    }
    guard let lo = bound(r.lower), let hi = bound(r.upper) else { return }
    let range = ConfigRange(lower: lo, upper: hi, closed: r.closed)
    if let lo, let hi, let a = ConfigRange.number(lo), let b = ConfigRange.number(hi), r.closed ? a > b : a >= b {
      diags.error("the range \(range) of config field '\(f.name)' is empty", at: r.span)
      return
    }
    if let c, !range.contains(c) {
      diags.error("the default \(c) of config field '\(f.name)' is outside its range \(range)", at: f.defaultValue.span)
    }
    configRanges[id] = range
  }
}
