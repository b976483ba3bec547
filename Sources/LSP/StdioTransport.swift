import Foundation

/// Runs a language server over stdin and stdout until `exit` or the end of input.
public enum StdioTransport {
  /// Serves on a thread with a large stack (deeply nested input recurses in the parser
  /// and checker); returns the exit status: 0 after `shutdown` and `exit`, 1 otherwise.
  public static func run(_ server: LanguageServer) -> Int32 {
    signal(SIGPIPE, SIG_IGN)
    let run = Run(server)
    let thread = Thread { run.go() }
    thread.stackSize = 1 << 30
    thread.start()
    run.done.wait()
    return run.status
  }

  /// The serving thread's server and outcome.
  final class Run: @unchecked Sendable {
    let server: LanguageServer
    var status: Int32 = 1
    let done = DispatchSemaphore(value: 0)
    init(_ server: LanguageServer) { self.server = server }
    func go() {
      status = serve(server)
      done.signal()
    }
  }

  static func serve(_ server: LanguageServer) -> Int32 {
    let timing = ProcessInfo.processInfo.environment["DPL_LSP_LOG"] != nil
    var framer = MessageFramer()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while server.exitCode == nil {
      let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
      if n < 0, errno == EINTR { continue }
      guard n > 0 else { break }
      framer.append(buffer[..<n])
      while server.exitCode == nil, let next = framer.next() {
        switch next {
        case .failure(let e):
          server.log("skipped a malformed message: \(e.message)")
        case .success(let body):
          let start = DispatchTime.now().uptimeNanoseconds
          for out in server.handle(body) { write(out) }
          if timing {
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            let method = (try? JSON.parse(body))?["method"].string ?? "response"
            server.log(method + " " + String(format: "%.1f ms", ms))
          }
        }
      }
    }
    return server.exitCode ?? 1
  }

  /// Writes one framed message to stdout.
  static func write(_ message: JSON) {
    let bytes = MessageFramer.frame(Array(message.text.utf8))
    var sent = 0
    while sent < bytes.count {
      let n = bytes[sent...].withUnsafeBytes { Foundation.write(1, $0.baseAddress, $0.count) }
      if n < 0, errno == EINTR { continue }
      guard n > 0 else { return }
      sent += n
    }
  }
}
