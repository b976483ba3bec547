import Language

extension Analysis {
  /// Quick fixes for a byte range of the document: each diagnostic shown there that has
  /// fix-its — the blocked-gradient ones insert `@bypass(…)` or name an input in `wrt:` —
  /// becomes one preferred `quickfix` whose edit applies all its fix-its, as `dpl check`
  /// prints them; a note's fix-its (`stop_gradient(…)` instead) become one more.
  func codeActions(in range: Range<Int>, relatedInformation: Bool, uris: (String) -> String) -> [JSON] {
    let shown = lspDiagnostics(relatedInformation: relatedInformation, uris: uris)
    var out: [JSON] = []
    for (d, lsp) in zip(compilation.diagnostics.sorted, shown) {
      let at = shownSpan(d)
      guard at.start <= range.upperBound, range.lowerBound <= at.end else { continue }
      for (k, fixes) in ([d.fixIts] + d.notes.map(\.fixIts)).enumerated() where !fixes.isEmpty {
        if let action = quickFix(fixes, for: lsp, preferred: k == 0, uris: uris) { out.append(action) }
      }
    }
    return out
  }

  /// One `quickfix` applying `fixes` together.
  func quickFix(_ fixes: [FixIt], for lsp: JSON, preferred: Bool, uris: (String) -> String) -> JSON? {
    var changes: [String: [JSON]] = [:]
    for f in fixes {
      guard let loc = location(f.span, uris: uris), let uri = loc["uri"].string else { continue }
      changes[uri, default: []].append(["range": loc["range"], "newText": JSON(f.replacement)])
    }
    guard !changes.isEmpty else { return nil }
    let title = fixes.map { f in
      f.span.start == f.span.end ? "insert '\(f.replacement)'" : "replace '\(text(f.span))' with '\(f.replacement)'"
    }.joined(separator: "; ")
    return ["title": JSON("Fix: " + title), "kind": "quickfix", "diagnostics": [lsp], "isPreferred": .bool(preferred),
            "edit": ["changes": .object(changes.mapValues { .array($0) })]]
  }
}
