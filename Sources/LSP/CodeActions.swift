import Language

extension Analysis {
  /// Quick fixes for a byte range of the document: each diagnostic shown there that has
  /// fix-its — the blocked-gradient ones insert `@bypass(…)` or name an input in `wrt:` —
  /// becomes one `quickfix` whose edit applies all its fix-its, as `dpl check` prints them.
  func codeActions(in range: Range<Int>, relatedInformation: Bool, uris: (String) -> String) -> [JSON] {
    let shown = lspDiagnostics(relatedInformation: relatedInformation, uris: uris)
    var out: [JSON] = []
    for (d, lsp) in zip(compilation.diagnostics.sorted, shown) where !d.fixIts.isEmpty {
      let at = shownSpan(d)
      guard at.start <= range.upperBound, range.lowerBound <= at.end else { continue }
      var changes: [String: [JSON]] = [:]
      for f in d.fixIts {
        guard let loc = location(f.span, uris: uris), let uri = loc["uri"].string else { continue }
        changes[uri, default: []].append(["range": loc["range"], "newText": JSON(f.replacement)])
      }
      guard !changes.isEmpty else { continue }
      let title = d.fixIts.map { f in
        f.span.start == f.span.end ? "insert '\(f.replacement)'" : "replace '\(text(f.span))' with '\(f.replacement)'"
      }.joined(separator: "; ")
      out.append(["title": JSON("Fix: " + title), "kind": "quickfix", "diagnostics": [lsp],
                  "isPreferred": true,
                  "edit": ["changes": .object(changes.mapValues { .array($0) })]])
    }
    return out
  }
}
