import Foundation

/// SLURM's command-line tools (`sbatch`, `squeue`, `scontrol`), found on PATH: dpl talks
/// to a cluster only through them, as a user would, and needs no SLURM library. No
/// accounting database (`sacct`) is needed: a task writes its own exit status, and the
/// queue says what is still pending or running.
enum Slurm {
  /// The path of `tool` on PATH, if any.
  static func which(_ tool: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs a SLURM tool to its end; returns its status, stdout and stderr.
  static func run(_ tool: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
    guard let path = which(tool) else {
      throw SweepError("\(tool) not found on PATH; --slurm needs SLURM's commands (on a machine of your own: scripts/cluster-local.sh start)", exitCode: 69)
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    // stderr goes to a file, so a tool that writes much of both cannot stall on a full pipe.
    let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-slurm-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errFile) }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = try FileHandle(forWritingTo: errFile)
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let errData = (try? Data(contentsOf: errFile)) ?? Data()
    return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
  }

  /// Submits `script` as the array `array` (e.g. `0-11%4`); returns the job id.
  static func submit(_ script: URL, array: String) throws -> String {
    let r = try run("sbatch", ["--parsable", "--array=\(array)", script.path])
    // --parsable prints `id` or `id;cluster`.
    let id = r.out.split(separator: "\n").last.map { String($0.split(separator: ";")[0]) } ?? ""
    guard r.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
      throw SweepError("sbatch --array=\(array) \(script.path) failed (exit \(r.status)): \(r.err.trimmingCharacters(in: .whitespacesAndNewlines))", exitCode: 69)
    }
    return id
  }

  /// The tasks of array job `job` that are still in the queue, with their state
  /// (`PENDING`, `RUNNING`, `COMPLETING`, …) and the reason SLURM gives for waiting.
  static func queued(job: String) throws -> [Int: (state: String, reason: String)] {
    let r = try run("squeue", ["--noheader", "--array", "--jobs=\(job)", "--format=%K %T %r"])
    guard r.status == 0 else {
      // A job the controller has forgotten (every task ended long ago) is not an error.
      if r.err.contains("Invalid job id") { return [:] }
      throw SweepError("squeue --jobs=\(job) failed (exit \(r.status)): \(r.err.trimmingCharacters(in: .whitespacesAndNewlines))", exitCode: 69)
    }
    var tasks: [Int: (String, String)] = [:]
    for line in r.out.split(separator: "\n") {
      let f = line.split(separator: " ", maxSplits: 2).map(String.init)
      if f.count >= 2, let k = Int(f[0]) { tasks[k] = (f[1], f.count > 2 ? f[2] : "") }
    }
    return tasks
  }

  /// How SLURM says task `task` of `job` ended (`CANCELLED`, `TIMEOUT`, `OUT_OF_MEMORY`,
  /// `NODE_FAIL`, …) while the controller still remembers it (`MinJobAge`); nil after.
  static func ending(job: String, task: Int) -> String? {
    guard let r = try? run("scontrol", ["--oneliner", "show", "job", "\(job)_\(task)"]), r.status == 0 else { return nil }
    let fields = r.out.split(whereSeparator: { $0 == " " || $0 == "\n" })
    func value(_ key: String) -> String? { fields.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) } }
    guard let state = value("JobState") else { return nil }
    let reason = value("Reason").flatMap { $0 == "None" ? nil : $0 }
    return state + (reason.map { " (\($0))" } ?? "")
  }
}
