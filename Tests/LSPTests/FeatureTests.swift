import Foundation
import Testing
@testable import LSP

/// Hover, definition, references, symbols and completion on one program that uses a
/// config block, a function, a model, the stdlib and a bypass.
@Suite struct FeatureTests {
  static let source = """
    import nn
    config {
      lr: Float = 0.01
      steps: Int = 3 in 1...
    }
    // Doubles every element.
    fn twice(x: Tensor, k: Float = 2.0) -> Tensor { x * k }
    model Head(cin: Int) {
      let l1 = dense(cin, 4)
      fn forward(x: Tensor) -> Tensor { relu(l1(x)) }
      fn score(x: Tensor) -> Tensor { sum(self.forward(x)) }
    }
    let a = randn([3, 2], seed: 1)
    let net = Head(2)
    let h = net.forward(a)
    let u = nn.UNet(1, 2, depth: 2, base: 4)
    for i in 0..<steps {
      let inner = twice(a) * lr
      print(inner)
    }
    let y = @bypass(es, sigma: 1.0) round(a)

    """
  let uri = "file:///tmp/dpl-lsp-features/f.dpl"
  let client = TestClient()

  init() { client.open(uri, Self.source) }

  func at(_ marker: String, _ k: Int = 0) -> (Int, Int) { position(of: marker, in: Self.source, offset: k) }

  func hover(_ marker: String, _ k: Int = 0) -> String {
    let (l, c) = at(marker, k)
    return client.at("hover", uri, l, c)["contents"]["value"].string ?? ""
  }

  func definition(_ marker: String, _ k: Int = 0) -> JSON {
    let (l, c) = at(marker, k)
    return client.at("definition", uri, l, c)
  }

