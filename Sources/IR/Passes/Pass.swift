import Language

/// A transformation of a module, registered in `Pipeline.passes`.
public struct Pass: Sendable {
  public let name: String
  public let summary: String
  /// Passes that must appear earlier in the pipeline.
  public let requires: [String]
  let body: @Sendable (inout IRModule) -> Void

  public init(name: String, summary: String, requires: [String] = [], run: @escaping @Sendable (inout IRModule) -> Void) {
    self.name = name
    self.summary = summary
    self.requires = requires
    self.body = run
  }

  /// Runs the pass on a module.
  public func run(_ m: inout IRModule) { body(&m) }
}

/// The pass pipeline as data: the order below is the order they run.
public enum Pipeline {
  public static let passes: [Pass] = {
    let list = [
    Pass(name: "inline", summary: "inline calls to small, non-recursive user functions", run: { Inliner.run(&$0) }),
    Pass(name: "fold", summary: "fold constant arithmetic and branches on constants", run: { ConstantFolding.run(&$0) }),
    Pass(name: "cse", summary: "merge identical pure ops", requires: ["fold"], run: { CommonSubexpressions.run(&$0) }),
    Pass(name: "dce", summary: "remove pure ops whose values are unused", requires: ["cse"], run: { DeadCode.run(&$0) }),
    Pass(name: "fuse", summary: "fuse relu(layer(x)) into one op when the layer's output has no other use", requires: ["dce"], run: { Fusion.run(&$0) }),
    Pass(name: "tape", summary: "mark ops that must be recorded on the tape", requires: ["dce"], run: { TapeMarking.run(&$0) }),
    ]
    // As in Go's SSA pass list, an order that breaks a requirement stops at start-up.
    if let problem = orderProblem(list) { preconditionFailure(problem) }
    return list
  }()

  /// Names of the passes, in order.
  public static var names: [String] { passes.map(\.name) }

  /// Checks that every pass's requirements come before it; returns a message if not.
  public static func orderProblem(_ list: [Pass] = passes) -> String? {
    var seen: Set<String> = []
    for p in list {
      for r in p.requires where !seen.contains(r) { return "pass '\(p.name)' must run after '\(r)'" }
      if seen.contains(p.name) { return "pass '\(p.name)' is listed twice" }
      seen.insert(p.name)
    }
    return nil
  }

  #if DEBUG
  /// Debug builds verify the IR after every pass.
  public static let verifyByDefault = true
  #else
  public static let verifyByDefault = false
  #endif

  /// Passes that must always run: the executor relies on them (`tape` sets `record`).
  public static let required: Set<String> = ["tape"]

  /// Names of the passes that `skipping:` may leave out (every pass but `required`).
  public static var skippable: [String] { names.filter { !required.contains($0) } }

  /// Runs the pipeline, stopping after the pass named `after` (`"lower"` or nil for none
  /// vs. all: `after: nil` runs every pass; `after: "lower"` runs none).
  /// - Parameter skipping: passes to leave out (to compare a program's results with and
  ///   without them, as the differential fuzzer does); a name that is not skippable throws
  ///   `PipelineError`.
  public static func run(_ module: IRModule, after: String? = nil, verify: Bool = verifyByDefault,
                         skipping: Set<String> = []) throws -> IRModule {
    for name in skipping.sorted() where !skippable.contains(name) {
      throw PipelineError(message: required.contains(name)
        ? "pass '\(name)' cannot be skipped" : "unknown pass '\(name)'; passes are: " + names.joined(separator: ", "))
    }
    var m = module
    if verify { try Verifier.verify(m) }
    if after == "lower" { return m }
    for p in passes {
      if !skipping.contains(p.name) {
        p.run(&m)
        if verify {
          do { try Verifier.verify(m) } catch let e as VerifierError {
            throw VerifierError(function: e.function, message: "after pass '\(p.name)': " + e.message)
          }
        }
      }
      if p.name == after { break }
    }
    return m
  }
}

extension Pipeline {
  /// Runs the pipeline once per skip set (as `run(_:verify:skipping:)` would), sharing the
  /// work of common prefixes: the settings of a differential test differ in one pass each.
  /// With `verify`, the input and each setting's result are verified.
  public static func run(_ module: IRModule, verify: Bool = verifyByDefault,
                         settings: [Set<String>]) throws -> [IRModule] {
    for skipping in settings {
      for name in skipping.sorted() where !skippable.contains(name) {
        throw PipelineError(message: required.contains(name) ? "pass '\(name)' cannot be skipped" : "unknown pass '\(name)'")
      }
    }
    if verify { try Verifier.verify(module) }
    var done: [[String]: IRModule] = [[]: module]
    return try settings.map { skipping in
      let chosen = passes.filter { !skipping.contains($0.name) }
      var k = chosen.count
      while done[chosen.prefix(k).map(\.name)] == nil { k -= 1 }
      var m = done[chosen.prefix(k).map(\.name)] ?? module
      for i in k..<chosen.count {
        chosen[i].run(&m)
        done[chosen.prefix(i + 1).map(\.name)] = m
      }
      if verify {
        do { try Verifier.verify(m) } catch let e as VerifierError {
          throw VerifierError(function: e.function, message: "after passes \(chosen.map(\.name).joined(separator: ", ")): " + e.message)
        }
      }
      return m
    }
  }
}

/// A request the pipeline cannot honour (skipping a required or unknown pass).
public struct PipelineError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public var description: String { message }
}

/// Checked AST → lowered, optimised, tape-marked IR in one call.
public enum Compiler {
  /// Parses, checks and lowers the program at `path`, then runs the pipeline.
  /// - Returns: the module, or nil when there were errors (see `compilation.diagnostics`).
  /// - Parameter skipping: passes to leave out (`Pipeline.skippable`).
  public static func compile(path: String, options: CompileOptions = CompileOptions(), after: String? = nil,
                             skipping: Set<String> = []) -> (IRModule?, Compilation) {
    let c = Compilation(options: options)
    c.parse(path: path)
    return (finish(c, after: after, skipping: skipping), c)
  }

  /// Same as `compile(path:)` for source text.
  public static func compile(source: String, path: String = "<input>", options: CompileOptions = CompileOptions(),
                             after: String? = nil, skipping: Set<String> = []) -> (IRModule?, Compilation) {
    let c = Compilation(options: options)
    c.parse(source: source, path: path)
    return (finish(c, after: after, skipping: skipping), c)
  }

  static func finish(_ c: Compilation, after: String?, skipping: Set<String>) -> IRModule? {
    guard let m = c.checkAndLower() else { return nil }
    do {
      return try Pipeline.run(m, after: after, skipping: skipping)
    } catch {
      c.reportInternal("\(error)")
      return nil
    }
  }
}
