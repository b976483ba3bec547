import ArgumentParser
import Foundation
import IR
import Language

/// `dpl check FILE`: parses and checks a program; exit 0, or diagnostics on stderr and exit 65.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Check a program (syntax, names, types, shapes, gradients) without running it.")

  @Argument(help: "The .dpl file to check.")
  var file: String

  func run() throws {
    let c = Compilation(options: FrontEnd.options())
    c.parse(path: file)
    _ = c.checkAndLower()
    try FrontEnd.finish(c)
  }
}

/// Helpers shared by the front-end commands.
enum FrontEnd {
  /// Compile options with the `stdlib/` folder of the package that holds this executable.
  static func options() -> CompileOptions {
    let exe = Bundle.main.executablePath ?? CommandLine.arguments.first ?? "."
    return CompileOptions(searchPaths: CompileOptions.stdlibPaths(nearExecutable: exe))
  }

  /// The passes named by a `--skip a,b` option; a usage error for a pass that cannot be skipped.
  static func skippedPasses(_ list: String?) throws -> Set<String> {
    guard let list else { return [] }
    let names = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    for n in names where !Pipeline.skippable.contains(n) {
      throw ValidationError("pass '\(n)' cannot be skipped; skippable passes: " + Pipeline.skippable.joined(separator: ", "))
    }
    return names
  }

  /// Prints diagnostics to stderr and exits 65 if there were errors.
  static func finish(_ c: Compilation) throws {
    let text = c.renderDiagnostics()
    if !text.isEmpty { FileHandle.standardError.write(Data(text.utf8)) }
    if c.diagnostics.hasErrors {
      let n = c.diagnostics.errorCount
      FileHandle.standardError.write(Data("\(n) error\(n == 1 ? "" : "s") generated\n".utf8))
      throw ExitCode(c.unreadableMain?.exitCode ?? 65)
    }
  }
}
