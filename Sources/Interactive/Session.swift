import Autodiff
import Formats
import Foundation
import IR
import Language
import Runtime
import Tensor

/// An interactive session: inputs are compiled and run one at a time, and every input
/// sees what the earlier ones defined.
///
/// Two kinds of state carry over (see `docs/repl.md`):
/// - **definitions** (`fn`, `model`, `import`) are kept as source text and compiled again
///   in front of every new input, so calls, methods and module members resolve as in a file;
/// - **bindings** (`let`, `var`, `config` fields) are kept as values with their static
///   types. The checker receives them as an environment (`CompileOptions.environment`) and
///   lowering turns their uses into IR globals, whose values the new interpreter is given.
///
/// Nothing is global: two sessions never share state.
public final class Session {
  /// A top-level binding that outlives its input.
  public struct Binding {
    public var type: ValueType
    public var mutable: Bool
    public var value: Value
  }

  /// A definition kept as source: `fn f`, `model M` or `import m`.
  struct Definition {
    var kind: String
    var name: String
    var path: String
    var text: String
    /// The line the definition starts on in its file or input, so diagnostics that point
    /// into it show the line as it was written.
    var line = 1

    /// The definition's head: `fn f(x: Tensor) -> Tensor`, `model Mlp(n: Int)`, `import nn`.
    var signature: String {
      let head = text.prefix { $0 != "{" && $0 != "\n" }
      return head.trimmingCharacters(in: .whitespaces)
    }
  }

  /// What running one input gave.
  public enum Outcome {
    /// The value of the input's last expression, with its static type.
    case value(Value, ValueType)
    /// The input defined or changed these names (and had no value to show).
    case defined([String])
    case nothing
    /// A rendered diagnostic (compile or run time).
    case failure(String)
  }

  var options: CompileOptions
  var definitions: [Definition] = []
  /// Bindings by name, and the order they were made in.
  public private(set) var bindings: [String: Binding] = [:]
  var bindingOrder: [String] = []
  /// The random stream, carried from one input to the next.
  var rng: RNG
  /// Where `print` writes.
  public var output: (String) -> Void = { s in FileHandle.standardOutput.write(Data(s.utf8)) }
  /// Where progress and logs go.
  public var log: (String) -> Void = { s in FileHandle.standardError.write(Data(s.utf8)) }
  /// Told of each PNG an input writes (plots, overlays).
  public var wroteImage: (URL) -> Void = { _ in }
  /// The interpreter of the input being run (for `cancel()`).
  var current: Interpreter?
  private let lock = NSLock()
  /// Inputs run so far; names the input files (`<repl>` keeps diagnostics short).
  var inputCount = 0
  /// The tape of the last `:grad`, `:check` or `:compare`.
  public internal(set) var lastTape: TapeReport?

  public init(options: CompileOptions = CompileOptions(), seed: UInt64 = 0) {
    self.options = options
    self.rng = RNG(seed: seed)
  }

  /// Forgets every definition and binding.
  public func reset(seed: UInt64 = 0) {
    definitions = []
    bindings = [:]
    bindingOrder = []
    rng = RNG(seed: seed)
    lastTape = nil
  }

  /// Set by `cancel()` until `clearCancel()`: every interpreter started meanwhile stops too.
  var cancelRequested = false

  /// Stops the input being run (from another thread: Ctrl-C).
  public func cancel() {
    lock.lock()
    cancelRequested = true
    current?.cancelled = true
    lock.unlock()
  }

  /// Forgets an earlier `cancel()` (before the next input).
  public func clearCancel() {
    lock.lock()
    cancelRequested = false
    lock.unlock()
  }

  func setCurrent(_ i: Interpreter?) {
    lock.lock()
    current = i
    if let i { i.cancelled = cancelRequested }
    lock.unlock()
  }

  /// Names in scope: bindings, definitions (and `module.member` for imports), for completion.
  public var namesInScope: [String] {
    var names = bindingOrder
    for d in definitions { names.append(d.name) }
    return names
  }

