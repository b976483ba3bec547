import Foundation

/// Settings of one compilation.
public struct CompileOptions: Sendable {
  /// Folders searched for `import NAME` (as `NAME.dpl`) after the importing file's folder.
  public var searchPaths: [String]
  /// Reads a file; the default reads from disk as UTF-8.
  public var readFile: @Sendable (String) -> String?
  /// Names defined before this compilation (the REPL's earlier bindings); see `EnvironmentBinding`.
  public var environment: [EnvironmentBinding] = []
  /// Makes every top-level `let`, `var` and `config` binding of the main program an IR
  /// global, so its value outlives the run (the REPL keeps it for the next input).
  public var exportTopLevel = false

  public init(searchPaths: [String] = [], readFile: (@Sendable (String) -> String?)? = nil) {
    self.searchPaths = searchPaths
    self.readFile = readFile ?? { path in try? SourceFile.read(path: path).get() }
  }

  /// The `stdlib` folder of the package that holds an executable: walks up from the
  /// executable's folder until a folder containing `stdlib/` is found.
  public static func stdlibPaths(nearExecutable path: String) -> [String] {
    var dir = URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<8 {
      let candidate = dir.appendingPathComponent("stdlib")
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue {
        return [candidate.path]
      }
      dir = dir.deletingLastPathComponent()
    }
    return []
  }
}

/// Everything the checker learnt about a program, keyed by AST node id; the input of the
/// IR lowering.
public struct CheckedProgram: Sendable {
  /// Modules in dependency order; the main program is last.
  public let modules: [SourceModule]
  public let files: [SourceFile]
  /// Type of every expression.
  public let types: [NodeID: ValueType]
  /// Compile-time value of constant expressions.
  public let constants: [NodeID: ConstValue]
  /// Every declared name, by id.
  public let symbols: [Symbol]
  /// Name (and `module.member`) expressions → symbol id.
  public let references: [NodeID: Int]
  /// Binding sites (pattern, parameter and declaration name spans) → symbol id.
  public let bindings: [Span: Int]
  /// Call expressions → what they call, with labels resolved.
  public let calls: [NodeID: CallTarget]
  public let functions: [String: FunctionInfo]
  public let models: [String: ModelInfo]
  /// Symbols of `config` fields, in order.
  public let configFields: [Int]
  /// The declared range of each config field that has one (symbol id → range).
  public let configRanges: [Int: ConfigRange]
  /// Top-level bindings read or written from inside functions or models.
  public let globals: Set<Int>
  /// `@bypass` expressions → their strategy and bypassed inputs.
  public let bypasses: [NodeID: BypassInfo]
  /// Expressions whose value is converted to this type where it is used: an Int where a
  /// Float is expected, or a list or tuple holding one (Checker+Conversions.swift).
  public let conversions: [NodeID: ValueType]
}

/// A compilation session: owns the source files, the parsed modules and the diagnostics.
/// Nothing is shared between sessions, so tests and the REPL can run many at once.
public final class Compilation {
  public let options: CompileOptions
  public private(set) var files: [SourceFile] = []
  public private(set) var diagnostics = DiagnosticEngine()
  /// Parsed modules in dependency order (imports before importers).
  public private(set) var modules: [SourceModule] = []
  var nextID: NodeID = 0
  var loadedPaths: [String: String] = [:]
  var loading: [String] = []
  /// Why the main program's file could not be read, when it could not.
  public private(set) var unreadableMain: SourceFile.ReadProblem?
  /// True when lexing or parsing reported an error (checking would only add cascades).
  public private(set) var hasSyntaxErrors = false

  public init(options: CompileOptions = CompileOptions()) {
    self.options = options
  }

  /// The number shown for the first line of the file at a path (default 1).
  public var firstLine: [String: Int] = [:]

  /// Adds a file to the file table (for diagnostics) and returns its id.
  /// - Parameter shownFirstLine: the number shown for its first line, when not `firstLine[path]`'s.
  public func addFile(path: String, text: String, shownFirstLine: Int? = nil) -> Int {
    var f = SourceFile(path: path, text: text)
    if let n = shownFirstLine ?? firstLine[path] { f.firstLine = n }
    files.append(f)
    return files.count - 1
  }

  /// Parses the program at `path` and, recursively, its imports.
  @discardableResult
  public func parse(path: String) -> SourceModule? {
    guard let text = options.readFile(path) else {
      let problem: SourceFile.ReadProblem
      if case .failure(let p) = SourceFile.read(path: path) { problem = p } else { problem = .missing }
      unreadableMain = problem
      diagnostics.error("cannot read '\(path)': \(problem)", at: .none)
      return nil
    }
    return parse(source: text, path: path)
  }

  /// Parses source text as the main program (its imports are read through `options`).
  @discardableResult
  public func parse(source: String, path: String) -> SourceModule? {
    parseModule(source: source, path: path, name: "main", isMain: true)
  }

