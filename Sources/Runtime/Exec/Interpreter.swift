import Autodiff
import Formats
import Foundation
import IR
import Language
import RunOutput
import Tensor

/// Runs a lowered program op by op on real tensors (define-by-run).
///
/// One interpreter owns one run: its globals, random generator, configuration and the
/// tape of the gradient block being executed. Nothing is global, so runs (and the REPL's
/// sessions) never share mutable state.
public final class Interpreter {
  public let module: IRModule
  var functions: [String: Function] = [:]
  var models: [String: ModelInfoIR] = [:]
  var globals: [String: Value] = [:]
  /// `--set name=value` overrides of `config` fields, as text.
  public var configOverrides: [String: String]
  /// The program's random stream (model initialisation, bypass noise, `randn` without seed).
  public var rng: RNG
  /// The seed the run started from (kept in checkpoints).
  public let seed: UInt64
  /// Where `print` writes (stdout by default).
  public var output: (String) -> Void
  /// Where progress and logs go (stderr by default).
  public var log: (String) -> Void
  /// The folder relative paths of `save`/`load` resolve against.
  public var workingDirectory: URL
  /// The run's output folder (metrics, plots, checkpoints); created on first use.
  public var outputDirectory: URL?
  /// Told of each PNG the run writes (`plot_metrics`, `write_overlays`): the Jupyter kernel
  /// shows them.
  public var wroteImage: (URL) -> Void = { _ in }
  /// The run folder's metrics log, once the program has logged (see `runLog`).
  var openRunLog: RunLog?

  /// The tape of the innermost gradient block; a non-recording tape elsewhere.
  var tape = Tape(recording: false)
  /// Batch norm uses batch statistics (and updates running ones) while true.
  var training = false
  /// The frames of the calls in progress.
  let stack = ValueStack(maxDepth: Interpreter.defaultMaxCallDepth)
  /// Calls in progress.
  var depth: Int {
    get { stack.depth }
    set { stack.depth = newValue }
  }
  /// The value of the `return` being taken.
  var returnValue: Value {
    get { stack.returnValue }
    set { stack.returnValue = newValue }
  }
  /// Every user function, compiled on its first call.
  var compiledFunctions: [String: CompiledFunction] = [:]
  /// Whether word functions run as register code (WordMachine.swift); off, they run as
  /// closures like every other function (`DPL_WORD_TIER=0`; the tests compare the two).
  public var wordTier = ProcessInfo.processInfo.environment["DPL_WORD_TIER"] != "0"
  /// The module's word functions, compiled on the first call of one.
  lazy var wordMachine: WordMachine? = wordTier ? WordMachine(WordProgram(functions), self) : nil
  /// Check every tensor an op makes for NaN/Inf and stop at the first (`--detect-anomaly`).
  public var detectAnomaly = false
  /// Operations without gradient that tracked values entered while `minimize` recorded
  /// (the tape's sinks point here; see `checkBlockedParameters`).
  var sinkOps: [IR.Op] = []
  /// The `@bypass` calls whose bypassed inputs the innermost `check_grad` holds fixed (nil
  /// outside one, and under `bypass: "estimate"`).
  var heldBypasses: HeldBypasses?
  /// `check_grad` sites that have printed their note about held calls.
  var checkGradNoted: Set<Span> = []
  /// What the latest `check_grad` measured.
  public internal(set) var lastCheckGrad: CheckGradResult?
  /// The optimizer step being computed (for messages), inside `minimize`.
  var currentStep: Int?
  /// Set to stop a run from another thread (Ctrl-C in the REPL, SIGINT/SIGTERM in `dpl run`).
  public let cancelFlag = CancelFlag()
  public var cancelled: Bool {
    get { cancelFlag.isSet }
    set { cancelFlag.isSet = newValue }
  }
  /// The step count of the optimizer that took the latest step (for "interrupted after …").
  var lastStep: Int?
  /// `dpl run`, whose checkpoints can be resumed: once the program has called `resume(…)`,
  /// a stop request waits for its next `checkpoint(…)`, which writes the state and then
  /// ends the run with `RunStopped`; a `checkpoint(…)` without `resume(…)` is an error.
  /// Off elsewhere (the REPL, the Swift API): a stop request stops at the next op.
  public var stopsAtCheckpoint = false
  /// `dpl run --resume DIR`: the checkpoint `resume(…)` restores.
  public var resumeCheckpoint: RunCheckpoint.Found?
  /// Under `mpirun`/`srun`: the ranks whose gradients each optimizer step averages.
  public var dataParallel: DataParallel?
  /// The IR passes the program was compiled without (kept in run checkpoints).
  public var skippedPasses: [String] = []
  /// Set by `resume(…)`.
  var resumeCalled = false {
    didSet { cancelFlag.waitsForCheckpoint = stopsAtCheckpoint && resumeCalled }
  }
  /// Whether a stop request now waits for the program's next `checkpoint(…)`.
  public var defersStop: Bool { cancelFlag.waitsForCheckpoint }
  /// Nested calls allowed before a run stops with an error (`--max-call-depth`,
  /// `DPL_MAX_CALL_DEPTH`); the interpreter's thread has the stack for them.
  public var maxCallDepth: Int {
    get { stack.maxDepth }
    set { stack.maxDepth = newValue }
  }

