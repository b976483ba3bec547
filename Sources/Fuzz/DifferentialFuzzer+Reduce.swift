import Foundation
import Runtime
import IR
import Language

/// Shrinking a failing program to the statements that keep it failing the same way.
extension DifferentialFuzzer {
  /// Every setting's outcome for a source text, or nil when it does not compile.
  func outcomes(of source: String) -> [(String, Outcome)]? {
    let c = Compilation(options: CompileOptions(searchPaths: [], readFile: { _ in nil }))
    c.parse(source: source, path: "fuzz.dpl")
    guard let lowered = c.checkAndLower(), let modules = try? Pipeline.run(lowered, settings: Self.settings.map(\.skipping))
    else { return nil }
    return zip(Self.settings, modules).map { ($0.name, execute($1)) }
  }

  /// What sets the settings apart: each one that stops with another error than the
  /// unoptimised program (the last setting), or prints otherwise, with how. Empty when
  /// they all agree (the reference is needed to tell what is wrong then).
  static func divergence(_ outcomes: [(String, Outcome)]) -> [String] {
    let plain = outcomes[outcomes.count - 1].1
    return outcomes.compactMap { name, o in
      let error = o.error.map { message(firstLine($0)) }, plainError = plain.error.map { message(firstLine($0)) }
      if error != plainError { return "\(name): \(error ?? "no error")" }
      if error == nil, OutputComparison.sameOutput(plain.lines, o.lines) != nil { return "\(name): output" }
      return nil
    }
  }

  /// A smaller program whose settings diverge as the failing one's do: statements (a line
  /// and the block it opens) are dropped one at a time while that holds. Nil when the
  /// settings agree with each other (a failure against the reference only).
  public func reduce(_ source: String) -> String? {
    guard let start = outcomes(of: source) else { return nil }
    let target = Self.divergence(start)
    guard !target.isEmpty else { return nil }
    var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var changed = true
    while changed {
      changed = false
      var i = lines.count - 1
      while i >= 0 {
        let end = Self.blockEnd(lines, i)
        let candidate = Array(lines[..<i] + lines[(end + 1)...])
        if let o = outcomes(of: candidate.joined(separator: "\n")), Self.divergence(o) == target {
          lines = candidate
          changed = true
        }
        i -= 1
      }
    }
    return lines.joined(separator: "\n")
  }

  /// The last line of the statement starting at line `i`: where its braces balance.
  static func blockEnd(_ lines: [String], _ i: Int) -> Int {
    var depth = 0
    for k in i..<lines.count {
      for ch in lines[k] {
        if ch == "{" { depth += 1 } else if ch == "}" { depth -= 1 }
      }
      if depth <= 0 { return k }
    }
    return lines.count - 1
  }
}
