import Language

extension Analysis {
  /// Where the name at `offset` is declared: a function, model, method, field, binding,
  /// parameter or config field — in this file, an imported one or the standard library —
  /// or, for a module name, the module's file.
  func definition(at offset: Int, uris: (String) -> String) -> JSON {
    guard let target = hit(at: offset, file: fileID)?.target, let span = declaration(of: target),
          let at = location(span, uris: uris) else { return .null }
    return at
  }
}
