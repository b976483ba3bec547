import Testing
@testable import LSP

/// The base protocol's framing: messages split across reads, several in one read, and
/// malformed headers reported without losing the messages after them.
@Suite struct FramingTests {
  func framed(_ body: String) -> [UInt8] { MessageFramer.frame(Array(body.utf8)) }

  func drain(_ f: inout MessageFramer) -> [Result<String, FramingError>] {
    var out: [Result<String, FramingError>] = []
    while let r = f.next() { out.append(r.map { String(decoding: $0, as: UTF8.self) }) }
    return out
  }

  @Test func partialReadsOneByteAtATime() {
    var f = MessageFramer()
    let bytes = framed(#"{"jsonrpc":"2.0","method":"initialized","params":{"é":"𝑥"}}"#)
    var got: [String] = []
    for b in bytes {
      f.append([b])
      while case .success(let body)? = f.next() { got.append(String(decoding: body, as: UTF8.self)) }
    }
    #expect(got == [#"{"jsonrpc":"2.0","method":"initialized","params":{"é":"𝑥"}}"#])
  }

  @Test func severalMessagesInOneRead() {
    var f = MessageFramer()
    f.append(framed("{\"a\":1}") + framed("{\"b\":2}") + Array("Content-Length: 7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{\"c\":3}".utf8))
    let got = drain(&f).compactMap { try? $0.get() }
    #expect(got == ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"])
  }

  @Test func bodyLengthCountsBytesNotCharacters() {
    var f = MessageFramer()
    let body = "{\"s\":\"naïve 𝑥\"}"
    f.append(framed(body))
    #expect(drain(&f).compactMap { try? $0.get() } == [body])
    #expect(framed(body).count == "Content-Length: \(body.utf8.count)\r\n\r\n".utf8.count + body.utf8.count)
  }

  @Test func badHeadersAreErrorsAndTheStreamGoesOn() {
    var f = MessageFramer()
    f.append(Array("Content-Length: lots\r\n\r\n{}".utf8) + framed("{\"ok\":1}"))
    f.append(Array("X-Nothing: 1\r\n\r\n".utf8) + framed("{\"ok\":2}"))
    f.append(Array("garbage line\r\n\r\n".utf8) + framed("{\"ok\":3}"))
    let got = drain(&f)
    #expect(got.compactMap { try? $0.get() } == ["{\"ok\":1}", "{\"ok\":2}", "{\"ok\":3}"])
    #expect(got.filter { if case .failure = $0 { return true }; return false }.count == 3)
  }

  @Test func anEndlessHeaderIsAnError() {
    var f = MessageFramer()
    f.append([UInt8](repeating: UInt8(ascii: "x"), count: MessageFramer.maxHeader + 1))
    guard case .failure? = f.next() else { Issue.record("expected a framing error"); return }
    #expect(f.next() == nil)
    f.append(framed("{}"))
    #expect((try? f.next()?.get()).map { String(decoding: $0, as: UTF8.self) } == "{}")
  }

  @Test func waitsForTheWholeBody() {
    var f = MessageFramer()
    let bytes = framed("{\"long\":\"" + String(repeating: "y", count: 100_000) + "\"}")
    f.append(bytes[..<50_000])
    #expect(f.next() == nil)
    f.append(bytes[50_000...])
    #expect((try? f.next()?.get())?.count == bytes.count - "Content-Length: 100011\r\n\r\n".utf8.count)
  }
}
