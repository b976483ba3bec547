/// The result type of one call of a user function, its body checked again with the
/// arguments' types: `fn f(x: Tensor) -> Tensor { round(x[:, 0:2]) }` called on a
/// `Tensor[4, 3]` returns a `Tensor[4, 2]` here, though its declared result has no shape.
/// Rules that compare a call's input and output shapes (`ste`'s) use it, so a mismatch is a
/// compile-time error wherever the shapes are known, not only for builtins.
extension Checker {
  /// Everything a check of a function body may change, saved before a specialised check and
  /// put back after it: that check leaves no trace (no diagnostics, no side-table entries).
  struct SavedState {
    var diags: DiagnosticEngine
    var types: [NodeID: ValueType]
    var consts: [NodeID: ConstValue]
    var symbols: [Symbol]
    var references: [NodeID: Int]
    var bindings: [Span: Int]
    var calls: [NodeID: CallTarget]
    var functions: [String: FunctionInfo]
    var models: [String: ModelInfo]
    var capturedGlobals: Set<Int>
    var bypasses: [NodeID: BypassInfo]
    var parameterFieldCalls: Set<NodeID>
    var conversions: [NodeID: ValueType]
    var scopes: [[String: Int]]
    var module: String
    var functionStack: [FunctionContext]
    var loopDepth: Int
    var blockDepth: Int
    var checkingFunctions: Set<String>
    var checkedFunctions: Set<String>
    var joinsToAny: Bool

    init(_ c: Checker) {
      (diags, types, consts, symbols, references, bindings) = (c.diags, c.types, c.consts, c.symbols, c.references, c.bindings)
      (calls, functions, models, capturedGlobals, bypasses) = (c.calls, c.functions, c.models, c.capturedGlobals, c.bypasses)
      (parameterFieldCalls, conversions, scopes, module, functionStack) = (c.parameterFieldCalls, c.conversions, c.scopes, c.module, c.functionStack)
      (loopDepth, blockDepth, checkingFunctions, checkedFunctions, joinsToAny) =
        (c.loopDepth, c.blockDepth, c.checkingFunctions, c.checkedFunctions, c.joinsToAny)
    }

    func restore(_ c: Checker) {
      (c.diags, c.types, c.consts, c.symbols, c.references, c.bindings) = (diags, types, consts, symbols, references, bindings)
      (c.calls, c.functions, c.models, c.capturedGlobals, c.bypasses) = (calls, functions, models, capturedGlobals, bypasses)
      (c.parameterFieldCalls, c.conversions, c.scopes, c.module, c.functionStack) = (parameterFieldCalls, conversions, scopes, module, functionStack)
      (c.loopDepth, c.blockDepth, c.checkingFunctions, c.checkedFunctions, c.joinsToAny) =
        (loopDepth, blockDepth, checkingFunctions, checkedFunctions, joinsToAny)
    }
  }

  /// The type the user function called by `call` returns for its arguments' types: its
  /// body checked with each parameter's declared type refined by its argument's. Nil for
  /// other calls, when the body does not check so, or inside another specialisation.
  func specializedResult(of call: Expr) -> ValueType? {
    guard specializing == 0, case .call(_, let args, _) = call.kind, case .function(let q, let sources)? = calls[call.id],
          let info = functions[q], info.model == nil, !checkingFunctions.contains(q) else { return nil }
    let saved = SavedState(self)
    specializing += 1
    defer {
      saved.restore(self)
      specializing -= 1
    }
    diags = DiagnosticEngine()
    module = info.module
    scopes = [moduleScope(info.module) ?? scopes[0], [:]]
    loopDepth = 0
    blockDepth = 0
    functionStack.append(FunctionContext(name: q, result: info.result, model: nil, isMethod: false, savedScopes: [], savedLoopDepth: 0))
    checkingFunctions.insert(q)
    for (i, p) in info.decl.params.enumerated() {
      var t = i < info.paramTypes.count ? info.paramTypes[i] : .any
      if i < sources.count, case .arg(let a) = sources[i], a < args.count, let given = types[args[a].value.id] {
        t = refine(t, with: given)
      }
      _ = declare(p.name, kind: .local, mutable: false, type: t, span: p.span)
    }
    let t = checkBlock(info.decl.body, valueUsed: info.result != .void)
    return diags.hasErrors ? nil : t
  }

  /// Whether a shape is known to the last dimension.
  static func isKnown(_ s: [Dim]?) -> Bool {
    guard let s else { return false }
    return s.allSatisfy { $0.value != nil }
  }
}
