import Foundation
import Testing

/// Every target's `README.md` has a table of its files (`ls Sources` and these tables are
/// how a newcomer finds the layout): each Swift file of the target is named in it — by its
/// path, a folder row (`Layers/`) or a pattern (`SourceFormatter*.swift`) — and every file
/// a table row names exists.
@Suite struct TargetReadmeTests {
  static let sources = packageRoot.appendingPathComponent("Sources")

  /// The targets with Swift files, and each one's files relative to its folder.
  static func targets() throws -> [(name: String, files: [String])] {
    let fm = FileManager.default
    return try fm.contentsOfDirectory(atPath: sources.path).sorted().compactMap { name in
      let root = sources.appendingPathComponent(name)
      let files = (fm.subpaths(atPath: root.path) ?? []).filter { $0.hasSuffix(".swift") }.sorted()
      return files.isEmpty ? nil : (name, files)
    }
  }

  /// The back-quoted words of the table rows' first cells.
  static func tableNames(_ readme: String) -> [String] {
    readme.split(separator: "\n").filter { $0.hasPrefix("| `") }.flatMap { row -> [String] in
      let cell = row.dropFirst(2).prefix { $0 != "|" }
      return cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
  }

  static func covers(_ name: String, _ file: String) -> Bool {
    if name == file { return true }
    if name.hasSuffix("/") { return file.hasPrefix(name) }
    if let star = name.firstIndex(of: "*") {
      return file.hasPrefix(name[..<star]) && file.hasSuffix(name[name.index(after: star)...])
    }
    return false
  }

  @Test func everyTargetReadmeTablesItsFiles() throws {
    let targets = try Self.targets()
    #expect(targets.count >= 10)
    for (target, files) in targets {
      let url = Self.sources.appendingPathComponent(target).appendingPathComponent("README.md")
      guard let readme = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("Sources/\(target) has no README.md with a table of its files"); continue
      }
      let names = Self.tableNames(readme)
      for f in files where !names.contains(where: { Self.covers($0, f) }) {
        Issue.record("Sources/\(target)/README.md does not name \(f)")
      }
      for n in names where n.hasSuffix(".swift") && !n.contains("*") && !files.contains(n) {
        Issue.record("Sources/\(target)/README.md names \(n), which is not a file of the target")
      }
    }
  }

  @Test func coversMatchesPathsFoldersAndPatterns() {
    #expect(Self.covers("Tape.swift", "Tape.swift"))
    #expect(!Self.covers("Tape.swift", "Tape+Ops.swift"))
    #expect(Self.covers("Layers/", "Layers/Dense.swift"))
    #expect(Self.covers("SourceFormatter*.swift", "SourceFormatter+Layout.swift"))
    #expect(!Self.covers("SourceFormatter*.swift", "Source.swift"))
    #expect(Self.tableNames("| `A.swift`, `B.swift` | holds `C.swift` |\ntext `D.swift`") == ["A.swift", "B.swift"])
  }

  /// The docs name Swift files that exist: each back-quoted `….swift` in `docs/*.md`,
  /// README.md and BENCHMARKS.md is a file of `Sources` or `Tests` (by its last component,
  /// since the docs name files relative to different folders).
  @Test func docsNameExistingSwiftFiles() throws {
    let fm = FileManager.default
    let swiftFiles = Set(["Sources", "Tests"].flatMap { top in
      (fm.subpaths(atPath: packageRoot.appendingPathComponent(top).path) ?? []).filter { $0.hasSuffix(".swift") }
        .map { String($0.split(separator: "/").last!) }
    })
    let docs = packageRoot.appendingPathComponent("docs")
    let pages = try fm.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.map { docs.appendingPathComponent($0) }
      + ["README.md", "BENCHMARKS.md"].map { packageRoot.appendingPathComponent($0) }
    #expect(pages.count >= 10)
    for page in pages {
      let text = try String(contentsOf: page, encoding: .utf8)
      let quoted = text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
      for name in quoted where name.hasSuffix(".swift") && !name.contains(" ") && !name.contains("*") && !name.contains("<") {
        let file = String(name.split(separator: "/").last!)
        if !swiftFiles.contains(file) { Issue.record("\(page.lastPathComponent) names \(name), which is no file of Sources or Tests") }
      }
    }
  }
}
