import Foundation
import Testing
@testable import Language

/// The VS Code extension in `editors/vscode`: its manifests are valid JSON that point at
/// files that exist, every regex of the TextMate grammar compiles, the grammar's test file
/// (the one `vscode-tmgrammar-test` runs where npm is available) passes on a small
/// tokenizer, and the grammar knows every keyword, builtin and `@bypass` strategy and
/// option of the language, so a new one cannot be forgotten.
@Suite struct GrammarTests {
  static let folder = packageRoot.appendingPathComponent("editors/vscode")

  static func grammar() throws -> TextMateGrammar {
    try TextMateGrammar(json: Data(contentsOf: folder.appendingPathComponent("syntaxes/dpl.tmLanguage.json")))
  }

  /// The scopes at column 0 of a one-line program.
  static func scopes(_ line: String, at column: Int = 0) throws -> [String] {
    try grammar().tokenize([line])[0][column]
  }

  @Test func manifestsAreValid() throws {
    for name in ["package.json", "language-configuration.json", "syntaxes/dpl.tmLanguage.json"] {
      let data = try Data(contentsOf: Self.folder.appendingPathComponent(name))
      #expect(throws: Never.self, "\(name) is JSON") { try JSONSerialization.jsonObject(with: data) }
    }
    let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("package.json"))) as? [String: Any])
    let contributes = try #require(manifest["contributes"] as? [String: Any])
    let language = try #require((contributes["languages"] as? [[String: Any]])?.first)
    #expect(language["id"] as? String == "dpl")
    #expect(language["extensions"] as? [String] == [".dpl"])
    let grammar = try #require((contributes["grammars"] as? [[String: Any]])?.first)
    #expect(grammar["scopeName"] as? String == "source.dpl")
    for path in [language["configuration"], grammar["path"], manifest["main"]].compactMap({ $0 as? String }) {
      #expect(FileManager.default.fileExists(atPath: Self.folder.appendingPathComponent(path).path), "\(path) exists")
    }
    let deps = manifest["dependencies"] as? [String: Any] ?? [:]
    #expect(deps["vscode-languageclient"] != nil)
    let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder.appendingPathComponent("language-configuration.json"))) as? [String: Any])
    let rules = config["indentationRules"] as? [String: String] ?? [:]
    for pattern in [config["wordPattern"] as? String, rules["increaseIndentPattern"], rules["decreaseIndentPattern"]] {
      let p = try #require(pattern)
      #expect(throws: Never.self, "\(p) compiles") { try NSRegularExpression(pattern: p) }
    }
  }

  @Test func grammarCompiles() throws {
    let g = try Self.grammar()
    #expect(g.scopeName == "source.dpl")
    #expect(g.unresolvedIncludes().isEmpty, "\(g.unresolvedIncludes())")
  }

  @Test func grammarTestFilePasses() throws {
    let text = try String(contentsOf: Self.folder.appendingPathComponent("tests/dpl.test.dpl"), encoding: .utf8)
    let file = GrammarTestFile(text)
    #expect(file.scope == "source.dpl")
    #expect(file.assertions.count >= 60)
    let failures = file.failures(try Self.grammar().tokenize(file.lines))
    #expect(failures.isEmpty, "\(failures.count) failed:\n\(failures.joined(separator: "\n"))")
  }

  @Test(arguments: Keyword.allCases) func keywordIsHighlighted(_ k: Keyword) throws {
    let s = try Self.scopes(k.rawValue)
    #expect(s.contains { $0.hasPrefix("keyword.") || $0.hasPrefix("storage.type.") || $0.hasPrefix("constant.language.") },
            "'\(k.rawValue)' has scopes \(s)")
  }

  @Test func builtinsAreHighlighted() throws {
    let names = Builtins.all.map(\.name)
    let g = try Self.grammar()
    let missing = names.filter { !g.tokenize(["\($0)(x)"])[0][0].contains("support.function.builtin.dpl") }
    #expect(missing.isEmpty, "builtins the grammar does not know: \(missing)")
  }

  @Test func bypassStrategiesAndOptions() throws {
    let g = try Self.grammar()
    for s in BypassStrategy.names {
      #expect(g.tokenize(["@bypass(\(s)) f(x)"])[0][8].contains("support.constant.strategy.dpl"), "strategy \(s)")
    }
    for o in Checker.bypassOptions {
      #expect(g.tokenize(["@bypass(es, \(o): 1) f(x)"])[0][12].contains("variable.parameter.option.bypass.dpl"), "option \(o)")
    }
  }
}
