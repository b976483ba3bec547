import Foundation

/// A small TextMate tokenizer, enough to test the VS Code grammar of dpl without node:
/// `match` and `begin`/`end` rules, `captures`, `beginCaptures`, `endCaptures`,
/// `contentName`, and `include` of `#name` and `$self`. Regexes run on ICU
/// (NSRegularExpression), which agrees with VS Code's Oniguruma on the syntax the
/// grammar uses; columns are UTF-16 offsets, as in VS Code.
final class TextMateGrammar {
  final class Rule {
    var name: String?
    var contentName: String?
    var match: NSRegularExpression?
    var begin: NSRegularExpression?
    var end: NSRegularExpression?
    var captures: [Int: String] = [:]
    var beginCaptures: [Int: String] = [:]
    var endCaptures: [Int: String] = [:]
    var patterns: [Rule] = []
    var include: String?
  }

  struct BadGrammar: Error, CustomStringConvertible {
    var description: String
  }

  let scopeName: String
  let top: [Rule]
  let repository: [String: Rule]

  init(json data: Data) throws {
    guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw BadGrammar(description: "the grammar is not a JSON object")
    }
    scopeName = root["scopeName"] as? String ?? ""
    top = try (root["patterns"] as? [[String: Any]] ?? []).map(TextMateGrammar.rule)
    var repo: [String: Rule] = [:]
    for (key, value) in root["repository"] as? [String: [String: Any]] ?? [:] { repo[key] = try TextMateGrammar.rule(value) }
    repository = repo
  }

  static func rule(_ j: [String: Any]) throws -> Rule {
    let r = Rule()
    r.name = j["name"] as? String
    r.contentName = j["contentName"] as? String
    r.include = j["include"] as? String
    func regex(_ key: String) throws -> NSRegularExpression? {
      guard let p = j[key] as? String else { return nil }
      do { return try NSRegularExpression(pattern: p) } catch { throw BadGrammar(description: "\(key) regex does not compile: \(p)") }
    }
    func names(_ key: String) -> [Int: String] {
      var out: [Int: String] = [:]
      for (k, v) in j[key] as? [String: [String: Any]] ?? [:] { if let i = Int(k), let n = v["name"] as? String { out[i] = n } }
      return out
    }
    r.match = try regex("match")
    r.begin = try regex("begin")
    r.end = try regex("end")
    r.captures = names("captures")
    r.beginCaptures = names("beginCaptures").merging(r.captures) { a, _ in a }
    r.endCaptures = names("endCaptures").merging(r.captures) { a, _ in a }
    r.patterns = try (j["patterns"] as? [[String: Any]] ?? []).map(rule)
    if r.begin != nil, r.end == nil { throw BadGrammar(description: "a begin rule without an end") }
    return r
  }

  /// The rules that can match, with includes and pattern groups flattened, in order.
  func expand(_ rules: [Rule], _ seen: inout Set<ObjectIdentifier>) -> [Rule] {
    var out: [Rule] = []
    for r in rules {
      var target = r
      if let inc = r.include {
        if inc == "$self" || inc == "$base" {
          out += expand(top, &seen)
          continue
        }
        guard inc.hasPrefix("#"), let found = repository[String(inc.dropFirst())] else { continue }
        target = found
      }
      if target.match != nil || target.begin != nil {
        out.append(target)
      } else if seen.insert(ObjectIdentifier(target)).inserted {
        out += expand(target.patterns, &seen)
      }
    }
    return out
  }

  /// Every include names a rule of the repository.
  func unresolvedIncludes() -> [String] {
    var missing: [String] = []
    func walk(_ rs: [Rule]) {
      for r in rs {
        if let inc = r.include, inc.hasPrefix("#"), repository[String(inc.dropFirst())] == nil { missing.append(inc) }
        walk(r.patterns)
      }
    }
    walk(top)
    walk(Array(repository.values))
    return missing
  }

  /// The scopes of every UTF-16 column of every line.
  func tokenize(_ lines: [String]) -> [[[String]]] {
    struct Frame { let rule: Rule; let outer: [String]; let inner: [String] }
    var stack: [Frame] = []
    var result: [[[String]]] = []
    let options: NSRegularExpression.MatchingOptions = [.withTransparentBounds, .withoutAnchoringBounds]
    for line in lines {
      let ns = line as NSString
      let length = ns.length
      var scopes = [[String]](repeating: [], count: length)
      func fill(_ range: NSRange, _ s: [String]) {
        for k in range.location..<min(length, range.location + range.length) { scopes[k] = s }
      }
      func applyCaptures(_ m: NSTextCheckingResult, _ names: [Int: String]) {
        for (g, n) in names.sorted(by: { $0.key < $1.key }) where g < m.numberOfRanges {
          let r = m.range(at: g)
          if r.location != NSNotFound { for k in r.location..<min(length, r.location + r.length) { scopes[k].append(n) } }
        }
      }
      var pos = 0
      var steps = 0
      while pos <= length, steps < 10_000 {
        steps += 1
        let base = stack.last?.inner ?? [scopeName]
        var seen = Set<ObjectIdentifier>()
        let rules = expand(stack.last?.rule.patterns ?? top, &seen)
        var best: (NSTextCheckingResult, Rule?)?
        let searched = NSRange(location: pos, length: length - pos)
        if let frame = stack.last, let e = frame.rule.end, let m = e.firstMatch(in: line, options: options, range: searched) {
          best = (m, nil)
        }
        for r in rules {
          guard let re = r.match ?? r.begin, let m = re.firstMatch(in: line, options: options, range: searched) else { continue }
          if best == nil || m.range.location < best!.0.range.location { best = (m, r) }
        }
        guard let (m, rule) = best else {
          fill(NSRange(location: pos, length: length - pos), base)
          break
        }
        fill(NSRange(location: pos, length: m.range.location - pos), base)
        if let rule {
          let outer = rule.name.map { base + [$0] } ?? base
          fill(m.range, outer)
          if rule.begin != nil {
            applyCaptures(m, rule.beginCaptures)
            stack.append(Frame(rule: rule, outer: outer, inner: rule.contentName.map { outer + [$0] } ?? outer))
          } else {
            applyCaptures(m, rule.captures)
            if m.range.length == 0 {
              // An empty match changes nothing: step over one column.
              if m.range.location < length { scopes[m.range.location] = base }
              pos = m.range.location + 1
              continue
            }
          }
        } else if let frame = stack.popLast() {
          fill(m.range, frame.outer)
          applyCaptures(m, frame.rule.endCaptures)
        }
        pos = m.range.location + m.range.length
      }
      result.append(scopes)
    }
    return result
  }
}

