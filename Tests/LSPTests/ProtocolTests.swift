import Testing
@testable import LSP

/// JSON-RPC and the lifecycle: every bad message gets an error answer (or is dropped, for
/// a notification), and the server keeps serving.
@Suite struct ProtocolTests {
  func raw(_ server: LanguageServer, _ text: String) -> [JSON] { server.handle(Array(text.utf8)) }

  func code(_ messages: [JSON]) -> Int? { messages.first?["error"]["code"].int }

  @Test func requestsBeforeInitializeAndAfterShutdown() {
    let server = LanguageServer(searchPaths: [], log: { _ in })
    #expect(code(raw(server, #"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{}}"#)) == RPCError.serverNotInitialized)
    let ok = raw(server, #"{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"capabilities":{}}}"#)
    #expect(ok.first?["result"]["capabilities"]["hoverProvider"] == true)
    #expect(ok.first?["result"]["capabilities"]["documentFormattingProvider"] == .null, "no formatter, no formatting")
    #expect(code(raw(server, #"{"jsonrpc":"2.0","id":3,"method":"initialize","params":{}}"#)) == RPCError.invalidRequest)
    #expect(raw(server, #"{"jsonrpc":"2.0","id":4,"method":"shutdown"}"#).first?["result"] == .null)
    #expect(code(raw(server, #"{"jsonrpc":"2.0","id":5,"method":"textDocument/hover","params":{}}"#)) == RPCError.invalidRequest)
    #expect(server.exitCode == nil)
    #expect(raw(server, #"{"jsonrpc":"2.0","method":"exit"}"#).isEmpty)
    #expect(server.exitCode == 0)
  }

  @Test func exitWithoutShutdownIsStatusOne() {
    let c = TestClient()
    c.notify("exit", .null)
    #expect(c.server.exitCode == 1)
  }

  @Test func malformedMessagesGetErrorsNotCrashes() {
    let c = TestClient()
    #expect(code(raw(c.server, "{not json")) == RPCError.parseError)
    #expect(code(raw(c.server, "[1, 2]")) == RPCError.invalidRequest)
    #expect(code(raw(c.server, #"{"jsonrpc":"2.0","id":7}"#)) == RPCError.invalidRequest)
    #expect(code(raw(c.server, #"{"jsonrpc":"2.0","id":[1],"method":"shutdown"}"#)) == RPCError.invalidRequest)
    #expect(code(raw(c.server, #"{"jsonrpc":"2.0","id":8,"method":"no/such/method"}"#)) == RPCError.methodNotFound)
    #expect(code(raw(c.server, #"{"jsonrpc":"2.0","id":9,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///nowhere.dpl"},"position":{"line":0,"character":0}}}"#)) == RPCError.invalidParams)
    c.open("file:///tmp/p.dpl", "let a = 1\n")
    #expect(code(raw(c.server, #"{"jsonrpc":"2.0","id":10,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///tmp/p.dpl"},"position":{"line":"zero"}}}"#)) == RPCError.invalidParams)
    #expect(code(raw(c.server, #"{"jsonrpc":"2.0","id":11,"method":"textDocument/formatting","params":{"textDocument":{"uri":"file:///tmp/p.dpl"}}}"#)) == RPCError.methodNotFound)
    // Notifications never get an answer, even when malformed or unknown.
    #expect(raw(c.server, #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":10}}"#).isEmpty)
    #expect(raw(c.server, #"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///not/open.dpl"}}}"#).isEmpty)
    #expect(raw(c.server, #"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{}}"#).isEmpty)
    #expect(raw(c.server, #"{"jsonrpc":"2.0","method":"some/notification"}"#).isEmpty)
    // Responses to requests the server never sent are ignored.
    #expect(raw(c.server, #"{"jsonrpc":"2.0","id":99,"result":null}"#).isEmpty)
    // And it still works.
    #expect(c.at("hover", "file:///tmp/p.dpl", 0, 4)["contents"]["value"].string?.contains("let a: Int = 1") == true)
  }

  @Test func idsComeBackAsSent() {
    let c = TestClient()
    let r = raw(c.server, #"{"jsonrpc":"2.0","id":"abc","method":"shutdown"}"#)
    #expect(r.first?["id"] == "abc")
    #expect(r.first?.text == #"{"id":"abc","jsonrpc":"2.0","result":null}"#)
  }

  @Test func jsonWriterEscapes() {
    let j: JSON = ["s": JSON("a\"b\\c\nd\u{1}é"), "n": JSON(3), "f": .number(0.5), "l": [true, .null]]
    #expect(j.text == #"{"f":0.5,"l":[true,null],"n":3,"s":"a\"b\\c\nd\u0001é"}"#)
    #expect((try? JSON.parse(Array(j.text.utf8))) == j)
  }
}
