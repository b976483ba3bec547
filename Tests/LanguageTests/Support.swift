import Foundation
@testable import Language

/// The package root (two levels above this file's folder).
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtures = packageRoot.appendingPathComponent("Tests/LanguageTests/Fixtures")
let conformanceDir = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")

/// Compiles source text (imports read relative to `path`); returns the session.
func compile(_ source: String, path: String = "test.dpl", files: [String: String] = [:]) -> (Compilation, CheckedProgram?) {
  let extra = files
  let c = Compilation(options: CompileOptions(searchPaths: ["stdlib"], readFile: { p in
    if let t = extra[p] { return t }
    return try? String(contentsOfFile: p, encoding: .utf8)
  }))
  c.parse(source: source, path: path)
  let checked = c.check()
  return (c, checked)
}

/// Compiles a file on disk.
func compileFile(_ url: URL) -> (Compilation, CheckedProgram?) {
  let c = Compilation(options: CompileOptions(searchPaths: [packageRoot.appendingPathComponent("stdlib").path]))
  c.parse(path: url.path)
  let checked = c.check()
  return (c, checked)
}

/// `LINE:COL` of each error, in source order.
func errorLocations(_ c: Compilation) -> [(line: Int, col: Int, message: String)] {
  c.diagnostics.sorted.filter { $0.severity == .error && $0.span.file >= 0 }.map { d in
    let (l, col) = c.files[d.span.file].location(of: d.span.start)
    return (l, col, d.message)
  }
}