  /// Parses several source texts, in order, as one main program — the REPL's earlier
  /// definitions followed by the new input. Each text keeps its own file (and spans), and
  /// its lines are numbered from `firstLine` when given (a definition cut out of a longer
  /// file or input keeps the numbers of its lines there).
  @discardableResult
  public func parse(chunks: [(path: String, text: String, firstLine: Int?)]) -> SourceModule? {
    var stmts: [Stmt] = []
    var fileID = -1
    for (path, text, first) in chunks {
      guard let m = parseModule(source: text, path: path, name: "main", isMain: true, firstLine: first) else { continue }
      modules.removeLast()
      stmts += m.stmts
      fileID = m.fileID
    }
    let main = SourceModule(name: "main", fileID: fileID, stmts: stmts)
    modules.append(main)
    return main
  }

  func parseModule(source: String, path: String, name: String, isMain: Bool, firstLine: Int? = nil) -> SourceModule? {
    let fileID = addFile(path: path, text: source, shownFirstLine: firstLine)
    let parser = Parser(file: files[fileID], fileID: fileID, firstID: nextID, diagnostics: diagnostics)
    let m = parser.parseModule(name: name)
    nextID = parser.nextID
    diagnostics = parser.diagnostics
    if diagnostics.hasErrors { hasSyntaxErrors = true }
    loading.append(path)
    defer { loading.removeLast() }
    for s in m.stmts {
      guard case .importModule(let importName, let span) = s.kind else { continue }
      resolveImport(importName, span: span, from: path)
    }
    modules.append(m)
    return m
  }

  func resolveImport(_ name: String, span: Span, from importer: String) {
    if NativeModule(rawValue: name) != nil { return }  // registered by the runtime, no file
    let dir = (importer as NSString).deletingLastPathComponent
    let candidates = [(dir.isEmpty ? "" : dir + "/") + name + ".dpl"] + options.searchPaths.map { $0 + "/" + name + ".dpl" }
    for path in candidates {
      let key = (path as NSString).standardizingPath
      if loading.contains(where: { ($0 as NSString).standardizingPath == key }) {
        diagnostics.error("import cycle: '\(name)' imports itself through " +
                          loading.map { ($0 as NSString).lastPathComponent }.joined(separator: " → "), at: span)
        return
      }
      if let loadedName = loadedPaths[key] {
        if loadedName != name { diagnostics.error("module '\(name)' was already loaded under another name", at: span) }
        return
      }
      guard let text = options.readFile(path) else { continue }
      loadedPaths[key] = name
      if modules.contains(where: { $0.name == name }) {
        diagnostics.error("two different modules are named '\(name)'", at: span)
        return
      }
      _ = parseModule(source: text, path: path, name: name, isMain: false)
      return
    }
    diagnostics.error("cannot find module '\(name)'", at: span,
                      notes: [Note("looked for " + candidates.joined(separator: ", "))])
  }

  /// Checks the parsed modules: names, types, shapes, activity. Returns nil when any
  /// error was reported (read `diagnostics`). Does nothing after syntax errors.
  public func check() -> CheckedProgram? {
    if hasSyntaxErrors { return nil }
    let program = analyze()
    return diagnostics.hasErrors ? nil : program
  }

  /// Checks the parsed modules and returns what the checker learnt even when it reported
  /// errors — for tools that answer questions about a program being edited (the language
  /// server's hover and completion). After syntax errors the checker still runs on what
  /// parsed, but its diagnostics are dropped (they would be cascades), so `diagnostics`
  /// holds exactly what `check()` reports.
  public func analyze() -> CheckedProgram {
    let checker = Checker(files: files, diagnostics: diagnostics)
    checker.environment = options.environment
    checker.exportTopLevel = options.exportTopLevel
    for (i, m) in modules.enumerated() {
      checker.checkModule(m, isMain: i == modules.count - 1)
    }
    if !hasSyntaxErrors { diagnostics = checker.diags }
    return CheckedProgram(modules: modules, files: files, types: checker.types, constants: checker.consts,
                          symbols: checker.symbols, references: checker.references, bindings: checker.bindings,
                          calls: checker.calls, functions: checker.functions, models: checker.models,
                          configFields: checker.configFields, configRanges: checker.configRanges, globals: checker.capturedGlobals,
                          bypasses: checker.bypasses, conversions: checker.conversions)
  }

  /// Renders all diagnostics as the CLI prints them.
  public func renderDiagnostics() -> String { diagnostics.render(files: files) }
}

extension Compilation {
  /// Records diagnostics found after checking (the gradient diagnostics on the IR).
  public func report(_ found: [Diagnostic]) {
    for d in found { diagnostics.emit(d) }
  }

  /// Records an internal compiler error (a broken IR invariant) as a diagnostic.
  public func reportInternal(_ message: String) {
    diagnostics.error("internal compiler error: \(message)", at: .none)
  }
}
