import ArgumentParser
import Formats
import Foundation
import Language
import Runtime

/// `dpl fmt [--check] [PATH…]`: lays programs out in the canonical layout (docs/fmt.md).
struct FmtCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fmt",
    abstract: "Format programs in dpl's one layout, keeping every comment and line break.",
    discussion: """
      Rewrites each file in place (atomically, and only when its layout changes). A folder \
      stands for every .dpl file below it; in a .md file the ```dpl blocks are formatted. \
      With no path, or '-', reads standard input and writes standard output. A file that \
      does not parse is reported (exit 65) and left as it is. The layout is described in \
      docs/fmt.md.
      """)

  @Flag(help: "Change nothing: print the files whose layout differs and exit 1 if there are any.")
  var check = false

  @Argument(help: "The .dpl or .md files, or folders, to format ('-' for standard input).")
  var paths: [String] = []

  func run() throws {
    var status: Int32 = 0
    func fail(_ code: Int32) { status = max(status, code) }
    for path in try expand(paths.isEmpty ? ["-"] : paths) {
      let isStdin = path == "-"
      let shown = isStdin ? "<stdin>" : path
      let source: String
      if isStdin {
        source = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
      } else {
        switch SourceFile.read(path: path) {
        case .success(let text): source = text
        case .failure(let problem):
          report("error: cannot read '\(path)': \(problem)\n")
          fail(problem.exitCode)
          continue
        }
      }
      let formatted: String
      do {
        formatted = path.hasSuffix(".md")
          ? try SourceFormatter.formatMarkdown(source, path: shown)
          : try SourceFormatter.format(source, path: shown)
      } catch let e as FormatError {
        report(e.rendered)
        fail(65)
        continue
      }
      if check {
        if formatted != source {
          print(shown)
          fail(1)
        }
      } else if isStdin {
        FileHandle.standardOutput.write(Data(formatted.utf8))
      } else if formatted != source {
        do { try replace(path, with: formatted) } catch {
          report("error: \(error)\n")
          fail(74)
        }
      }
    }
    if status != 0 { throw ExitCode(status) }
  }

  /// The paths with each folder replaced by the .dpl files below it (hidden folders skipped).
  func expand(_ paths: [String]) throws -> [String] {
    var files: [String] = []
    for p in paths {
      var isDir: ObjCBool = false
      guard p != "-", FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue else {
        files.append(p)
        continue
      }
      let below = FileManager.default.enumerator(atPath: p)?.compactMap { $0 as? String } ?? []
      files += below.filter { $0.hasSuffix(".dpl") && !$0.split(separator: "/").contains { $0.hasPrefix(".") } }
        .sorted().map { (p as NSString).appendingPathComponent($0) }
    }
    return files
  }

  /// Rewrites `path` atomically, keeping its permissions.
  func replace(_ path: String, with text: String) throws {
    let permissions = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber) ?? nil
    try AtomicWrite.write(Data(text.utf8), to: URL(fileURLWithPath: path), permissions: permissions.map { mode_t($0.uint16Value) } ?? 0o644)
  }

  func report(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
