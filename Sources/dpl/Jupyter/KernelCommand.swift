import ArgumentParser
import Formats
import Foundation
import Runtime

/// `dpl kernel install`: the Jupyter kernel (docs/jupyter.md).
struct KernelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kernel",
    abstract: "Set up dpl's Jupyter kernel.",
    subcommands: [KernelInstallCommand.self])
}

/// Writes the kernelspec `dpl`: kernel.json and the kernel's Python file (embedded in this
/// binary), so the spec folder needs nothing else from the repository.
struct KernelInstallCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "install",
    abstract: "Install the Jupyter kernelspec 'dpl' (for the user, or under a prefix).",
    discussion: """
      Writes kernel.json and dpl_kernel.py to the kernelspec folder 'dpl': with --user \
      (the default) in the user's Jupyter data folder ($JUPYTER_DATA_DIR, else \
      ~/.local/share/jupyter, or ~/Library/Jupyter on macOS), with --prefix P in \
      P/share/jupyter (a virtual environment's prefix, or a scratch folder for tests). The \
      kernel runs under the given Python, which needs ipykernel (scripts/setup.sh --jupyter \
      installs it), and starts this dpl binary. Run it again after moving either.
      """)

  @Flag(help: "Install for the current user (the default).")
  var user = false

  @Option(help: ArgumentHelp("Install under PREFIX/share/jupyter/kernels/dpl instead.", valueName: "prefix"))
  var prefix: String?

  @Option(help: ArgumentHelp("The Python that runs the kernel (default: python3 on PATH).", valueName: "path"))
  var python: String?

  @Option(help: ArgumentHelp("The dpl binary the kernel starts (default: this one).", valueName: "path"))
  var dpl: String?

  func validate() throws {
    if user, prefix != nil { throw ValidationError("--user and --prefix exclude each other") }
  }

  func run() throws {
    let folder = kernelFolder()
    let dplPath = try dplBinary()
    let (pythonPath, hasIpykernel) = try pythonInterpreter()
    let script = folder.appendingPathComponent("dpl_kernel.py")
    let spec: [String: Any] = [
      "argv": [pythonPath, script.path, "--dpl", dplPath, "-f", "{connection_file}"],
      "display_name": "dpl",
      "language": "dpl",
      "interrupt_mode": "signal",
      "metadata": ["debugger": false],
    ]
    do {
      let json = try JSONSerialization.data(withJSONObject: spec, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
      try AtomicWrite.write(Data(PackageResources.dpl_kernel_py), to: script)
      try AtomicWrite.write(json + Data("\n".utf8), to: folder.appendingPathComponent("kernel.json"))
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      throw ExitCode(73)  // EX_CANTCREAT
    }
    print("installed the Jupyter kernel 'dpl' in \(folder.path)")
    if !hasIpykernel {
      FileHandle.standardError.write(Data("warning: \(pythonPath) cannot import ipykernel: install it (scripts/setup.sh --jupyter, or pip install ipykernel) before starting the kernel\n".utf8))
    }
  }

  /// `…/share/jupyter/kernels/dpl` under the prefix, or in the user's Jupyter data folder.
  func kernelFolder() -> URL {
    let env = ProcessInfo.processInfo.environment
    let data: URL
    if let prefix {
      data = URL(fileURLWithPath: prefix).appendingPathComponent("share/jupyter")
    } else if let dir = env["JUPYTER_DATA_DIR"], !dir.isEmpty {
      data = URL(fileURLWithPath: dir)
    } else {
      let home = URL(fileURLWithPath: NSHomeDirectory())
      #if os(macOS)
      data = home.appendingPathComponent("Library/Jupyter")
      #else
      let xdg = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
      data = (xdg ?? home.appendingPathComponent(".local/share")).appendingPathComponent("jupyter")
      #endif
    }
    return data.appendingPathComponent("kernels/dpl").standardizedFileURL
  }

  /// The absolute path of the dpl the kernel starts: `--dpl`, else this executable.
  func dplBinary() throws -> String {
    let path = dpl.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? Bundle.main.executablePath
    guard let path, FileManager.default.isExecutableFile(atPath: path) else {
      FileHandle.standardError.write(Data("error: '\(dpl ?? "this dpl")' is not an executable file\n".utf8))
      throw ExitCode(66)  // EX_NOINPUT
    }
    return path
  }

  /// Asks the Python for its own absolute path (`sys.executable`, which keeps a virtual
  /// environment's) and whether it can import ipykernel.
  func pythonInterpreter() throws -> (String, Bool) {
    let name = python ?? "python3"
    let check = "import sys; print(sys.executable)\ntry:\n import ipykernel\n print('ok')\nexcept ImportError:\n print('missing')"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [name, "-c", check]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch {
      FileHandle.standardError.write(Data("error: cannot run '\(name)': \(error.localizedDescription)\n".utf8))
      throw ExitCode(69)  // EX_UNAVAILABLE
    }
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    let lines = text.split(separator: "\n").map(String.init)
    guard p.terminationStatus == 0, lines.count == 2, lines[0].hasPrefix("/") else {
      FileHandle.standardError.write(Data("error: '\(name)' does not run as a Python 3 interpreter (use --python PATH)\n".utf8))
      throw ExitCode(69)
    }
    return (lines[0], lines[1] == "ok")
  }
}