  /// 10,000 nested calls, or `DPL_MAX_CALL_DEPTH` (at most 20,000: the stack's size).
  public static let defaultMaxCallDepth: Int = {
    let env = ProcessInfo.processInfo.environment["DPL_MAX_CALL_DEPTH"].flatMap { Int($0) }
    return min(max(env ?? 10_000, 1), maxCallDepthLimit)
  }()
  /// The entry a fused `relu(f(x))` applies after a call that is no layer.
  static let relu = Builtins.id("relu")
  /// The deepest limit the interpreter's stack holds (`LargeStack`).
  public static let maxCallDepthLimit = 20_000

  public init(module: IRModule, seed: UInt64 = 0, configOverrides: [String: String] = [:]) {
    self.module = module
    self.configOverrides = configOverrides
    self.rng = RNG(seed: seed)
    self.seed = seed
    self.output = { s in FileHandle.standardOutput.write(Data(s.utf8)) }
    self.log = { s in FileHandle.standardError.write(Data(s.utf8)) }
    self.workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    for f in module.functions {
      functions[f.name] = f
      compiledFunctions[f.name] = CompiledFunction(f, self)
    }
    for m in module.models { models[m.name] = m }
  }

  /// Runs `main` (on a thread with the stack for `maxCallDepth` nested calls).
  public func run() throws {
    guard let main = functions["main"] else { throw RuntimeError("the program has no main function", at: .none) }
    _ = try LargeStack.run { try call(main, args: [], site: main.span) }
  }

  /// Calls a top-level function by name after `run()` (benchmarks, the REPL): it sees the
  /// globals the run left.
  public func call(function name: String, _ args: [Value] = []) throws -> Value {
    guard let f = functions[name] else { throw RuntimeError("no function '\(name)'", at: .none) }
    return try LargeStack.run { try call(f, args: args, site: f.span) }
  }

  /// The run-time value of a constant.
  static func value(of c: ConstValue, type: ValueType) -> Value {
    switch c {
    case .int(let v): return .int(v)
    case .float(let v): return .float(v)
    case .bool(let v): return .bool(v)
    case .string(let s):
      switch type {  // functions, models and modules used as values are named constants
      case .function: return .function(s)
      case .builtin(let id): return .builtin(id)
      case .modelType: return .modelType(s)
      case .module: return .module(s)
      default: return .string(s)
      }
    case .list(let xs): return .list(xs.map { value(of: $0, type: .any) })
    case .none: return .none
    }
  }

  /// `value` with every tape link removed (`stop_gradient`).
  static func detached(_ value: Value) -> Value {
    switch value {
    case .tensor(let v, _): return .tensor(Var(constant: v.value), nil)
    case .intTensor(let t, _): return .intTensor(t, nil)
    case .list(let xs): return .list(xs.map(detached))
    case .tuple(let xs): return .tuple(xs.map(detached))
    default: return value
    }
  }

  func construct(_ name: String, args: [Value], site: Span) throws -> Value {
    guard let info = models[name], let initFn = functions[info.initFunction] else {
      throw RuntimeError("unknown model \(name)", at: site)
    }
    let m = ModelInstance(typeName: name)
    _ = try call(initFn, args: [.model(m)] + args, site: site)
    return .model(m)
  }

  /// Calls a value: a function, builtin, model (its `forward`), layer, or model type.
  func callValue(_ callee: Value, _ args: [Value], _ op: IR.Op) throws -> Value {
    switch callee {
    case .function(let name):
      guard let f = functions[name] else { throw RuntimeError("unknown function \(name)", at: op.span) }
      return try call(f, args: args, site: op.span)
    case .builtin(let id): return try callBuiltin(id, args, op)
    case .modelType(let name): return try construct(name, args: args, site: op.span)
    case .model(let m):
      guard let fname = models[m.typeName]?.methods["forward"], let f = functions[fname] else {
        throw RuntimeError("model \(m.typeName) has no forward method", at: op.span)
      }
      return try call(f, args: [callee] + args, site: op.span)
    case .method(let m, let name):
      guard let fname = models[m.typeName]?.methods[name], let f = functions[fname] else {
        throw RuntimeError("model \(m.typeName) has no method '\(name)'", at: op.span)
      }
      return try call(f, args: [.model(m)] + args, site: op.span)
    case .layer:
      guard args.count == 1 else { throw RuntimeError("a layer takes one argument", at: op.span) }
      return try applyLayer(callee, args[0], op)
    default: throw RuntimeError("\(callee.typeName) is not callable", at: op.span)
    }
  }

  func configValue(_ name: String, _ def: ConstValue, _ op: IR.Op) throws -> Value {
    guard let text = configOverrides[name] else { return Self.value(of: def, type: op.type) }
    let entry = module.configs.first { $0.name == name } ?? ConfigEntry(name: name, type: op.type, defaultValue: def)
    switch entry.parse(text) {
    case .success(let v): return Self.value(of: v, type: op.type)
    case .failure(let p): throw RuntimeError("--set \(name)=\(text): \(p.message)", at: op.span, exitCode: 64)
    }
  }
}
