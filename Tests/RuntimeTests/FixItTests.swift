import Foundation
import Testing
import IR
import Language
@testable import Runtime

/// Every fix-it dpl prints must compile: applied to its program, the error it fixes is
/// gone and no new one appears. The programs in `Fixtures/fixits/` each hold blocked
/// gradients only, so with every fix-it applied they check cleanly and run.
@Suite struct FixItTests {
  static let fixitsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fixits")
  static let errorFolders = [repositoryRoot.appendingPathComponent("Tests/LanguageTests/Fixtures/errors"),
                             repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")]

  static func programs(in folder: URL) -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".dpl") }.sorted().map { folder.appendingPathComponent($0) }
  }

  static var fixitPrograms: [String] { programs(in: fixitsFolder).map(\.lastPathComponent) }

  /// The errors of `source` after checking (imports resolve next to `path`).
  static func errors(_ source: String, path: String) -> [Diagnostic] {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let options = CompileOptions(searchPaths: [dir, repositoryRoot.appendingPathComponent("stdlib").path])
    let c = Compilation(options: options)
    c.parse(source: source, path: path)
    _ = c.checkAndLower()
    return c.diagnostics.diagnostics.filter { $0.severity == .error }
  }

  /// `source` with the fix-its applied (byte offsets; applied from the end).
  static func apply(_ fixes: [FixIt], to source: String) -> String {
    var bytes = Array(source.utf8)
    for f in fixes.sorted(by: { $0.span.start > $1.span.start }) {
      bytes.replaceSubrange(f.span.start..<f.span.end, with: Array(f.replacement.utf8))
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  @Test("every blocked gradient gets a fix-it, and the fixed program runs", arguments: fixitPrograms)
  func fixedProgramRuns(_ name: String) throws {
    let url = Self.fixitsFolder.appendingPathComponent(name)
    let source = try String(contentsOf: url, encoding: .utf8)
    let found = Self.errors(source, path: url.path)
    #expect(!found.isEmpty, "\(name) should have a blocked gradient")
    for d in found { #expect(!d.fixIts.isEmpty, "\(name): no fix-it for '\(d.message)'") }
    let fixed = Self.apply(found.flatMap(\.fixIts), to: source)
    let after = Self.errors(fixed, path: url.path)
    #expect(after.isEmpty, "\(name) after its fix-its:\n\(fixed)\n\(after.map(\.message))")
    let outcome = runProgram(source: fixed, path: url.path)
    #expect(outcome.error == nil, "\(name) after its fix-its:\n\(fixed)\n\(outcome.error ?? "")")
  }

  @Test("each fix-it of the error fixtures removes its error and adds none")
  func errorFixturesFixIts() throws {
    var applied = 0
    for folder in Self.errorFolders {
      for url in Self.programs(in: folder) {
        let source = try String(contentsOf: url, encoding: .utf8)
        let before = Self.errors(source, path: url.path)
        for d in before where !d.fixIts.isEmpty {
          let after = Self.errors(Self.apply(d.fixIts, to: source), path: url.path)
          applied += 1
          #expect(after.count < before.count, "\(url.lastPathComponent): the fix-it of '\(d.message)' left it")
          let known = Set(before.map(\.message))
          for e in after where !known.contains(e.message) {
            Issue.record("\(url.lastPathComponent): the fix-it of '\(d.message)' made a new error '\(e.message)'")
          }
        }
      }
    }
    #expect(applied >= 5)
  }
}