/// The assertions of a vscode-tmgrammar-test file: `// ^^^ scope - not.this` under a line
/// (or `// <--- scope` from its first column); the scopes must appear in order.
struct GrammarTestFile {
  struct Assertion {
    var line: Int
    var columns: [Int]
    var required: [String]
    var forbidden: [String]
    var text: String
  }

  var scope = ""
  var lines: [String] = []
  var assertions: [Assertion] = []

  init(_ text: String) {
    lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if let header = lines.first, header.hasPrefix("// SYNTAX TEST \"") {
      scope = String(header.dropFirst(16).prefix { $0 != "\"" })
    }
    var source = 0
    for (i, line) in lines.enumerated().dropFirst() {
      let u = Array(line.utf16)
      guard u.count > 2, line.hasPrefix("//") else { source = i; continue }
      var k = 2
      while k < u.count, u[k] == 32 { k += 1 }
      var columns: [Int] = []
      if k < u.count, u[k] == UInt16(UInt8(ascii: "^")) {
        while k < u.count, u[k] == UInt16(UInt8(ascii: "^")) { columns.append(k); k += 1 }
      } else if k + 1 < u.count, u[k] == UInt16(UInt8(ascii: "<")), u[k + 1] == UInt16(UInt8(ascii: "-")) || u[k + 1] == UInt16(UInt8(ascii: "~")) {
        k += 1
        var offset = 0
        while k < u.count, u[k] == UInt16(UInt8(ascii: "~")) { offset += 1; k += 1 }
        while k < u.count, u[k] == UInt16(UInt8(ascii: "-")) { columns.append(offset + columns.count); k += 1 }
      } else {
        source = i
        continue
      }
      let spec = String(decoding: u[k...], as: UTF16.self).split(separator: " ").map(String.init)
      let dash = spec.firstIndex(of: "-") ?? spec.count
      assertions.append(Assertion(line: source, columns: columns, required: Array(spec[..<dash]),
                                  forbidden: Array(spec[min(dash + 1, spec.count)...]), text: line))
    }
  }

  /// A message for each assertion that the tokens do not satisfy.
  func failures(_ tokens: [[[String]]]) -> [String] {
    var out: [String] = []
    for a in assertions {
      for c in a.columns {
        let have = c < tokens[a.line].count ? tokens[a.line][c] : []
        var rest = have[...]
        let inOrder = a.required.allSatisfy { s in
          guard let k = rest.firstIndex(of: s) else { return false }
          rest = rest[(k + 1)...]
          return true
        }
        if !inOrder || a.forbidden.contains(where: have.contains) {
          out.append("line \(a.line + 1) column \(c + 1) of '\(lines[a.line])': scopes \(have), assertion '\(a.text)'")
        }
      }
    }
    return out
  }
}
