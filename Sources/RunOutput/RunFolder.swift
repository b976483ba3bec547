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

  /// A run folder claimed for this process: where it is, and the lock that makes this
  /// process its one owner until `lock` is released (or the process ends).
  public struct Claimed {
    public let url: URL
    public let lock: RunLock
  }

  /// The folder for `dpl run`: `--out` checked, created and locked now, or the default
  /// `runs/<program>-<time>/` (a fresh name).
  /// - Parameter force: clear an existing `--out` run folder instead of refusing it; only a
  ///   folder `dpl run` made (it holds `.dpl-run`), never the working directory or the
  ///   folder holding the program.
  public static func prepare(out: String?, program: String, force: Bool) throws -> Claimed {
    guard let out else { return try freshDefault(for: program) }
    guard !out.isEmpty else { throw Problem(message: "--out needs a folder path, got ''", exitCode: 64) }
    let url = URL(fileURLWithPath: out)
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) {
      guard isDir.boolValue else { throw Problem(message: "--out '\(out)' is a file, not a folder", exitCode: 73) }
    } else {
      try create(url, shown: out)
    }
    // A folder dpl did not make is refused before anything is written in it.
    if !RunLock.isMarked(url) {
      let entries = contents(url)
      if !entries.isEmpty {
        guard force else { throw holdsARun(out, entries) }
        throw Problem(message: "--out '\(out)' is not a dpl run folder (it has no \(RunLock.markerName) marker) and holds \(count(entries)); --force clears only folders that dpl run made: choose another folder, or empty this one yourself",
                      exitCode: 73)
      }
    }
    let lock = try lock(url, shown: out)
    removeLeftovers(url)
    // Under the lock, what the folder holds decides: nobody else can add to it now.
    let entries = contents(url)
    if !entries.isEmpty {
      guard force else { throw holdsARun(out, entries) }
      try refuseProtected(url, shown: out, program: program)
      try clear(url, entries)
    }
    try probeWritable(url, shown: out)
    lock.record(program: program)
    return Claimed(url: url, lock: lock)
  }

  /// The folder of `--resume DIR`, locked, and its latest checkpoint, read and checked now.
  public static func resumable(_ path: String, program: String) throws -> (Claimed, RunCheckpoint.Found) {
    let url = URL(fileURLWithPath: path)
    var isDir: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir)
    guard exists, isDir.boolValue else {
      throw Problem(message: "--resume '\(path)': \(exists ? "a file, not a run folder" : "no such run folder")", exitCode: 66)
    }
    let noCheckpoint = Problem(message: "--resume '\(path)' holds no checkpoint (the run stopped before its first, or its program does not call run.checkpoint(…)); start it again with --out \(shellWord(path)) --force", exitCode: 66)
    let checkpoint = RunCheckpoint(folder: url)
    // Only a run folder gets a lock file: a marker, or a checkpoint of a run from before markers.
    guard RunLock.isMarked(url) || checkpoint.mayExist else { throw noCheckpoint }
    // Locked before the checkpoint is read, so no other run can be swapping it in meanwhile.
    let lock = try lock(url, shown: path)
    removeLeftovers(url)
    let found: RunCheckpoint.Found?
    do { found = try checkpoint.read() } catch let e as IOError {
      throw Problem(message: "--resume '\(path)': damaged checkpoint: \(e.description)", exitCode: 65)
    }
    guard let found else { throw noCheckpoint }
    try probeWritable(url, shown: path)
    lock.record(program: program)
    return (Claimed(url: url, lock: lock), found)
  }

  /// Whether `name` is a temporary file an interrupted write of a run leaves behind: an
  /// atomic write's `.NAME.tmp-…`, Foundation's `.dat.nosync…`, a half-built
  /// `.checkpoint.tmp`, an interrupted `--force`'s `.dpl-cleared-…`, a write probe.
  static func isLeftover(_ name: String) -> Bool {
    name.hasPrefix(".") && (name.contains(".tmp-") || name == ".checkpoint.tmp" || name.hasPrefix(".dat.nosync")
      || name.hasPrefix(".dpl-cleared-") || name.hasPrefix(".dpl-write-check-"))
  }

  /// Deletes what interrupted writes left in a run folder (and its sub-folders, not
  /// following links). Called with the folder's lock held, so no live write is among them.
  static func removeLeftovers(_ url: URL) {
    let fm = FileManager.default
    guard let walk = fm.enumerator(at: url, includingPropertiesForKeys: [.isSymbolicLinkKey]) else { return }
    var found: [URL] = []
    for case let item as URL in walk where isLeftover(item.lastPathComponent) {
      found.append(item)
      walk.skipDescendants()
    }
    for item in found { try? fm.removeItem(at: item) }
  }

  /// What a folder holds besides its marker.
  static func contents(_ url: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter { $0 != RunLock.markerName }.sorted()
  }

  static func count(_ entries: [String]) -> String { "\(entries.count) \(entries.count == 1 ? "entry" : "entries")" }

  static func holdsARun(_ out: String, _ entries: [String]) -> Problem {
    Problem(message: "--out '\(out)' already holds a run (\(count(entries))); choose another folder, or add --force to replace it", exitCode: 73)
  }

  /// Takes the folder's lock: exit 75 (EX_TEMPFAIL) when another run holds it, 73 when the
  /// marker cannot be written.
  static func lock(_ url: URL, shown: String) throws -> RunLock {
    do { return try RunLock.acquire(url) } catch let held as RunLock.Held {
      let who = held.pid.map { "pid \($0)" } ?? "another process"
      throw Problem(message: "'\(shown)' is locked by \(who), which is running in it; wait for it to finish, or choose another folder", exitCode: 75)
    } catch let e as IOError {
      throw Problem(message: "cannot write in '\(shown)': \(e.message)", exitCode: 73)
    }
  }

  /// Refuses to clear the working directory, a folder holding it, or a folder holding the
  /// program: `--force` replaces a run, never the user's own files.
  static func refuseProtected(_ url: URL, shown: String, program: String) throws {
    let folder = resolved(url.path)
    let cwd = resolved(FileManager.default.currentDirectoryPath)
    let file = resolved(URL(fileURLWithPath: program).deletingLastPathComponent().path) + "/"
    func inside(_ path: String) -> Bool { path == folder || path.hasPrefix(folder == "/" ? "/" : folder + "/") }
    if inside(cwd) {
      throw Problem(message: "--force will not clear '\(shown)': it \(cwd == folder ? "is" : "holds") the working directory; give --out a folder of its own", exitCode: 73)
    }
    if inside(String(file.dropLast())) {
      throw Problem(message: "--force will not clear '\(shown)': it holds the program \(program); give --out a folder of its own", exitCode: 73)
    }
  }

  /// A path with its links and `..` resolved (as far as it exists).
  static func resolved(_ path: String) -> String {
    guard let r = realpath(path, nil) else { return URL(fileURLWithPath: path).standardizedFileURL.path }
    defer { free(r) }
    return String(cString: r)
  }

  /// Creates `--out` and its parents, with the system's reason when it cannot.
  static func create(_ url: URL, shown: String) throws {
    let fm = FileManager.default
    do { try fm.createDirectory(at: url, withIntermediateDirectories: true) } catch {
      // The system's own reason: mkdir the deepest missing folder again for its errno.
      var missing = url
      while !fm.fileExists(atPath: missing.deletingLastPathComponent().path), missing.path != "/" { missing = missing.deletingLastPathComponent() }
      let why = mkdir(missing.path, 0o777) == 0 ? IOError.systemReason(error) : String(cString: strerror(errno))
      throw Problem(message: "cannot create --out '\(shown)': \(why)", exitCode: 73)
    }
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
    return URL(fileURLWithPath: "runs").appendingPathComponent("\(stem)-\(localStamp())")
  }

  /// The local time as `yyyymmdd-hhmmss`, by the C library: a `DateFormatter` would load
  /// ICU's locale data, 4 MB of pages, on every `dpl run`.
  static func localStamp(_ time: time_t = time(nil)) -> String {
    var t = time
    var parts = tm()
    localtime_r(&t, &parts)
    var buffer = [CChar](repeating: 0, count: 32)
    let n = strftime(&buffer, buffer.count, "%Y%m%d-%H%M%S", &parts)
    return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// `runs/<program>-<yyyymmdd-hhmmss>/`, with `-2`, `-3`, … when that name is taken,
  /// created (one `mkdir`, so two runs never get the same name) and locked.
  static func freshDefault(for file: String) throws -> Claimed {
    let base = defaultOutput(for: file)
    let parent = base.deletingLastPathComponent()
    try? FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
    var url = base
    var n = 2
    while mkdir(url.path, 0o777) != 0 {
      guard errno == EEXIST else {
        throw Problem(message: "cannot make the run folder '\(shown(url))': \(String(cString: strerror(errno))); use --out DIR", exitCode: 73)
      }
      url = parent.appendingPathComponent(base.lastPathComponent + "-\(n)")
      n += 1
    }
    let lock = try lock(url, shown: shown(url))
    lock.record(program: file)
    return Claimed(url: url, lock: lock)
  }

  /// Empties a run folder but for its marker (the lock stays held): the entries are moved
  /// into one hidden folder, the checkpoint first, so an interrupted clear never leaves a
  /// resumable mix of two runs; that folder is then deleted (or, if the clear was
  /// interrupted, cleared with the rest the next time).
  static func clear(_ url: URL, _ entries: [String]) throws {
    let fm = FileManager.default
    let aside = url.appendingPathComponent(".dpl-cleared-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    let first: Set<String> = ["checkpoint", ".checkpoint.old", ".checkpoint.tmp"]
    do {
      try fm.createDirectory(at: aside, withIntermediateDirectories: false)
      for name in entries.filter(first.contains) + entries.filter({ !first.contains($0) }) {
        try fm.moveItem(at: url.appendingPathComponent(name), to: aside.appendingPathComponent(name))
      }
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