  @Test func theProgramChecks() { #expect(client.diagnostics(uri)?.isEmpty == true) }

  @Test func hoverShowsTypesShapesSignaturesAndDocs() {
    #expect(hover("a = randn", 0).contains("let a: Tensor[3, 2]"))
    #expect(hover("a = randn", 0).contains("shape `[3, 2]` (rank 2)"))
    #expect(hover("twice(a)").contains("fn twice(x: Tensor, k: Float = 2.0) -> Tensor"))
    #expect(hover("twice(a)").contains("Doubles every element."))
    #expect(hover("randn").contains("randn(shape: shape, seed: int = none)"))
    #expect(hover("randn").contains("standard normal samples"))
    #expect(hover("lr\n", 0).contains("config lr: Float = 0.01"))
    #expect(hover("steps {").contains("config steps: Int = 3 in 1..."))
    #expect(hover("forward(a)").contains("fn Head.forward(x: Tensor) -> Tensor"))
    #expect(hover("l1(x)").contains("Head.l1: Layer(dense)"))
    #expect(hover("es,").contains("evolution strategies"))
    #expect(hover("sigma").contains("noise scale"))
    #expect(hover("Head(2)").contains("model Head(cin: Int)"))
    #expect(hover("nn.UNet").contains("import nn"))
    // An expression without a name: its type and shape.
    #expect(hover("* lr", 0) == "```dpl\nTensor\n```\n\nshape known at run time", "an operator: its expression")
    #expect(hover("[3, 2]").contains("[Int]"))
  }

  @Test func definitionsAcrossFilesAndIntoStdlib() {
    #expect(definition("twice(a)")["range"]["start"] == ["line": 6, "character": 3])
    #expect(definition("forward(a)")["range"]["start"] == ["line": 9, "character": 5])
    #expect(definition("l1(x)")["range"]["start"] == ["line": 8, "character": 6])
    #expect(definition("lr\n")["range"]["start"] == ["line": 2, "character": 2])
    #expect(definition("cin, 4")["range"]["start"] == ["line": 7, "character": 11])
    let unet = definition("UNet(")
    #expect(unet["uri"].string?.hasSuffix("/stdlib/nn.dpl") == true)
    #expect(unet["range"]["start"] == ["line": 61, "character": 6])
    let module = definition("nn\n", 1)
    #expect(module["uri"].string?.hasSuffix("/stdlib/nn.dpl") == true)
    #expect(module["range"]["start"] == ["line": 0, "character": 0])
    #expect(definition("round") == .null, "a builtin has no source")
  }

  @Test func references() {
    let (l, c) = at("a = randn")
    let refs = client.at("references", uri, l, c, extra: ["context": ["includeDeclaration": true]]).array ?? []
    #expect(refs.map(\.start.0) == [12, 14, 17, 20])
    let (fl, fc) = at("l1 = dense")
    let fields = client.at("references", uri, fl, fc, extra: ["context": ["includeDeclaration": false]]).array ?? []
    #expect(fields.map(\.start.0) == [9])
  }

  @Test func documentSymbols() {
    let symbols = client.request("textDocument/documentSymbol", ["textDocument": ["uri": JSON(uri)]]).array ?? []
    #expect(symbols.compactMap { $0["name"].string } == ["nn", "config", "twice", "Head", "a", "net", "h", "u", "y"])
    let head = symbols.first { $0["name"] == "Head" }
    #expect(head?["children"].array?.compactMap { $0["name"].string } == ["l1", "forward", "score"])
    #expect(symbols.first { $0["name"] == "a" }?["detail"] == "Tensor[3, 2]")
  }

  func complete(_ l: Int, _ c: Int) -> JSON { client.at("completion", uri, l, c) }

  /// Adds a last line and completes at its end.
  func completeAfter(_ line: String) -> JSON {
    let lineCount = Self.source.split(separator: "\n", omittingEmptySubsequences: false).count - 1
    client.change(uri, version: 2, [["range": ["start": ["line": JSON(lineCount), "character": 0],
                                              "end": ["line": JSON(lineCount), "character": 0]], "text": JSON(line)]])
    return complete(lineCount, line.utf16.count)
  }

  @Test func membersAfterADot() {
    let nn = completeAfter("let z = nn.").labels
    #expect(Set(["UNet", "Mlp", "DoubleConv", "encoder"]).isSubset(of: nn))
    #expect(!nn.contains("forward") && !nn.contains("relu"))
  }

  @Test func modelMembersAfterADot() {
    #expect(completeAfter("print(net.").labels == ["cin", "l1", "forward", "score"])
  }

  @Test func membersWithAPrefix() {
    #expect(completeAfter("let s = a.sh").labels == ["shape", "rank"])
  }

  @Test func namesInScope() {
    let (l, c) = at("print(inner)")
    let inLoop = complete(l, c).labels
    for n in ["inner", "i", "a", "net", "twice", "Head", "lr", "steps", "nn", "softmax", "let", "Tensor"] {
      #expect(inLoop.contains(n), "\(n) in the loop")
    }
    let (ml, mc) = at("relu(l1")
    let inMethod = complete(ml, mc).labels
    for n in ["x", "l1", "cin", "self", "twice"] { #expect(inMethod.contains(n), "\(n) in the method") }
    #expect(!inMethod.contains("inner"))
    let (tl, _) = at("let y")
    let top = complete(tl, 0).labels
    #expect(!top.contains("inner") && !top.contains("i") && !top.contains("l1") && !top.contains("y"))
    let softmax = complete(tl, 0)["items"].array?.first { $0["label"] == "softmax" }
    #expect(softmax?["detail"].string?.contains("axis: int = -1") == true)
  }

  @Test func bypassStrategiesAndOptions() {
    let (l, c) = at("es,")
    let strategies = complete(l, c).labels
    #expect(Set(["es", "ste", "blackbox", "perturbed"]).isSubset(of: strategies))
    let options = completeAfter("let w = @bypass(es, sigma: 1.0, ")
    #expect(Set(["samples", "fit_steps", "wrt", "seed"]).isSubset(of: options.labels))
    #expect(!options.labels.contains("sigma"), "already given")
    #expect(options["items"].array?.first { $0["label"] == "samples" }?["insertText"] == "samples: ")
    #expect(completeAfter("let w = @").labels == ["bypass"])
    let (nl, nc) = at("1.0)", 3)
    #expect(complete(nl, nc).labels.isEmpty, "nothing to complete in a number")
  }

  @Test func callLabels() {
    let labels = completeAfter("let p = softmax(a, ").labels
    #expect(Array(labels.prefix(2)) == ["t", "axis"])
    let user = completeAfter("let q = nn.UNet(1, 2, ").labels
    #expect(Set(["depth", "base", "batchnorm"]).isSubset(of: user))
  }
}

/// Quick fixes and the formatter seam.
@Suite struct ActionTests {
  @Test func blockedGradientFixItIsAQuickFix() throws {
    let url = repositoryRoot.appendingPathComponent("Tests/RuntimeTests/Fixtures/fixits/builtin.dpl")
    let text = try String(contentsOf: url, encoding: .utf8)
    let client = TestClient()
    let uri = Document.uri(of: url.path)
    client.open(uri, text)
    let d = try #require(client.diagnostics(uri)?.first)
    let actions = client.request("textDocument/codeAction", ["textDocument": ["uri": JSON(uri)], "range": d["range"],
                                                             "context": ["diagnostics": [d]]]).array ?? []
    let action = try #require(actions.first)
    #expect(action["kind"] == "quickfix")
    #expect(action["title"].string?.contains("@bypass(") == true)
    let edits = try #require(action["edit"]["changes"][uri].array)
    // Applying the edit leaves a program without errors.
    var doc = Document(uri: uri, version: 1, text: text)
    for e in edits.reversed() { try doc.apply(["range": e["range"], "text": e["newText"]]) }
    client.change(uri, version: 2, [["text": JSON(doc.text)]])
    #expect(client.diagnostics(uri)?.isEmpty == true, "\(doc.text)")
    // No diagnostics, no actions.
    #expect(client.request("textDocument/codeAction", ["textDocument": ["uri": JSON(uri)], "range": d["range"], "context": ["diagnostics": []]]) == [])
  }

  @Test func letToVarQuickFix() throws {
    let client = TestClient()
    client.open("file:///tmp/v.dpl", "let n = 1\nn = 2\n")
    let d = try #require(client.diagnostics("file:///tmp/v.dpl")?.first)
    let actions = client.request("textDocument/codeAction", ["textDocument": ["uri": "file:///tmp/v.dpl"], "range": d["range"], "context": [:]])
    let edit = try #require(actions.array?.first?["edit"]["changes"]["file:///tmp/v.dpl"].array?.first)
    #expect(edit["newText"] == "var")
    #expect(edit.start == (0, 0) && edit.end == (0, 3))
  }

  @Test func formattingGoesThroughTheSeam() {
    struct NotFormattable: Error {}
    let client = TestClient(format: { text, _ in
      if text.contains("bad") { throw NotFormattable() }
      return text.replacingOccurrences(of: "  ", with: " ")
    })
    #expect(client.send("initialize", [:])["error"]["code"] == JSON(RPCError.invalidRequest))
    client.open("file:///tmp/f.dpl", "let  a = 1\n")
    let edits = client.request("textDocument/formatting", ["textDocument": ["uri": "file:///tmp/f.dpl"], "options": ["tabSize": 2, "insertSpaces": true]])
    #expect(edits.array?.first?["newText"] == "let a = 1\n")
    #expect(edits.array?.first.map { $0.end == (1, 0) } == true)
    client.change("file:///tmp/f.dpl", version: 2, [["text": "let bad = 1\n"]])
    #expect(client.request("textDocument/formatting", ["textDocument": ["uri": "file:///tmp/f.dpl"]]) == .null)
    #expect(client.log.lines.last?.hasPrefix("cannot format") == true)
  }

  @Test func formattingIsAdvertisedOnlyWithAFormatter() {
    let server = LanguageServer(searchPaths: [], format: { s, _ in s }, log: { _ in })
    let r = server.handle(message: ["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": [:]])
    #expect(r.first?["result"]["capabilities"]["documentFormattingProvider"] == true)
  }
}
