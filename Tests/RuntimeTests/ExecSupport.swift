import Foundation
import IR
import Language
@testable import Runtime

/// The repository's root (this file is `Tests/RuntimeTests/ExecSupport.swift`).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// The fixture programs of the executor tests.
let programsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Programs")

/// What a run printed and, if it stopped with an error, the rendered error.
struct RunOutcome {
  var stdout: String
  var error: String?
  var lines: [String] {
    guard !stdout.isEmpty else { return [] }
    return stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLast(stdout.hasSuffix("\n") ? 1 : 0)
  }
}

/// Compiles and runs a program through the Interpreter API, capturing `print`.
/// - Parameter configure: adjusts the interpreter before the run (working folder, flags).
/// - Parameter skipping: IR passes to leave out (`Pipeline.skippable`).
func runProgram(source: String, path: String = "test.dpl", seed: UInt64 = 0, set: [String: String] = [:],
                skipping: Set<String> = [], configure: (Interpreter) -> Void = { _ in }) -> RunOutcome {
  let options = CompileOptions(searchPaths: [repositoryRoot.appendingPathComponent("stdlib").path])
  let (module, compilation) = Compiler.compile(source: source, path: path, options: options, skipping: skipping)
  guard let module else { return RunOutcome(stdout: "", error: compilation.renderDiagnostics()) }
  let interpreter = Interpreter(module: module, seed: seed, configOverrides: set)
  var out = ""
  interpreter.output = { out += $0 }
  interpreter.log = { _ in }
  configure(interpreter)
  do {
    try interpreter.run()
    return RunOutcome(stdout: out, error: nil)
  } catch let e as RuntimeError {
    return RunOutcome(stdout: out, error: e.render(files: module.files))
  } catch {
    return RunOutcome(stdout: out, error: "\(error)")
  }
}

func runProgram(file url: URL, seed: UInt64 = 0, set: [String: String] = [:],
                configure: (Interpreter) -> Void = { _ in }) throws -> RunOutcome {
  let source = try String(contentsOf: url, encoding: .utf8)
  return runProgram(source: source, path: url.path, seed: seed, set: set, configure: configure)
}

/// `// expect: text` lines of a program, in order.
func expectations(in source: String) -> [String] {
  source.split(separator: "\n").compactMap { line -> String? in
    guard let r = line.range(of: "// expect: ") else { return nil }
    return String(line[r.upperBound...])
  }
}

/// `// error: LINE:COL message` and `// trace: NAME LINE:COL` markers of an error fixture.
func errorMarkers(in source: String) -> (location: String, message: String, traces: [(String, String)])? {
  var found: (String, String)?
  var traces: [(String, String)] = []
  for line in source.split(separator: "\n") {
    if let r = line.range(of: "// error: ") {
      let rest = line[r.upperBound...]
      let parts = rest.split(separator: " ", maxSplits: 1).map(String.init)
      found = (parts[0], parts.count > 1 ? parts[1] : "")
    }
    if let r = line.range(of: "// trace: ") {
      let parts = line[r.upperBound...].split(separator: " ").map(String.init)
      if parts.count == 2 { traces.append((parts[0], parts[1])) }
    }
  }
  return found.map { ($0.0, $0.1, traces) }
}

/// The cosine of the angle between two vectors.
func cosine(_ a: [Float], _ b: [Float]) -> Double {
  var ab = 0.0, aa = 0.0, bb = 0.0
  for (x, y) in zip(a, b) { ab += Double(x * y); aa += Double(x * x); bb += Double(y * y) }
  return ab / max((aa * bb).squareRoot(), 1e-30)
}

/// Numbers printed as a list (`[0.5, -1.25]`) on one line.
func numbers(_ line: String) -> [Float] {
  line.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",").compactMap {
    Float($0.trimmingCharacters(in: .whitespaces))
  }
}
