import Foundation
import Language

extension Analysis {
  /// The check's diagnostics for `publishDiagnostics`, in `dpl check`'s order. One in the
  /// document is at its span; one in an imported file at the `import` that brings the file
  /// in, its message prefixed with `file:line:col`. `note:` lines become related
  /// information, or — for a client without it — lines of the message.
  func lspDiagnostics(relatedInformation: Bool, uris: (String) -> String) -> [JSON] {
    compilation.diagnostics.sorted.map { d in
      var message = d.message
      let range = lines(fileID).range(shownSpan(d))
      var related: [JSON] = []
      if d.span.file != fileID, d.span.file >= 0, d.span.file < compilation.files.count {
        let (line, col) = compilation.files[d.span.file].location(of: d.span.start)
        message = "\((compilation.files[d.span.file].path as NSString).lastPathComponent):\(line):\(col): \(d.message)"
        if let at = location(d.span, uris: uris) { related.append(["location": at, "message": JSON(d.message)]) }
      }
      let here: JSON = ["uri": JSON(uri), "range": range]
      for n in d.notes {
        let at = n.span.flatMap { location($0, uris: uris) } ?? here
        related.append(["location": at, "message": JSON(n.message)])
        if !relatedInformation { message += "\nnote: " + n.message }
      }
      var out: [String: JSON] = ["range": range, "severity": JSON(Self.severity(d.severity)), "source": "dpl",
                                 "message": JSON(message)]
      if relatedInformation, !related.isEmpty { out["relatedInformation"] = .array(related) }
      return .object(out)
    }
  }

  /// Where in the document a diagnostic is shown: its span, the `import` that brings in
  /// the file it is in, or the document's start.
  func shownSpan(_ d: Diagnostic) -> Span {
    if d.span.file == fileID { return d.span }
    if d.span.file >= 0, let i = importSpan(bringing: d.span.file) { return i }
    return Span(file: fileID, start: 0, end: 0)
  }

  static func severity(_ s: Severity) -> Int {
    switch s {
    case .error: return 1
    case .warning: return 2
    case .note: return 3
    }
  }

  /// The name span of the document's `import` through which file `file` was loaded.
  func importSpan(bringing file: Int) -> Span? {
    guard let main = module(inFile: fileID) else { return nil }
    var byName: [String: SourceModule] = [:]
    for m in program.modules { byName[m.name] = m }
    func imports(_ m: SourceModule) -> [(String, Span)] {
      m.stmts.compactMap { s in
        if case .importModule(let name, let span) = s.kind { return (name, span) }
        return nil
      }
    }
    for (name, span) in imports(main) {
      var stack = [name], seen: Set<String> = []
      while let n = stack.popLast() {
        guard !seen.contains(n), let m = byName[n] else { continue }
        seen.insert(n)
        if m.fileID == file { return span }
        stack += imports(m).map(\.0)
      }
    }
    return nil
  }
}