  /// Names a binding or definition, in the order they were made: a definition with its
  /// signature, a binding with its static type.
  public var summary: [(String, String)] {
    var rows = definitions.map { ($0.name, $0.signature) }
    for n in bindingOrder where n != Self.lastValueName { if let b = bindings[n] { rows.append((n, b.type.description)) } }
    return rows
  }

  /// The signature of a definition named `name` (`fn f(x: Tensor) -> Tensor`), if any.
  public func signature(of name: String) -> String? {
    definitions.last { $0.name == name }?.signature
  }

  /// `_`: the value of the last input that had one.
  public static let lastValueName = "_"

  // MARK: Compiling

  /// A compiled input: the module, the checked program, the compilation (for diagnostics)
  /// and the id of the input's own file.
  struct Compiled {
    var module: IRModule
    var program: CheckedProgram
    var compilation: Compilation
    var inputFile: Int
  }

  /// Whether `text` compiles as an input of this session (nothing runs).
  public func compiles(_ text: String) -> Bool {
    if case .success = compile(text) { return true }
    return false
  }

  /// Compiles `text` after the session's definitions (and `extra` definitions), with the
  /// session's bindings (and `extraBindings`) as the environment.
  /// - Parameter replacing: definitions left out because the input defines them anew.
  func compile(_ text: String, path: String = "<repl>", extra: [(path: String, text: String)] = [],
               extraBindings: [EnvironmentBinding] = [], replacing: Set<String> = [],
               returningLastValue: Bool = true, firstLine: Int = 1) -> Result<Compiled, SessionError> {
    var opts = options
    opts.environment = bindingOrder.compactMap { n in bindings[n].map { EnvironmentBinding(name: n, type: $0.type, mutable: $0.mutable) } } + extraBindings
    opts.exportTopLevel = true
    let c = Compilation(options: opts)
    c.firstLine[path] = firstLine
    let kept = definitions.filter { !replacing.contains($0.name) }
    c.parse(chunks: kept.map { ($0.path, $0.text, $0.line) } + extra.map { ($0.path, $0.text, nil) } + [(path, text, nil)])
    let inputFile = c.files.lastIndex { $0.path == path } ?? c.files.count - 1
    guard let program = c.check(), let lowered = c.lower(program, returningLastValue: returningLastValue) else {
      return .failure(SessionError(c.renderDiagnostics()))
    }
    do {
      let m = try Pipeline.run(lowered)
      return .success(Compiled(module: m, program: program, compilation: c, inputFile: inputFile))
    } catch {
      c.reportInternal("\(error)")
      return .failure(SessionError(c.renderDiagnostics()))
    }
  }

  /// A fresh interpreter for a compiled input, holding the session's bindings as globals.
  func interpreter(for compiled: Compiled, extraGlobals: [String: Value] = [:]) -> Interpreter {
    let i = Interpreter(module: compiled.module)
    i.rng = rng
    i.output = output
    i.log = log
    i.wroteImage = wroteImage
    var values: [String: Value] = extraGlobals
    for (n, b) in bindings { values[n] = b.value }
    i.installGlobals(values)
    return i
  }

  // MARK: Running an input

  /// Compiles and runs one input (statements, definitions, or an expression).
  public func run(_ text: String, path: String = "<repl>") -> Outcome {
    inputCount += 1
    let compiled: Compiled
    switch compile(text, path: path, replacing: Self.declaredNames(text, path: path)) {
    case .failure(let e): return .failure(e.text)
    case .success(let c): compiled = c
    }
    let newDefinitions = definitionsOf(compiled)
    let i = interpreter(for: compiled)
    setCurrent(i)
    defer { setCurrent(nil) }
    var result: Value = .void
    var failure: String?
    do {
      result = try i.runMain()
    } catch let e as RuntimeError {
      failure = e.render(files: compiled.module.files)
    } catch {
      failure = "error: \(error)\n"
    }
    rng = i.rng
    // Definitions are declarative: they stay even when running the input failed.
    for d in newDefinitions { define(d) }
    let changed = collectBindings(compiled, i)
    if let failure { return .failure(failure) }
    if let main = compiled.module.function(named: "main"), main.resultType != .void {
      setLastValue(result, main.resultType)
      return .value(result, main.resultType)
    }
    let names = newDefinitions.map(\.name) + changed
    return names.isEmpty ? .nothing : .defined(names)
  }

