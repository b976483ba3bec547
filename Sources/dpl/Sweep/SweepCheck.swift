import ArgumentParser
import Foundation
import IR
import Runtime

/// Checks a sweep before any task starts: each program compiles, and has the swept field,
/// `seed` and every `--set` field, with values it accepts — so a typo costs a second here,
/// not a queue wait and one failed task per run.
enum SweepCheck {
  static func check(_ tasks: [SweepTask], field: String, settings: [String]) throws {
    var checked: Set<String> = []
    for t in tasks where checked.insert(t.file).inserted {
      guard FileManager.default.fileExists(atPath: t.file) else {
        throw SweepError("program \(t.program): \(t.file) not found", exitCode: 66)
      }
      let (module, compilation) = Compiler.compile(path: t.file, options: FrontEnd.options())
      guard let module else { try FrontEnd.finish(compilation); throw ExitCode(compilation.unreadableMain?.exitCode ?? 65) }
      let assignments = tasks.filter { $0.file == t.file }.flatMap { ["\(field)=\($0.value)", "seed=\($0.seed)"] } + settings
      var seen: Set<String> = []
      for s in assignments where seen.insert(s).inserted {
        let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else { throw SweepError("--set expects name=value, got '\(s)'", exitCode: 64) }
        guard let entry = module.configs.first(where: { $0.name == parts[0] }) else {
          let fields = module.configs.map(\.name).joined(separator: ", ")
          throw SweepError("\(t.file) has no config field '\(parts[0])'\(fields.isEmpty ? "" : "; fields: \(fields)")", exitCode: 64)
        }
        if case .failure(let p) = entry.parse(parts[1]) {
          throw SweepError("\(t.file): \(s): \(p.message)", exitCode: 64)
        }
      }
    }
  }
}
