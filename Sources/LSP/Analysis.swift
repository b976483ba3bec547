import IR
import Language

/// One check of an open document as the main program — the same front end and the same
/// diagnostics as `dpl check` — with the checker's tables for hover, definition and
/// completion. Imports are read from the open buffers first, then from disk.
final class Analysis {
  let uri: String
  let compilation: Compilation
  let program: CheckedProgram
  /// The document's file in the compilation's file table.
  let fileID: Int
  /// Standardised paths of every file the check read, the document's own included.
  let paths: Set<String>
  /// Line indexes of the compilation's files, made when first asked for.
  private var indexes: [Int: LineIndex] = [:]
  /// Every expression of every module, in pre-order.
  private(set) lazy var expressions: [Expr] = {
    var all: [Expr] = []
    for m in program.modules { ASTWalker.forEachExpr(in: m.stmts) { all.append($0) } }
    return all
  }()

  /// Checks `document`; `overlay` holds the open buffers' texts by standardised path.
  init(document: Document, searchPaths: [String], overlay: [String: String]) {
    uri = document.uri
    let options = CompileOptions(searchPaths: searchPaths) { path in
      overlay[Document.standard(path)] ?? (try? SourceFile.read(path: path).get())
    }
    compilation = Compilation(options: options)
    compilation.parse(source: document.text, path: document.path)
    program = compilation.analyze()
    // The gradient diagnostics read the lowered IR: they come once the program type-checks.
    if !compilation.diagnostics.hasErrors, !compilation.hasSyntaxErrors { _ = compilation.lower(program) }
    fileID = program.modules.last?.fileID ?? 0
    paths = Set(compilation.files.map { Document.standard($0.path) })
  }

  /// The line index of a file of the compilation.
  func lines(_ file: Int) -> LineIndex {
    if let l = indexes[file] { return l }
    let l = LineIndex(bytes: file >= 0 && file < compilation.files.count ? compilation.files[file].bytes : [])
    indexes[file] = l
    return l
  }

  var source: SourceFile { compilation.files[fileID] }

  /// The `Location` of a span, in whichever file it lies; nil for a span with no file.
  func location(_ span: Span, uris: (String) -> String) -> JSON? {
    guard span.file >= 0, span.file < compilation.files.count else { return nil }
    let uri = span.file == fileID ? self.uri : uris(compilation.files[span.file].path)
    return ["uri": JSON(uri), "range": lines(span.file).range(span)]
  }

  /// The module whose file is `file`.
  func module(inFile file: Int) -> SourceModule? { program.modules.first { $0.fileID == file } }
}
