import Foundation
import Language
import Testing
@testable import Runtime
@testable import Interactive

/// Golden transcripts of piped REPL sessions: each `Fixtures/repl/NAME.repl` is fed to a
/// `ReplEngine` line by line, exactly as `dpl repl < NAME.repl` reads it, and the
/// transcript (`> input`, then what the session showed) must equal `NAME.out`.
/// `DPL_RECORD=1 swift test --filter Repl` re-records the goldens (and fails, so a
/// recording run is never mistaken for a pass).
let replFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/repl")

/// Runs a piped session over `script` and returns its transcript. `$FIXTURES` in the
/// script stands for the fixtures folder (and is put back in the output).
func replTranscript(_ script: String) -> String {
  let session = Session(options: CompileOptions(searchPaths: [repositoryRoot.appendingPathComponent("stdlib").path]))
  let engine = ReplEngine(session: session)
  engine.showTimings = false
  var out = ""
  session.output = { out += $0 }
  session.log = { _ in }
  var buffer = ""
  for raw in script.split(separator: "\n", omittingEmptySubsequences: false) {
    let line = raw.replacingOccurrences(of: "$FIXTURES", with: replFixtures.path)
    out += (buffer.isEmpty ? "> " : "… ") + raw + "\n"
    buffer += buffer.isEmpty ? line : "\n" + line
    if ReplEngine.needsMoreInput(buffer) { continue }
    out += engine.handle(buffer)
    buffer = ""
    if engine.quitRequested { break }
  }
  if !buffer.isEmpty { out += engine.handle(buffer) }
  return out.replacingOccurrences(of: replFixtures.path, with: "$FIXTURES")
}

@Suite struct ReplTranscriptTests {
  static let names = ((try? FileManager.default.contentsOfDirectory(atPath: replFixtures.path)) ?? [])
    .filter { $0.hasSuffix(".repl") }.map { String($0.dropLast(5)) }.sorted()

  @Test(arguments: names)
  func transcript(_ name: String) throws {
    let script = try String(contentsOf: replFixtures.appendingPathComponent(name + ".repl"), encoding: .utf8)
    let got = replTranscript(script.hasSuffix("\n") ? String(script.dropLast()) : script)
    let golden = replFixtures.appendingPathComponent(name + ".out")
    if ProcessInfo.processInfo.environment["DPL_RECORD"] != nil {
      try got.write(to: golden, atomically: true, encoding: .utf8)
      Issue.record("recorded \(golden.lastPathComponent); run again without DPL_RECORD")
      return
    }
    let want = (try? String(contentsOf: golden, encoding: .utf8)) ?? ""
    #expect(got == want, "transcript of \(name).repl differs from \(name).out (DPL_RECORD=1 re-records)")
  }
}
