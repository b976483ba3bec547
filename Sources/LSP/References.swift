import Language

extension Analysis {
  /// Every use of the name at `offset` in the files this check read, and its declaration
  /// when `includeDeclaration` is set; in file order.
  func references(at offset: Int, includeDeclaration: Bool, uris: (String) -> String) -> JSON {
    guard let target = hit(at: offset, file: fileID)?.target else { return .null }
    var spans = uses(of: target)
    if includeDeclaration {
      // A module's declaration here is its `import`, not its file.
      if case .symbol(let id) = target, id < program.symbols.count, program.symbols[id].span.file >= 0 {
        spans.append(program.symbols[id].span)
      } else if let d = declaration(of: target) {
        spans.append(d)
      }
    }
    let unique = Set(spans).sorted { ($0.file, $0.start) < ($1.file, $1.start) }
    return .array(unique.compactMap { location($0, uris: uris) })
  }
}
