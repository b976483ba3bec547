import Testing
@testable import LSP

/// LSP positions count UTF-16 code units; the front end counts bytes. `é` is 2 bytes and
/// 1 unit, `→` 3 bytes and 1 unit, `𝑥` 4 bytes and 2 units (a surrogate pair).
@Suite struct PositionTests {
  let text = "let a = 1 // é\n\"→𝑥\" + b\r\n\nlast"

  @Test func byteOffsetsToPositions() {
    let index = LineIndex(text: text)
    #expect(index.position(of: 0) == Position(line: 0, character: 0))
    #expect(index.position(of: 13) == Position(line: 0, character: 13))  // before é
    #expect(index.position(of: 15) == Position(line: 0, character: 14))  // after é (2 bytes)
    #expect(index.position(of: 16) == Position(line: 1, character: 0))
    #expect(index.position(of: 17) == Position(line: 1, character: 1))   // before →
    #expect(index.position(of: 20) == Position(line: 1, character: 2))   // before 𝑥 (→ is 3 bytes)
    #expect(index.position(of: 24) == Position(line: 1, character: 4))   // after 𝑥 (2 units)
    #expect(index.position(of: 10_000) == Position(line: 3, character: 4))
  }

  @Test func positionsToByteOffsets() {
    let index = LineIndex(text: text)
    #expect(index.offset(of: Position(line: 0, character: 14)) == 15)
    #expect(index.offset(of: Position(line: 1, character: 2)) == 20)
    #expect(index.offset(of: Position(line: 1, character: 3)) == 20, "inside the surrogate pair: the start of 𝑥")
    #expect(index.offset(of: Position(line: 1, character: 4)) == 24)
    // Past the end of a line: the line's end, before its `\r\n`.
    #expect(index.offset(of: Position(line: 1, character: 99)) == Array("let a = 1 // é\n\"→𝑥\" + b".utf8).count)
    #expect(index.offset(of: Position(line: 2, character: 5)) == index.offset(of: Position(line: 2, character: 0)))
    #expect(index.offset(of: Position(line: 9, character: 0)) == Array(text.utf8).count)
    #expect(index.offset(of: Position(line: -1, character: 3)) == 0)
  }

  @Test func everyCharacterBoundaryRoundTrips() {
    let index = LineIndex(text: text)
    var offset = 0
    let bytes = Array(text.utf8)
    for scalar in text.unicodeScalars {
      // Between `\r` and `\n` is no position LSP can name.
      if offset == 0 || bytes[offset - 1] != 13 { #expect(index.offset(of: index.position(of: offset)) == offset) }
      offset += String(scalar).utf8.count
    }
  }

  @Test func anEmptyText() {
    let index = LineIndex(text: "")
    #expect(index.position(of: 0) == Position(line: 0, character: 0))
    #expect(index.offset(of: Position(line: 0, character: 4)) == 0)
  }
}

/// Incremental changes are applied in order, each in the positions of the text before it.
@Suite struct DocumentTests {
  func change(_ l0: Int, _ c0: Int, _ l1: Int, _ c1: Int, _ text: String) -> JSON {
    ["range": ["start": ["line": JSON(l0), "character": JSON(c0)], "end": ["line": JSON(l1), "character": JSON(c1)]], "text": JSON(text)]
  }

  @Test func incrementalChangesWithNonASCIIText() throws {
    var doc = Document(uri: "file:///tmp/a.dpl", version: 1, text: "let s = \"𝑥é\" // →\nlet t = 2\n")
    try doc.apply(change(0, 11, 0, 12, "e"))  // é → e (𝑥 is two units)
    #expect(doc.text == "let s = \"𝑥e\" // →\nlet t = 2\n")
    try doc.apply(change(0, 18, 1, 3, " arrow\nvar"))
    #expect(doc.text == "let s = \"𝑥e\" // → arrow\nvar t = 2\n")
    try doc.apply(change(2, 0, 2, 0, "print(t)\n"))
    #expect(doc.text.hasSuffix("var t = 2\nprint(t)\n"))
    try doc.apply(["text": "fresh"])
    #expect(doc.text == "fresh")
    #expect(throws: RPCError.self) { try doc.apply(["range": "nonsense", "text": "x"]) }
    #expect(throws: RPCError.self) { try doc.apply(["range": ["start": ["line": 0, "character": 0]]]) }
  }

  @Test func uris() {
    #expect(Document(uri: "file:///tmp/with%20space/a.dpl", version: 0, text: "").path == "/tmp/with space/a.dpl")
    #expect(Document(uri: "untitled:Untitled-1", version: 0, text: "").path == "untitled:Untitled-1")
    #expect(Document.uri(of: "/tmp/with space/a.dpl") == "file:///tmp/with%20space/a.dpl")
  }
}
