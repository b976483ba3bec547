import Foundation
import Testing
@testable import Language

/// The syntax tree of a program without source locations (`@line:col`): what formatting
/// must preserve.
func shapeOfTree(_ source: String) -> String? {
  let file = SourceFile(path: "t.dpl", text: source)
  let parser = Parser(file: file, fileID: 0)
  let module = parser.parseModule(name: "main")
  if parser.diagnostics.hasErrors { return nil }
  return ASTPrinter.print(module, file: file, locations: false)
}

/// Every `.dpl` file below a folder of the repository.
func dplFiles(under folder: String) -> [String] {
  let root = packageRoot.appendingPathComponent(folder).path
  let all = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
  return all.filter { $0.hasSuffix(".dpl") }.sorted().map { folder + "/" + $0 }
}

/// `dpl fmt`: golden input → output pairs in `Fixtures/fmt` (`X.dpl` → `X.formatted.dpl`;
/// `DPL_RECORD=1` rewrites the outputs), idempotence and preservation of the syntax tree
/// over every program of the repository, and the errors for programs that do not parse.
@Suite struct FormatterTests {
  static var goldenInputs: [String] {
    dplFiles(under: "Tests/LanguageTests/Fixtures/fmt").filter { !$0.hasSuffix(".formatted.dpl") }
  }

  @Test(arguments: goldenInputs) func golden(_ path: String) throws {
    let input = try String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8)
    let out = try SourceFormatter.format(input, path: path)
    let golden = packageRoot.appendingPathComponent(path.replacingOccurrences(of: ".dpl", with: ".formatted.dpl"))
    if ProcessInfo.processInfo.environment["DPL_RECORD"] == "1" {
      try out.write(to: golden, atomically: true, encoding: .utf8)
      Issue.record("recorded \(golden.lastPathComponent); run again without DPL_RECORD")
      return
    }
    let want = try String(contentsOf: golden, encoding: .utf8)
    #expect(out == want, "\(path) formats differently from \(golden.lastPathComponent); rerun with DPL_RECORD=1 if intended")
  }

  /// Programs, the library, every test program and fixture, and the formatter's own inputs.
  static var corpus: [String] {
    ["programs", "stdlib", "Tests"].flatMap(dplFiles(under:))
  }

  @Test func corpusIsLarge() { #expect(Self.corpus.count >= 60) }

  @Test(arguments: corpus) func idempotentAndTreePreserving(_ path: String) throws {
    let source = try String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8)
    guard let tree = shapeOfTree(source) else {
      #expect(throws: FormatError.self) { try SourceFormatter.format(source, path: path) }
      return
    }
    let once = try SourceFormatter.format(source, path: path)
    #expect(shapeOfTree(once) == tree, "formatting \(path) changed its syntax tree")
    #expect(try SourceFormatter.format(once, path: path) == once, "formatting \(path) twice changes it again")
  }

  @Test func docsBlocksAreIdempotent() throws {
    for name in ["README.md"] + (try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("docs").path)).map({ "docs/" + $0 }) where name.hasSuffix(".md") {
      let text = try String(contentsOf: packageRoot.appendingPathComponent(name), encoding: .utf8)
      let once = try SourceFormatter.formatMarkdown(text, path: name)
      #expect(try SourceFormatter.formatMarkdown(once, path: name) == once, "\(name)")
    }
  }

  @Test func layoutRules() throws {
    let cases: [(String, String)] = [
      ("let x=-1", "let x = -1\n"),
      ("let y = a-b\n-c\n", "let y = a - b\n-c\n"),
      ("print(f(a\n-b))", "print(f(a\n        - b))\n"),
      ("let l = x\n[0]", "let l = x\n[0]\n"),
      ("let s = \"a \\\"q\\\" \\\\ \\(  x[1 :2]  )\"", "let s = \"a \\\"q\\\" \\\\ \\(x[1:2])\"\n"),
      ("let s = \"\\(x /* kept */)\"", "let s = \"\\(x /* kept */)\"\n"),
      ("if a {\n  1\n}\n\n\nelse {\n  2\n}", "if a {\n  1\n} else {\n  2\n}\n"),
      ("if a { 1 }\n// about else\nelse { 2 }", "if a { 1 }\n// about else\nelse { 2 }\n"),
      ("a;;b;\n;c", "a; b\nc\n"),
      ("", ""),
      ("\n\n// only a comment\n\n", "// only a comment\n"),
      ("let x =\n3", "let x =\n  3\n"),
      ("for i in 0..<\nn { }", "for i in 0..<\n  n {}\n"),
      ("let m = a@b\nlet n = @bypass(ste) f(a)", "let m = a @ b\nlet n = @bypass(ste) f(a)\n"),
      ("f(x)\t// tab\r\ng(y)\r\n", "f(x)  // tab\ng(y)\n"),
    ]
    for (input, want) in cases {
      let out = try SourceFormatter.format(input, path: "t.dpl")
      #expect(out == want, "input: \(String(reflecting: input))")
      #expect(shapeOfTree(out) == shapeOfTree(input), "input: \(String(reflecting: input))")
    }
  }

  @Test func parseErrorIsLocated() {
    do {
      _ = try SourceFormatter.format("let a = 1\nlet = 4\n", path: "bad.dpl")
      Issue.record("a program that does not parse was formatted")
    } catch let e as FormatError {
      #expect(e.rendered.hasPrefix("bad.dpl:2:5: error: expected a name to bind, found '='\nlet = 4\n    ^\n"), "\(e.rendered)")
      #expect(e.diagnostics.count == 1)
    } catch {
      Issue.record("unexpected error \(error)")
    }
  }

  @Test func markdownBlocks() throws {
    let md = "# T\n\n```dpl\nlet x=1\n```\n\n```\nlet   y=2\n```\n\n```dpl repl\nprint( x )\n```\nend\n"
    let out = try SourceFormatter.formatMarkdown(md, path: "t.md")
    #expect(out == "# T\n\n```dpl\nlet x = 1\n```\n\n```\nlet   y=2\n```\n\n```dpl repl\nprint(x)\n```\nend\n")
    #expect(throws: FormatError.self) { try SourceFormatter.formatMarkdown("a\n\n```dpl\nlet = 1\n```\n", path: "t.md") }
    do {
      _ = try SourceFormatter.formatMarkdown("a\n\n```dpl\nlet = 1\n```\n", path: "t.md")
    } catch let e as FormatError {
      #expect(e.rendered.hasPrefix("t.md:4:5: error:"), "\(e.rendered)")
    }
  }
}