  /// Names of the functions, models and modules `text` declares (it redefines them).
  static func declaredNames(_ text: String, path: String) -> Set<String> {
    let c = Compilation(options: CompileOptions(readFile: { _ in "" }))
    guard let m = c.parse(source: text, path: path) else { return [] }
    var names: Set<String> = []
    for s in m.stmts {
      switch s.kind {
      case .function(let f): names.insert(f.name)
      case .model(let md): names.insert(md.name)
      case .importModule(let name, _): names.insert(name)
      default: break
      }
    }
    return names
  }

  /// The `fn`, `model` and `import` statements of the input, as source text.
  func definitionsOf(_ c: Compiled) -> [Definition] {
    guard let main = c.program.modules.last else { return [] }
    let file = c.compilation.files[c.inputFile]
    var out: [Definition] = []
    for s in main.stmts where s.span.file == c.inputFile {
      let text = file.text(of: s.span), line = file.location(of: s.span.start).line
      switch s.kind {
      case .function(let f): out.append(Definition(kind: "fn", name: f.name, path: file.path, text: text, line: line))
      case .model(let m): out.append(Definition(kind: "model", name: m.name, path: file.path, text: text, line: line))
      case .importModule(let name, _): out.append(Definition(kind: "module", name: name, path: file.path, text: text, line: line))
      default: break
      }
    }
    return out
  }

  /// Adds a definition, replacing an earlier one of the same name (and a binding it shadows).
  func define(_ d: Definition) {
    definitions.removeAll { $0.name == d.name }
    definitions.append(d)
    if bindings.removeValue(forKey: d.name) != nil { bindingOrder.removeAll { $0 == d.name } }
  }

  /// Reads back the values of the input's top-level bindings (and of earlier `var`s it
  /// assigned) from the interpreter's globals. Returns the names it defined.
  func collectBindings(_ c: Compiled, _ i: Interpreter) -> [String] {
    let globalNames = Lowering.globalNames(c.program)
    var latest: [String: Int] = [:]
    for s in c.program.symbols where s.topLevel && (s.kind == .local || s.kind == .config) {
      if s.span == .none {
        // An earlier binding (the environment): a `var` may have been assigned.
        if bindings[s.name]?.mutable == true, let g = globalNames[s.id], let v = i.global(g) { bindings[s.name]?.value = v }
      } else if s.span.file == c.inputFile, s.name != "_" {
        latest[s.name] = s.id
      }
    }
    var defined: [String] = []
    for (name, id) in latest.sorted(by: { $0.value < $1.value }) {
      guard let g = globalNames[id], let v = i.global(g) else { continue }
      let s = c.program.symbols[id]
      if bindings[name] == nil { bindingOrder.append(name) }
      bindings[name] = Binding(type: s.type, mutable: s.mutable, value: v)
      definitions.removeAll { $0.name == name }
      defined.append(name)
    }
    return defined
  }
}

/// A rendered diagnostic from a session operation.
public struct SessionError: Error {
  public var text: String
  public init(_ text: String) { self.text = text.hasSuffix("\n") || text.isEmpty ? text : text + "\n" }
}

extension Session {
  /// Binds `_` to an input's value, so the next input can use it.
  func setLastValue(_ v: Value, _ type: ValueType) {
    let name = Self.lastValueName
    if bindings[name] == nil { bindingOrder.append(name) }
    bindings[name] = Binding(type: type, mutable: false, value: v)
  }
}

extension Session {
  /// The members of `base` for completion, as the language server lists them
  /// (`CheckedProgram.members(of:)`): a model binding's fields and methods, a module's
  /// functions and models, a tuple's `.0`, `.1`, …, a tensor's `shape` and `rank`, …
  public func members(of base: String) -> [String] {
    let type: ValueType
    if let b = bindings[base] {
      type = b.type
    } else if definitions.contains(where: { $0.kind == "module" && $0.name == base }) {
      type = .module(base)
    } else {
      return []
    }
    guard case .success(let c) = compile("()") else { return [] }
    return c.program.members(of: type).map(\.name)
  }
}
