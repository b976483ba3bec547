import Foundation

/// `dpl` as a separate process, for the tests of the command line: started in a folder with
/// its stderr to a file there (and stdout discarded), so tests can run it concurrently.
enum DplProcess {
  /// Starts `dpl args` in `folder` with `env` added to the environment; returns the process
  /// and the file its stderr goes to.
  static func start(_ dpl: String, _ args: [String], in folder: URL, env: [String: String] = [:]) throws -> (Process, URL) {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let err = folder.appendingPathComponent("stderr-\(UInt32.random(in: 0...UInt32.max)).txt")
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: dpl)
    p.arguments = args
    p.currentDirectoryURL = folder
    if !env.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 } }
    p.standardError = try FileHandle(forWritingTo: err)
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    return (p, err)
  }

  /// Runs `dpl args` in `folder` to its end; returns its status and stderr.
  static func run(_ dpl: String, _ args: [String], in folder: URL, env: [String: String] = [:]) throws -> (Int32, String) {
    let (p, err) = try start(dpl, args, in: folder, env: env)
    p.waitUntilExit()
    return (p.terminationStatus, (try? String(contentsOf: err, encoding: .utf8)) ?? "")
  }
}
