import Language

/// The call whose argument list a completion position is in, found from the text alone
/// (the argument being typed rarely parses yet).
enum CallContext: Equatable {
  /// Inside `@bypass(…)`: the argument's index and the option labels already written.
  case bypass(argument: Int, given: Set<String>)
  /// Inside `callee(…)` (`f`, `nn.UNet`): the labels already written.
  case call(callee: String, given: Set<String>)
}

extension Analysis {
  /// The innermost unclosed `(` before `offset` that opens a call, looking back at most a
  /// few thousand bytes; nil inside brackets or braces that are not a call's.
  static func enclosingCall(_ bytes: [UInt8], before offset: Int) -> CallContext? {
    var depth = 0, commas = 0, i = offset
    var labels: Set<String> = []
    let limit = max(0, offset - 4000)
    while i > limit {
      i -= 1
      switch bytes[i] {
      case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"): depth += 1
      case UInt8(ascii: "["), UInt8(ascii: "{"):
        if depth == 0 { return nil }
        depth -= 1
      case UInt8(ascii: ","): if depth == 0 { commas += 1 }
      case UInt8(ascii: ":") where depth == 0:
        // `label:` — the identifier right before the colon.
        var j = i
        while j > 0, bytes[j - 1] == UInt8(ascii: " ") { j -= 1 }
        let end = j
        while j > 0, isIdent(bytes[j - 1]) { j -= 1 }
        if j < end { labels.insert(String(decoding: bytes[j..<end], as: UTF8.self)) }
      case UInt8(ascii: "("):
        if depth > 0 { depth -= 1; continue }
        var j = i
        while j > 0, bytes[j - 1] == UInt8(ascii: " ") { j -= 1 }
        let end = j
        while j > 0, isIdent(bytes[j - 1]) || bytes[j - 1] == UInt8(ascii: ".") { j -= 1 }
        let callee = String(decoding: bytes[j..<end], as: UTF8.self)
        if callee == "bypass", j > 0, bytes[j - 1] == UInt8(ascii: "@") { return .bypass(argument: commas, given: labels) }
        // A declaration's parameter list, or a parenthesised expression, is not a call.
        var k = j
        while k > 0, bytes[k - 1] == UInt8(ascii: " ") { k -= 1 }
        let wordEnd = k
        while k > 0, isIdent(bytes[k - 1]) { k -= 1 }
        let before = String(decoding: bytes[k..<wordEnd], as: UTF8.self)
        if callee.isEmpty || Keyword(rawValue: callee) != nil || before == "fn" || before == "model" { return nil }
        return .call(callee: callee, given: labels)
      default: break
      }
    }
    return nil
  }
}
