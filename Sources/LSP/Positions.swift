import Language

/// An LSP position: a 0-based line and a 0-based offset in UTF-16 code units within it.
public struct Position: Hashable, Sendable {
  public var line: Int
  public var character: Int

  public init(line: Int, character: Int) {
    self.line = line
    self.character = character
  }

  init?(_ json: JSON) {
    guard let l = json["line"].int, let c = json["character"].int else { return nil }
    self.init(line: l, character: c)
  }

  var json: JSON { ["line": JSON(line), "character": JSON(character)] }
}

/// The line starts of a UTF-8 text: converts the front end's byte offsets to LSP
/// positions and back. LSP counts characters in UTF-16 code units, so `é` is one unit
/// (two bytes) and `𝑥` two units (four bytes).
public struct LineIndex: Sendable {
  let bytes: [UInt8]
  let lineStarts: [Int]

  public init(bytes: [UInt8]) {
    self.bytes = bytes
    var starts = [0]
    for (i, b) in bytes.enumerated() where b == 10 { starts.append(i + 1) }
    lineStarts = starts
  }

  public init(text: String) { self.init(bytes: Array(text.utf8)) }

  /// The position of a byte offset (clamped to the text).
  public func position(of offset: Int) -> Position {
    let off = max(0, min(offset, bytes.count))
    var lo = 0, hi = lineStarts.count - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if lineStarts[mid] <= off { lo = mid } else { hi = mid - 1 }
    }
    var units = 0
    for i in lineStarts[lo]..<off { units += Self.utf16Width(bytes[i]) }
    return Position(line: lo, character: units)
  }

  /// The byte offset of a position. A character past the end of its line means the line's
  /// end, a line past the last one the end of the text, and a position inside a surrogate
  /// pair the start of its character.
  public func offset(of p: Position) -> Int {
    guard p.line >= 0 else { return 0 }
    guard p.line < lineStarts.count else { return bytes.count }
    var end = p.line + 1 < lineStarts.count ? lineStarts[p.line + 1] - 1 : bytes.count
    if end > lineStarts[p.line], bytes[end - 1] == 13 { end -= 1 }
    var i = lineStarts[p.line], units = 0
    while i < end {
      let w = Self.utf16Width(bytes[i])
      if units + w > p.character { break }
      units += w
      i += 1
      while i < end, bytes[i] & 0xC0 == 0x80 { i += 1 }
    }
    return i
  }

  /// UTF-16 code units of the character a UTF-8 byte starts (0 for a continuation byte).
  static func utf16Width(_ b: UInt8) -> Int {
    if b & 0xC0 == 0x80 { return 0 }
    return b >= 0xF0 ? 2 : 1
  }

  /// The LSP range of a span of this text.
  func range(_ span: Span) -> JSON {
    ["start": position(of: span.start).json, "end": position(of: span.end).json]
  }

  /// The byte range an LSP range covers (nil when malformed).
  func span(_ range: JSON) -> Range<Int>? {
    guard let s = Position(range["start"]), let e = Position(range["end"]) else { return nil }
    let a = offset(of: s), b = offset(of: e)
    return min(a, b)..<max(a, b)
  }

  /// The range from the start of the text to its end.
  var whole: JSON { range(Span(file: 0, start: 0, end: bytes.count)) }
}
