import ArgumentParser
import Language
import LSP

/// `dpl lsp`: the language server, speaking LSP over stdin and stdout (docs/lsp.md).
struct LspCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lsp",
    abstract: "Run the language server over stdin and stdout (for editors; see docs/lsp.md).")

  func run() throws {
    let server = LanguageServer(searchPaths: FrontEnd.options().searchPaths, format: SourceFormatter.format)
    let status = StdioTransport.run(server)
    if status != 0 { throw ExitCode(status) }
  }
}
