import Foundation

/// Compares printed lines token by token: numbers within a tolerance, everything else
/// (brackets, commas, words) exactly.
enum OutputComparison {
  enum Token: Equatable {
    case number(Double)
    case text(String)
  }

  /// The tokens of a line: numbers (`-1.5`, `2e-07`), and every other character on its own.
  static func tokens(_ line: String) -> [Token] {
    var out: [Token] = []
    let cs = Array(line.unicodeScalars)
    var i = 0
    func isDigit(_ k: Int) -> Bool { k < cs.count && ("0"..."9").contains(cs[k]) }
    while i < cs.count {
      if isDigit(i) || (cs[i] == "-" && isDigit(i + 1)) {
        var j = i + 1
        while j < cs.count {
          if isDigit(j) || cs[j] == "." {
            j += 1
          } else if cs[j] == "e" || cs[j] == "E" {
            j += 1
            if j < cs.count, cs[j] == "-" || cs[j] == "+" { j += 1 }
          } else {
            break
          }
        }
        let text = String(String.UnicodeScalarView(cs[i..<j]))
        out.append(Double(text).map { .number($0) } ?? .text(text))
        i = j
      } else {
        out.append(.text(String(cs[i])))
        i += 1
      }
    }
    return out
  }

  /// Whether two lines agree: the same tokens, numbers within `relative·|b| + absolute`.
  static func agree(_ a: String, _ b: String, relative: Double, absolute: Double) -> Bool {
    if a == b { return true }
    let ta = tokens(a), tb = tokens(b)
    guard ta.count == tb.count else { return false }
    for (x, y) in zip(ta, tb) {
      switch (x, y) {
      case (.number(let u), .number(let v)):
        if !(Swift.abs(u - v) <= relative * Swift.abs(v) + absolute) { return false }
      default:
        if x != y { return false }
      }
    }
    return true
  }

  /// Lines of two runs agree (the same count, each within the cross-pass tolerance). Passes
  /// may reassociate floating-point sums (CSE accumulates one gradient where the plain
  /// program accumulates three), so the absolute tolerance scales with the largest
  /// magnitude behind the line: the reference's, where known, and the line's own numbers.
  static func sameOutput(_ a: [String], _ b: [String], expected: [ExpectedLine] = []) -> Int? {
    for k in 0..<max(a.count, b.count) {
      guard k < a.count, k < b.count else { return k }
      var scale = magnitude(b[k])
      if k < expected.count, case .known(_, let s) = expected[k] { scale = Swift.max(scale, s) }
      guard agree(a[k], b[k], relative: 1e-4, absolute: 1e-6 + 1e-6 * scale) else { return k }
    }
    return nil
  }

  /// The largest magnitude of the finite numbers on a line.
  static func magnitude(_ line: String) -> Double {
    tokens(line).reduce(0) { m, t in
      if case .number(let v) = t, v.isFinite { return Swift.max(m, Swift.abs(v)) }
      return m
    }
  }

  /// The first line where a run's output departs from the reference, if any.
  static func firstMismatch(_ lines: [String], _ expected: [ExpectedLine]) -> Int? {
    for k in 0..<max(lines.count, expected.count) {
      if k < expected.count, expected[k] == .lost { return nil }
      guard k < lines.count, k < expected.count else { return k }
      if case .exact(let text) = expected[k], lines[k] != text { return k }
      if case .known(let text, let scale) = expected[k],
         !agree(lines[k], text, relative: 1e-3, absolute: 1e-4 + 2e-6 * scale) {
        return k
      }
    }
    return nil
  }
}
