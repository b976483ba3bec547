import Foundation
import Testing
@testable import Runtime

/// Every ```dpl block of `docs/tutorial.md` is a complete program: it must run without
/// error and print exactly its `// expect:` lines (blocks without any must just run).
@Suite("docs/tutorial.md")
struct TutorialTests {
  static let blocks: [String] = {
    let url = repositoryRoot.appendingPathComponent("docs/tutorial.md")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    var blocks: [String] = [], current: [Substring]?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if current == nil, line == "```dpl" { current = [] } else if current != nil, line == "```" {
        blocks.append(current!.joined(separator: "\n"))
        current = nil
      } else if current != nil { current!.append(line) }
    }
    return blocks
  }()

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
