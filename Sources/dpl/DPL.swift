import ArgumentParser
import Foundation
import Tensor

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
      FmtCommand.self,
      LspCommand.self,
      KernelCommand.self,
    ]
  )
}

/// Stops with EX_UNAVAILABLE (69), naming the library, when OpenBLAS cannot be loaded —
/// called by each command that computes before it reads or writes anything — after warning
/// of environment settings it cannot use.
func requireBLAS() throws {
  EnvironmentCheck.warn()
  do {
    try BLAS.require()
  } catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    throw ExitCode(69)
  }
}
