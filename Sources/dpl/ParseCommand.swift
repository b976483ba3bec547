import ArgumentParser
import Foundation
import Language

/// `dpl parse FILE`: prints the syntax tree of a program.
struct ParseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "parse",
    abstract: "Print the syntax tree of a program (imports are parsed but not printed).")

  @Argument(help: "The .dpl file to parse.")
  var file: String

  func run() throws {
    let c = Compilation(options: FrontEnd.options())
    c.parse(path: file)
    if let main = c.modules.last {
      print(ASTPrinter.print(main, file: c.files[main.fileID]), terminator: "")
    }
    try FrontEnd.finish(c)
  }
}
