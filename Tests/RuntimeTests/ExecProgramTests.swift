import Foundation
import Testing
@testable import Runtime

/// Every program in `Programs/` runs through the Interpreter API: its stdout must equal its
/// `// expect:` lines; a program with an `// error: LINE:COL message` marker must stop with
/// that error there, and show each `// trace: NAME LINE:COL` frame.
@Suite("executor: fixture programs")
struct ExecProgramTests {
  static let fixtures: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: programsFolder.path)) ?? []
    return names.filter { $0.hasSuffix(".dpl") }.sorted()
  }()

  @Test("fixture program", arguments: fixtures)
  func fixture(_ name: String) throws {
    let url = programsFolder.appendingPathComponent(name)
    let source = try String(contentsOf: url, encoding: .utf8)
    let outcome = try runProgram(file: url) { $0.workingDirectory = programsFolder }
    #expect(outcome.lines == expectations(in: source), "stdout of \(name)")
    if let marker = errorMarkers(in: source) {
      let text = try #require(outcome.error, "\(name) should stop with an error")
      let first = text.split(separator: "\n").first.map(String.init) ?? ""
      #expect(first.hasPrefix("\(url.path):\(marker.location): error: "), "\(first)")
      #expect(first.contains(marker.message), "\(first)")
      for (function, location) in marker.traces {
        #expect(text.contains("  at \(function) (\(url.path):\(location))"), "trace \(function) \(location) in \(text)")
      }
    } else {
      #expect(outcome.error == nil, "\(outcome.error ?? "")")
    }
  }

  @Test("the fixture folder is found and holds programs")
  func fixturesExist() {
    #expect(Self.fixtures.count >= 10)
  }
}
