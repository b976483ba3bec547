import Foundation
import Testing

/// `dpl fmt` as a command: in place only when the layout changes (keeping the file's
/// permissions), `--check` lists and exits 1, a parse error is located and leaves the file
/// alone, standard input to standard output, folders and Markdown files.
@Suite(.enabled(if: ReplTerminalTests.executable != nil, "needs a built dpl (swift build --product dpl)"))
struct FmtCommandTests {
  let dpl = ReplTerminalTests.executable ?? ""
  let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-fmt-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
  let messy = "let x=1\nfn f(a:Int)->Int{a*2}\n"
  let tidy = "let x = 1\nfn f(a: Int) -> Int { a * 2 }\n"

  func write(_ name: String, _ text: String) throws -> String {
    let url = scratch.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: false, encoding: .utf8)
    return url.path
  }

  func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

  /// Runs dpl with `input` on stdin; returns status, stdout and stderr.
  func run(_ args: [String], input: String = "") throws -> (Int32, String, String) {
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let files = ["in", "out", "err"].map { scratch.appendingPathComponent("\($0)-\(UInt32.random(in: 0...UInt32.max))").path }
    _ = FileManager.default.createFile(atPath: files[0], contents: Data(input.utf8))
    _ = FileManager.default.createFile(atPath: files[1], contents: nil)
    _ = FileManager.default.createFile(atPath: files[2], contents: nil)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: dpl)
    p.arguments = args
    p.currentDirectoryURL = scratch
    p.standardInput = FileHandle(forReadingAtPath: files[0])
    p.standardOutput = FileHandle(forWritingAtPath: files[1])
    p.standardError = FileHandle(forWritingAtPath: files[2])
    try p.run()
    p.waitUntilExit()
    return (p.terminationStatus, try read(files[1]), try read(files[2]))
  }

  @Test func rewritesInPlaceOnlyWhenChanged() throws {
    let file = try write("a.dpl", messy)
    try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file)
    let (status, out, err) = try run(["fmt", file])
    #expect(status == 0 && out.isEmpty && err.isEmpty, "\(status) \(out) \(err)")
    #expect(try read(file) == tidy)
    let attributes = try FileManager.default.attributesOfItem(atPath: file)
    #expect((attributes[.posixPermissions] as? Int) == 0o640)
    let inode = attributes[.systemFileNumber] as? Int
    #expect(try run(["fmt", file]).0 == 0)
    #expect((try FileManager.default.attributesOfItem(atPath: file)[.systemFileNumber] as? Int) == inode, "a formatted file is not written again")
    let left = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains(".fmt-") }
    #expect(left.isEmpty, "no temporary file is left: \(left)")
  }

  @Test func checkListsAndChangesNothing() throws {
    let bad = try write("dir/bad.dpl", messy)
    let good = try write("dir/sub/good.dpl", tidy)
    _ = try write("dir/notes.txt", "let   x=1\n")
    let (status, out, _) = try run(["fmt", "--check", scratch.appendingPathComponent("dir").path])
    #expect(status == 1)
    #expect(out == bad + "\n", "only the unformatted .dpl file is listed: \(out)")
    #expect(try read(bad) == messy)
    let (s2, o2, _) = try run(["fmt", "--check", good])
    #expect(s2 == 0 && o2.isEmpty)
  }

  @Test func parseErrorIsLocatedAndFileUntouched() throws {
    let file = try write("broken.dpl", "let a=1\nlet = 4\n")
    let (status, _, err) = try run(["fmt", file])
    #expect(status == 65)
    #expect(err.hasPrefix("\(file):2:5: error: expected a name to bind, found '='\nlet = 4\n    ^\n"), "\(err)")
    #expect(try read(file) == "let a=1\nlet = 4\n")
    let (s2, _, e2) = try run(["fmt", scratch.appendingPathComponent("missing.dpl").path])
    #expect(s2 == 66 && e2.contains("no such file"), "\(e2)")
  }

  @Test func standardInputAndMarkdown() throws {
    let (status, out, _) = try run(["fmt"], input: messy)
    #expect(status == 0 && out == tidy)
    let (s2, o2, _) = try run(["fmt", "-", "--check"], input: messy)
    #expect(s2 == 1 && o2 == "<stdin>\n")
    let md = try write("doc.md", "Text\n\n```dpl\n" + messy + "```\n\n```sh\nlet x=1\n```\n")
    #expect(try run(["fmt", md]).0 == 0)
    #expect(try read(md) == "Text\n\n```dpl\n" + tidy + "```\n\n```sh\nlet x=1\n```\n")
  }
}
