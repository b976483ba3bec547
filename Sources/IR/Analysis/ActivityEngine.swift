import Language

/// The activity dataflow on the IR (DESIGN.md "Execution"): which values depend on which
/// sources of gradient, differentiably or only through operations without gradient, and
/// which values may hold parameters. It is an abstract interpretation of the structured IR:
/// `var` cells are followed flow-sensitively, loops are iterated until their state stops
/// changing, branches are joined, and calls use summaries memoised per (function,
/// arguments), iterated with the globals until nothing changes. Everything that asks about
/// activity reads it: the gradient diagnostics (`ActivityCheck`) and the tape marking.
final class ActivityEngine {
  let module: IRModule
  let functions: [String: Function]
  /// Per model, the fields that hold a `param` tensor.
  let parameterFields: [String: Set<String>]
  /// Marking: every function is also analysed on its own, its parameters and the globals
  /// it reads assumed active (it may be called from any gradient block).
  let marking: Bool
  /// Checking: the function whose gradient ops are checked; each seeds its own sources.
  let target: String?

  /// What each global may hold (flow-insensitive: any write joins in).
  var globals: [String: Act] = [:]
  var summaries: [SummaryKey: Act] = [:]
  /// Summaries computed in this round, and those being computed.
  var computed: Set<SummaryKey> = []
  var inProgress: Set<SummaryKey> = []
  /// Summaries and globals read before they were final in this round.
  var staleSummaries: Set<SummaryKey> = []
  var globalsRead: Set<String> = []
  /// Another round is needed: something read this round grew after it was read.
  var changed = false
  /// Probing a bypassed call with stand-in sources: no writes to globals, no marks, no
  /// diagnostics.
  var probing = 0
  /// Results that may be active, per function (the tape marking's answer).
  var active: [String: Set<ValueID>] = [:]
  /// What each checked gradient op (by result value) found: its loss, its inputs as given
  /// (a `check_grad` field's model) and, for `minimize`, the optimizer.
  var found: [ValueID: (loss: Act, inputs: [Act], optimizer: Act)] = [:]
  /// Diagnostics found on the way (unbypassed arguments of `@bypass` calls).
  var diagnostics = DiagnosticEngine()
  private var types: [String: [ValueID: ValueType]] = [:]
  private var defs: [String: [ValueID: Op]] = [:]

  struct SummaryKey: Hashable {
    var function: String
    var arguments: [Act]
    var parametersActive: Bool
  }

  init(module: IRModule, marking: Bool, target: String? = nil, globals: [String: Act] = [:]) {
    self.module = module
    self.marking = marking
    self.target = target
    self.globals = globals
    var fs: [String: Function] = [:]
    for f in module.functions { fs[f.name] = f }
    functions = fs
    var fields: [String: Set<String>] = [:]
    for m in module.models {
      guard let f = fs[m.initFunction] else { continue }
      var made: Set<ValueID> = []
      f.body.forEachOp { op in
        if case .builtin(let id) = op.kind, id.name == "param", let r = op.result { made.insert(r) }
        if case .fieldSet(let name) = op.kind, op.operands.count == 2, made.contains(op.operands[1]) {
          fields[m.name, default: []].insert(name)
        }
      }
    }
    parameterFields = fields
  }

  /// The types of a function's values, region parameters included.
  func types(of f: Function) -> [ValueID: ValueType] {
    if let t = types[f.name] { return t }
    var t = f.valueTypes()
    f.body.forEachOp { op in
      for r in op.regions {
        for (i, p) in r.params.enumerated() {
          switch op.kind {
          case .forEach:
            if case .list(let e, _)? = t[op.operands[0]] { t[p] = e } else { t[p] = t[op.operands[0]] == .range ? .int : .any }
          default:
            t[p] = i < op.operands.count ? t[op.operands[i]] : .any
          }
        }
      }
    }
    types[f.name] = t
    return t
  }

  /// The op that defines each value of a function.
  func definitions(of f: Function) -> [ValueID: Op] {
    if let d = defs[f.name] { return d }
    var d: [ValueID: Op] = [:]
    f.body.forEachOp { op in if let r = op.result { d[r] = op } }
    defs[f.name] = d
    return d
  }

  /// Runs `body` in rounds until no summary or global read in a round grew after it was
  /// read (at most 50 rounds; each round only adds to what the last one found).
  func rounds(_ body: () -> Void) {
    for _ in 0..<50 {
      computed = []
      staleSummaries = []
      globalsRead = []
      changed = false
      body()
      if !changed { return }
    }
  }

  /// Analyses function `f` from its start; `arguments` are its parameters' values.
  @discardableResult
  func walk(_ f: Function, arguments: [Act], parametersActive: Bool) -> Act {
    let w = Walk(engine: self, function: f, parametersActive: parametersActive)
    for (p, a) in zip(f.body.params, arguments) { w.vals[p] = a }
    let (y, _) = w.region(f.body, [:])
    return y.join(w.returned ?? .empty)
  }

  /// The value of a call of `name` with `arguments` (findings in the arguments dropped: the
  /// caller adds them back), memoised per round.
  func summary(_ name: String, _ arguments: [Act], parametersActive: Bool) -> Act {
    guard let f = functions[name] else {
      return arguments.reduce(Act.empty) { $0.join(Act(flows: $1.flows.mapValues(\.plain))) }
    }
    let key = SummaryKey(function: name, arguments: arguments.map(\.plain), parametersActive: parametersActive)
    if computed.contains(key) { return summaries[key] ?? .empty }
    if inProgress.contains(key) {
      staleSummaries.insert(key)
      return summaries[key] ?? .empty
    }
    inProgress.insert(key)
    let r = walk(f, arguments: key.arguments, parametersActive: parametersActive)
    inProgress.remove(key)
    computed.insert(key)
    let old = summaries[key] ?? .empty
    let new = old.join(r)
    if new != old, staleSummaries.contains(key) { changed = true }
    summaries[key] = new
    return new
  }

  func readGlobal(_ name: String) -> Act {
    globalsRead.insert(name)
    return globals[name] ?? .empty
  }

  func writeGlobal(_ name: String, _ a: Act) {
    guard probing == 0 else { return }
    let old = globals[name] ?? .empty
    let new = old.join(Act(flows: a.flows.mapValues(\.plain), holders: a.holders))
    if new != old {
      globals[name] = new
      if globalsRead.contains(name) { changed = true }
    }
  }

  func markActive(_ function: String, _ v: ValueID) {
    guard probing == 0 else { return }
    active[function, default: []].insert(v)
  }

  func isTarget(_ function: String, _ v: ValueID?) -> Bool { v != nil && target == function }
}

extension ActivityEngine {
  /// The globals' holders as `main` leaves them (which model a global names), the starting
  /// point of every check.
  static func globalHolders(_ module: IRModule) -> [String: Act] {
    guard let main = module.function(named: "main") else { return [:] }
    let e = ActivityEngine(module: module, marking: false)
    e.rounds { e.walk(main, arguments: [], parametersActive: false) }
    return e.globals
  }
}
