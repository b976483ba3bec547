extension LanguageServer {
  /// The `initialize` result: what this server does. Positions are UTF-16 (the protocol's
  /// default); changes may be incremental.
  func initialize(_ params: JSON) -> JSON {
    state = .running
    relatedInformation = params["capabilities"]["textDocument"]["publishDiagnostics"]["relatedInformation"].bool ?? false
    var caps: [String: JSON] = [
      "positionEncoding": "utf-16",
      "textDocumentSync": ["openClose": true, "change": 2, "save": ["includeText": false]],
      "hoverProvider": true,
      "definitionProvider": true,
      "referencesProvider": true,
      "documentSymbolProvider": true,
      "completionProvider": ["triggerCharacters": [".", "(", ",", "@"], "resolveProvider": false],
      "codeActionProvider": ["codeActionKinds": ["quickfix"]],
    ]
    if format != nil { caps["documentFormattingProvider"] = true }
    return ["capabilities": .object(caps), "serverInfo": ["name": "dpl"]]
  }
}
