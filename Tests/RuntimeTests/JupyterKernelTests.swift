import Foundation
import Testing

/// The Jupyter kernel end to end: `dpl kernel install --prefix` into a scratch folder, then
/// `Fixtures/jupyter/kernel_session.py` starts it with jupyter_client and checks its cells
/// (definitions across cells, errors, `:grad`/`:tape`/`:compare`, PNGs, interrupts,
/// completion). Skipped where no Python imports jupyter_client and ipykernel.
@Suite(.enabled(if: ReplTerminalTests.executable != nil && Jupyter.python != nil,
                "needs a built dpl and a Python with jupyter_client and ipykernel (scripts/setup.sh --jupyter)"))
struct JupyterKernelTests {
  @Test func notebookSession() throws {
    let dpl = try #require(ReplTerminalTests.executable), python = try #require(Jupyter.python)
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-kernel-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    let work = scratch.appendingPathComponent("work")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }

    let (status, installed) = try Jupyter.run(dpl, ["kernel", "install", "--prefix", scratch.path, "--python", python])
    #expect(status == 0, "\(installed)")
    let folder = scratch.appendingPathComponent("share/jupyter/kernels/dpl")
    let spec = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("kernel.json"))) as? [String: Any]
    let argv = spec?["argv"] as? [String] ?? []
    #expect(argv.count == 6 && argv[1] == folder.appendingPathComponent("dpl_kernel.py").path && argv[3].hasPrefix("/"), "\(argv)")
    #expect(spec?["language"] as? String == "dpl")

    let script = repositoryRoot.appendingPathComponent("Tests/RuntimeTests/Fixtures/jupyter/kernel_session.py").path
    let started = Date()
    let (result, transcript) = try Jupyter.run("/usr/bin/env", [python, script, scratch.appendingPathComponent("share/jupyter").path, work.path], timeout: 300)
    #expect(result == 0, "\(transcript)")
    print("kernel session: \(transcript.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count) checks in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
  }
}

/// Finding and running Python for the kernel test.
enum Jupyter {
  /// A Python that imports jupyter_client and ipykernel: `$DPL_JUPYTER_PYTHON`, the setup
  /// script's virtual environment (`.build/jupyter`), or python3 on PATH.
  static let python: String? = {
    let env = ProcessInfo.processInfo.environment["DPL_JUPYTER_PYTHON"].map { [$0] } ?? []
    let candidates = env + [repositoryRoot.appendingPathComponent(".build/jupyter/bin/python").path, "python3"]
    return candidates.first { (try? run("/usr/bin/env", [$0, "-c", "import jupyter_client, ipykernel"]).0) == 0 }
  }()

  /// Runs a tool to its end (killed after `timeout` seconds); returns its status and its
  /// stdout and stderr together.
  static func run(_ tool: String, _ args: [String], timeout: TimeInterval = 60) throws -> (Int32, String) {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-jupyter-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: log) }
    let out = try FileHandle(forWritingTo: log)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = args
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if p.isRunning { p.terminate() }
    p.waitUntilExit()
    return (p.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
  }
}

/// `dpl kernel install` without Jupyter: where the kernelspec goes, what it holds, and the
/// sysexits statuses of its failures.
@Suite(.enabled(if: ReplTerminalTests.executable != nil && (try? Jupyter.run("/usr/bin/env", ["python3", "-c", "1"]).0) == 0,
                "needs a built dpl and python3"))
struct KernelInstallTests {
  let dpl = ReplTerminalTests.executable ?? ""
  let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-kernelspec-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")

  @Test func writesTheSpecAndTheKernel() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    for (args, folder) in [(["--prefix", scratch.path], "share/jupyter/kernels/dpl"), (["--user"], "data/kernels/dpl")] {
      let (status, out) = try Jupyter.run("/usr/bin/env", ["JUPYTER_DATA_DIR=\(scratch.path)/data", dpl, "kernel", "install"] + args)
      #expect(status == 0, "\(out)")
      let dir = scratch.appendingPathComponent(folder)
      let kernel = try String(contentsOf: dir.appendingPathComponent("dpl_kernel.py"), encoding: .utf8)
      let source = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/dpl/Jupyter/dpl_kernel.py"), encoding: .utf8)
      #expect(kernel == source, "the embedded kernel is the repository's")
      let spec = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("kernel.json"))) as? [String: Any]
      let argv = spec?["argv"] as? [String] ?? []
      #expect(argv.count == 6 && argv[0].hasPrefix("/") && argv[3] == URL(fileURLWithPath: dpl).resolvingSymlinksInPath().path, "\(argv)")
      #expect(spec?["interrupt_mode"] as? String == "signal")
    }
  }

  @Test func failuresHaveSysexitsStatuses() throws {
    defer { try? FileManager.default.removeItem(at: scratch) }
    #expect(try Jupyter.run(dpl, ["kernel", "install", "--user", "--prefix", scratch.path]).0 == 64)
    #expect(try Jupyter.run(dpl, ["kernel", "install", "--prefix", scratch.path, "--dpl", "/nonexistent/dpl"]).0 == 66)
    #expect(try Jupyter.run(dpl, ["kernel", "install", "--prefix", scratch.path, "--python", "/nonexistent/python"]).0 == 69)
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let file = scratch.appendingPathComponent("file")
    _ = FileManager.default.createFile(atPath: file.path, contents: Data())
    #expect(try Jupyter.run(dpl, ["kernel", "install", "--prefix", file.path]).0 == 73, "a file where the folder should be")
  }
}
