import Foundation
import Testing
@testable import Runtime

/// Every ```dpl block of `docs/tutorial.md` is a complete program: it must run without
/// error and print exactly its `// expect:` lines (blocks without any must just run).
@Suite("docs/tutorial.md")
struct TutorialTests {
  static let blocks = dplBlocks(of: "docs/tutorial.md")

  /// The ```dpl blocks of a Markdown file of the repository.
  static func dplBlocks(of path: String) -> [String] {
    let url = repositoryRoot.appendingPathComponent(path)
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    var blocks: [String] = [], current: [Substring]?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if current == nil, line == "```dpl" { current = [] } else if current != nil, line == "```" {
        blocks.append(current!.joined(separator: "\n"))
        current = nil
      } else if current != nil { current!.append(line) }
    }
    return blocks
  }

  @Test("the tutorial has its examples")
  func hasBlocks() { #expect(Self.blocks.count >= 6) }

  @Test("tutorial example runs", arguments: Array(blocks.indices))
  func example(_ k: Int) {
    let source = Self.blocks[k]
    let out = runProgram(source: source, path: "tutorial-\(k + 1).dpl")
    #expect(out.error == nil, "block \(k + 1): \(out.error ?? "")")
    let expected = expectations(in: source)
    if !expected.isEmpty { #expect(out.lines == expected, "block \(k + 1)") }
  }
}

/// README.md's example is a complete program that prints what it says.
@Suite("README.md")
struct ReadmeExampleTests {
  @Test("the README's example runs and prints its expected line")
  func example() throws {
    let blocks = TutorialTests.dplBlocks(of: "README.md")
    try #require(blocks.count == 1)
    let out = runProgram(source: blocks[0], path: "README.dpl")
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == expectations(in: blocks[0]))
    #expect(!out.lines.isEmpty)
  }
}
