import Formats
import Foundation

/// One run of a sweep: a program at one value of the swept field with one seed. Its index
/// is its SLURM array task id (`SLURM_ARRAY_TASK_ID`) and names its files in `tasks/`.
struct SweepTask: Codable, Equatable {
  var task: Int
  /// The program's name (the file's stem), as sweep.csv shows it.
  var program: String
  /// The `.dpl` file, absolute, so a task runs the same file wherever it starts.
  var file: String
  var value: String
  var seed: String
  /// The run folder, relative to the sweep folder.
  var run: String

  /// What the task prints (dpl run's progress and errors; on SLURM, every attempt appended).
  var log: String { "tasks/\(task).log" }
  /// Written by the task script when `dpl run` ends: its exit status, and the signal that
  /// stopped it if one did.
  var exit: String { "tasks/\(task).exit" }

  /// `program field=value seed=s`, how messages name the task.
  func name(field: String) -> String { "\(program) \(field)=\(value) seed=\(seed)" }
}

/// A sweep's tasks and how they were started, in `sweep.json` in the sweep folder:
/// what `dpl sweep --status` and `--collect` read later.
struct SweepPlan: Codable {
  /// The swept config field.
  var field: String
  /// The metrics.json entries sweep.csv collects; the first is plotted.
  var metrics: [String]
  /// `local` or `slurm`.
  var scheduler: String
  /// The SLURM array jobs' ids: the sweep's, then those of `--resubmit` (none for a local sweep).
  var jobs: [String]
  var tasks: [SweepTask]

  static let fileName = "sweep.json"
  /// The task script, one for every task (`sbatch --array` runs it once per task).
  static let scriptName = "sweep.sh"

  /// The tasks of `programs` × `values` × `seeds`, values outermost (the order the local
  /// sweep has always run them in).
  static func tasks(programs: [String], values: [String], seeds: [String], field: String) -> [SweepTask] {
    var tasks: [SweepTask] = []
    for v in values {
      for name in programs {
        for s in seeds {
          let file = name.hasSuffix(".dpl") ? name : "programs/\(name).dpl"
          let url = URL(fileURLWithPath: file).standardizedFileURL
          let stem = url.deletingPathExtension().lastPathComponent
          tasks.append(SweepTask(task: tasks.count, program: stem, file: url.path, value: v, seed: s,
                                 run: "\(stem)-\(field)\(v)-s\(s)"))
        }
      }
    }
    return tasks
  }

  func save(in folder: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try AtomicWrite.write(try encoder.encode(self) + Data("\n".utf8), to: folder.appendingPathComponent(Self.fileName))
  }

  /// The plan of the sweep in `folder`; a missing or unreadable sweep.json is named.
  static func load(from folder: URL) throws -> SweepPlan {
    let url = folder.appendingPathComponent(fileName)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw SweepError("\(url.path) not found; is \(folder.path) a sweep folder?", exitCode: 66)
    }
    do {
      return try JSONDecoder().decode(SweepPlan.self, from: data)
    } catch {
      throw SweepError("\(url.path) is damaged: \(error)", exitCode: 65)
    }
  }
}

/// A sweep that cannot go on: the message (lowercase, as `error: …`) and its sysexits status.
struct SweepError: Error {
  var message: String
  var exitCode: Int32
  init(_ message: String, exitCode: Int32) {
    self.message = message
    self.exitCode = exitCode
  }
}
