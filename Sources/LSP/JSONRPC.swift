/// A JSON-RPC 2.0 error: a code and a message (the codes the server answers with).
public struct RPCError: Error, Equatable {
  public var code: Int
  public var message: String

  public init(code: Int, message: String) {
    self.code = code
    self.message = message
  }

  public static let parseError = -32700, invalidRequest = -32600, methodNotFound = -32601
  public static let invalidParams = -32602, internalError = -32603
  /// LSP: a request before `initialize`.
  public static let serverNotInitialized = -32002

  static func invalidParams(_ message: String) -> RPCError { RPCError(code: invalidParams, message: message) }
}

/// One message from the client.
public enum Incoming: Equatable {
  /// Has an id: the client waits for the response.
  case request(id: JSON, method: String, params: JSON)
  case notification(method: String, params: JSON)
  /// A response to a request the server sent.
  case response(id: JSON)

  /// Reads a JSON-RPC 2.0 message object.
  public static func read(_ json: JSON) throws -> Incoming {
    guard case .object(let o) = json else { throw RPCError(code: RPCError.invalidRequest, message: "a message must be a JSON object") }
    let id = o["id"] ?? .null
    switch id {
    case .null, .number, .string: break
    default: throw RPCError(code: RPCError.invalidRequest, message: "an id must be a number or a string")
    }
    guard let method = o["method"] else {
      if o["result"] != nil || o["error"] != nil { return .response(id: id) }
      throw RPCError(code: RPCError.invalidRequest, message: "a request needs a 'method'")
    }
    guard case .string(let name) = method else { throw RPCError(code: RPCError.invalidRequest, message: "'method' must be a string") }
    let params = o["params"] ?? .null
    return o["id"] == nil ? .notification(method: name, params: params) : .request(id: id, method: name, params: params)
  }
}

/// The messages the server sends.
enum Outgoing {
  static func response(id: JSON, result: JSON) -> JSON {
    ["jsonrpc": "2.0", "id": id, "result": result]
  }

  static func error(id: JSON, _ e: RPCError) -> JSON {
    ["jsonrpc": "2.0", "id": id, "error": ["code": JSON(e.code), "message": JSON(e.message)]]
  }

  static func notification(_ method: String, _ params: JSON) -> JSON {
    ["jsonrpc": "2.0", "method": JSON(method), "params": params]
  }
}
