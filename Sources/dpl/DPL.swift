import ArgumentParser

/// The `dpl` command line: one subcommand per way of using the language.
@main
struct DPL: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dpl",
    abstract: "A small differentiable-programming language with gradient bypasses.",
    subcommands: [
      RunCommand.self,
      BenchCommand.self,
      ParseCommand.self,
      CheckCommand.self,
      IRCommand.self,
      SweepCommand.self,
      ReplCommand.self,
      FuzzCommand.self,
      LspCommand.self,
    ]
  )
}
