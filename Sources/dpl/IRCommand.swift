import ArgumentParser
import Foundation
import IR
import Language
import Runtime

/// `dpl ir FILE [--after PASS]`: prints the IR of a program after the pass pipeline (or
/// after one pass of it; `--after lower` shows the IR straight from lowering).
struct IRCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ir",
    abstract: "Print the IR of a program.",
    discussion: "Passes, in order: lower, " + Pipeline.names.joined(separator: ", "))

  @Argument(help: "The .dpl file to compile.")
  var file: String

  @Option(help: "Stop after this pass (lower, \(Pipeline.names.joined(separator: ", "))).")
  var after: String?

  @Option(help: ArgumentHelp("Leave out passes, comma-separated (\(Pipeline.skippable.joined(separator: ", "))).", valueName: "passes"))
  var skip: String?

  @Flag(help: "Leave out source locations.")
  var noSpans = false

  @Flag(help: "Print the register code of the word functions instead (functions of Int, Float and Bool that run in the word tier; docs/runtime.md).")
  var words = false

  func run() throws {
    if let after, after != "lower", !Pipeline.names.contains(after) {
      throw ValidationError("unknown pass '\(after)'; passes are: lower, " + Pipeline.names.joined(separator: ", "))
    }
    let (module, c) = Compiler.compile(path: file, options: FrontEnd.options(), after: after,
                                      skipping: try FrontEnd.skippedPasses(skip))
    try FrontEnd.finish(c)
    guard let module else { return }
    print(words ? WordProgram.listing(module) : Printer.print(module, showSpans: !noSpans), terminator: "")
  }
}
