/// What lies between two tokens: line breaks and comments (spaces are not kept).
enum Trivia: Equatable {
  case newline
  /// A `//` comment and the column (in characters) where it starts in the input.
  case lineComment(String, column: Int)
  /// A `/* … */` comment (nested ones included), possibly over several lines.
  case blockComment(String, column: Int)
}

extension Layout {
  /// The trivia in the bytes `from..<to`, which hold no token.
  func trivia(_ from: Int, _ to: Int) -> [Trivia] {
    let b = file.bytes
    var items: [Trivia] = []
    var i = from
    func at(_ k: Int, _ c: Character) -> Bool { k < to && b[k] == c.asciiValue }
    while i < to {
      if b[i] == UInt8(ascii: "\n") {
        items.append(.newline)
        i += 1
      } else if at(i, "/"), at(i + 1, "/") {
        let start = i
        while i < to, b[i] != UInt8(ascii: "\n") { i += 1 }
        items.append(.lineComment(String(Substring(text(start, i)).trimmingTrailingSpaces()), column: column(of: start)))
      } else if at(i, "/"), at(i + 1, "*") {
        let start = i
        var depth = 0
        repeat {
          if at(i, "/"), at(i + 1, "*") { depth += 1; i += 2 }
          else if at(i, "*"), at(i + 1, "/") { depth -= 1; i += 2 }
          else { i += 1 }
        } while depth > 0 && i < to
        let bytes = b[start..<i].filter { $0 != UInt8(ascii: "\r") }
        items.append(.blockComment(String(decoding: bytes, as: UTF8.self), column: column(of: start)))
      } else {
        i += 1
      }
    }
    return items
  }

  func text(_ start: Int, _ end: Int) -> String {
    String(decoding: file.bytes[start..<end], as: UTF8.self)
  }

  /// The column of a byte offset in characters (a tab counts as one).
  func column(of offset: Int) -> Int {
    var s = offset
    while s > 0, file.bytes[s - 1] != UInt8(ascii: "\n") { s -= 1 }
    return text(s, offset).count
  }

  /// The output text. Trailing `//` comments of a run of neighbouring lines (no blank line
  /// between, same indentation) start in one column, two spaces after the longest code.
  func render() -> String {
    var ls = lines
    while ls.last?.blank == true { ls.removeLast() }
    var columns = [Int](repeating: 0, count: ls.count)
    var i = 0
    while i < ls.count {
      var j = i + 1
      if !ls[i].blank, !ls[i].multiline {
        while j < ls.count, !ls[j].blank, !ls[j].multiline, ls[j].indent == ls[i].indent { j += 1 }
      }
      let commented = ls[i..<j].filter { $0.trailing != nil }
      let widest = commented.filter { !$0.text.isEmpty }.map(\.width).max() ?? ls[i].indent
      for k in i..<j { columns[k] = ls[k].multiline ? ls[k].width + 2 : widest + 2 }
      i = j
    }
    var out = ""
    for (k, l) in ls.enumerated() {
      if l.blank { out += "\n"; continue }
      var s = String(repeating: " ", count: l.indent) + l.text
      if let c = l.trailing {
        let pad = l.text.isEmpty ? columns[k] - l.indent : columns[k] - l.width
        s += String(repeating: " ", count: max(pad, l.text.isEmpty ? 0 : 1)) + c
      }
      out += s + "\n"
    }
    return out
  }
}
