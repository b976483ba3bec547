import Foundation
import Testing

/// `docs/notebooks/tutorial.ipynb` executed by nbclient against the dpl kernel, as a front
/// end's *Run All* drives it: `dpl kernel install --prefix` into a scratch folder, then
/// `Fixtures/jupyter/run_notebook.py` runs a copy of the notebook there and checks that every
/// cell ran without an error, that the loss plot and a heatmap are shown as PNG images, the
/// expected texts, and that the notebook's stored outputs are the ones it gives
/// (`DPL_RECORD=1` stores the fresh ones). Skipped where no Python imports nbclient,
/// nbformat, jupyter_client and ipykernel.
@Suite(.enabled(if: ReplTerminalTests.executable != nil && Jupyter.notebookPython != nil,
                "needs a built dpl and a Python with nbclient, nbformat, jupyter_client and ipykernel (DPL_JUPYTER=packages scripts/setup.sh --no-build installs them in .build/jupyter)"))
struct JupyterNotebookTests {
  @Test func tutorialNotebookRuns() throws {
    let dpl = try #require(ReplTerminalTests.executable), python = try #require(Jupyter.notebookPython)
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-notebook-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    let work = scratch.appendingPathComponent("work")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let (status, installed) = try Jupyter.run(dpl, ["kernel", "install", "--prefix", scratch.path, "--python", python])
    #expect(status == 0, "\(installed)")

    let notebook = repositoryRoot.appendingPathComponent("docs/notebooks/tutorial.ipynb")
    let record = ProcessInfo.processInfo.environment["DPL_RECORD"] != nil
    let script = repositoryRoot.appendingPathComponent("Tests/RuntimeTests/Fixtures/jupyter/run_notebook.py").path
    let started = Date()
    let (result, transcript) = try Jupyter.run("/usr/bin/env", [python, script, scratch.appendingPathComponent("share/jupyter").path,
                                                                 notebook.path, work.path] + (record ? ["--record"] : []), timeout: 300)
    #expect(result == 0, "\(transcript)")
    if record { Issue.record("recorded \(notebook.lastPathComponent)'s outputs; run again without DPL_RECORD") }
    print("notebook: \(transcript.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count) checks in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
  }
}

extension Jupyter {
  /// A Python that can execute notebooks: `Jupyter.python`'s candidates, the first that also
  /// imports nbclient and nbformat.
  static let notebookPython: String? = {
    let env = ProcessInfo.processInfo.environment["DPL_JUPYTER_PYTHON"].map { [$0] } ?? []
    let candidates = env + [repositoryRoot.appendingPathComponent(".build/jupyter/bin/python").path, "python3"]
    return candidates.first { (try? run("/usr/bin/env", [$0, "-c", "import nbclient, nbformat, jupyter_client, ipykernel"]).0) == 0 }
  }()
}
