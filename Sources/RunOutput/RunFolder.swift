import Formats
import Foundation

/// A run's output folder, checked before the program runs so a run never writes over
/// another's files and a bad path is known before any data is loaded or step is taken.
public enum RunFolder {
  /// A problem with the folder: the message and its sysexits status.
  public struct Problem: Error {
    public var message: String
    public var exitCode: Int32

    public init(message: String, exitCode: Int32) { (self.message, self.exitCode) = (message, exitCode) }
  }

  /// The folder for `dpl run`: `--out` checked and created now, or the default
  /// `runs/<program>-<time>/` (a fresh name, made when the program first writes there).
  /// - Parameter force: clear an existing non-empty `--out` folder instead of refusing it.
  public static func prepare(out: String?, program: String, force: Bool) throws -> URL {
    guard let out else { return try freshDefault(for: program) }
    guard !out.isEmpty else { throw Problem(message: "--out needs a folder path, got ''", exitCode: 64) }
    let url = URL(fileURLWithPath: out)
    let fm = FileManager.default
    var isDir: ObjCBool = false
    if fm.fileExists(atPath: url.path, isDirectory: &isDir) {
      guard isDir.boolValue else { throw Problem(message: "--out '\(out)' is a file, not a folder", exitCode: 73) }
      let contents = (try? fm.contentsOfDirectory(atPath: url.path)) ?? []
      if !contents.isEmpty {
        guard force else {
          throw Problem(message: "--out '\(out)' already holds a run (\(contents.count) \(contents.count == 1 ? "entry" : "entries")); choose another folder, or add --force to replace it",
                        exitCode: 73)
        }
        try clear(url)
      }
    } else {
      do { try fm.createDirectory(at: url, withIntermediateDirectories: true) } catch {
        // The system's own reason: mkdir the deepest missing folder again for its errno.
        var missing = url
        while !fm.fileExists(atPath: missing.deletingLastPathComponent().path), missing.path != "/" { missing = missing.deletingLastPathComponent() }
        let why = mkdir(missing.path, 0o777) == 0 ? IOError.systemReason(error) : String(cString: strerror(errno))
        throw Problem(message: "cannot create --out '\(out)': \(why)", exitCode: 73)
      }
    }
    try probeWritable(url, shown: out)
    return url
  }

  /// The folder of `--resume DIR` and its latest checkpoint, read and checked now.
  public static func resumable(_ path: String) throws -> (URL, RunCheckpoint.Found) {
    let url = URL(fileURLWithPath: path)
    var isDir: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir)
    guard exists, isDir.boolValue else {
      throw Problem(message: "--resume '\(path)': \(exists ? "a file, not a run folder" : "no such run folder")", exitCode: 66)
    }
    let found: RunCheckpoint.Found?
    do { found = try RunCheckpoint(folder: url).read() } catch let e as IOError {
      throw Problem(message: "--resume '\(path)': damaged checkpoint: \(e.description)", exitCode: 65)
    }
    guard let found else {
      throw Problem(message: "--resume '\(path)' holds no checkpoint (the run stopped before its first, or its program does not call run.checkpoint(…)); start it again with --out \(shellWord(path)) --force", exitCode: 66)
    }
    try probeWritable(url, shown: path)
    return (url, found)
  }

  /// A folder as the user would type it: relative to the working directory when inside it.
  public static func shown(_ url: URL) -> String {
    let cwd = FileManager.default.currentDirectoryPath
    let path = url.standardizedFileURL.path
    return path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
  }

  /// `text` as one word of a shell command (single-quoted when it holds other characters
  /// than letters, digits and `_./:=+-`).
  public static func shellWord(_ text: String) -> String {
    let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "_./:=+-".unicodeScalars.contains($0) }
    return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// `runs/<program>-<yyyymmdd-hhmmss>/`, created when the program first writes to it.
  public static func defaultOutput(for file: String) -> URL {
    let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    let f = DateFormatter()
    f.dateFormat = "yyyyMMdd-HHmmss"
    return URL(fileURLWithPath: "runs").appendingPathComponent("\(stem)-\(f.string(from: Date()))")
  }

  /// `runs/<program>-<yyyymmdd-hhmmss>/`, with `-2`, `-3`, … when that name is taken; its
  /// nearest existing parent must be writable.
  static func freshDefault(for file: String) throws -> URL {
    let base = defaultOutput(for: file)
    var url = base
    var n = 2
    while FileManager.default.fileExists(atPath: url.path) {
      url = base.deletingLastPathComponent().appendingPathComponent(base.lastPathComponent + "-\(n)")
      n += 1
    }
    var parent = url.deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: parent.path), parent.path != "/" { parent = parent.deletingLastPathComponent() }
    guard access(parent.path, W_OK) == 0 else {
      throw Problem(message: "cannot write the run folder under '\(parent.path)': \(String(cString: strerror(errno))); use --out DIR", exitCode: 73)
    }
    return url
  }

  /// Empties a run folder: moved aside in one rename, then deleted, so an interruption
  /// leaves either the old run or an empty folder, never half of each.
  static func clear(_ url: URL) throws {
    let fm = FileManager.default
    let aside = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).replaced-\(getpid())")
    do {
      try fm.moveItem(at: url, to: aside)
      try fm.createDirectory(at: url, withIntermediateDirectories: false)
      try fm.removeItem(at: aside)
    } catch {
      throw Problem(message: "cannot clear '\(url.path)' for --force: \(IOError.systemReason(error))", exitCode: 73)
    }
  }

  /// Creates and removes a file, so a read-only folder (or file system) fails now.
  static func probeWritable(_ url: URL, shown: String) throws {
    let probe = url.appendingPathComponent(".dpl-write-check-\(getpid())")
    guard FileManager.default.createFile(atPath: probe.path, contents: Data()) else {
      throw Problem(message: "cannot write in --out '\(shown)': \(String(cString: strerror(errno)))", exitCode: 73)
    }
    try? FileManager.default.removeItem(at: probe)
  }
}
