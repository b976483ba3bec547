import Formats
import Foundation

/// The one owner of a run folder: an exclusive `flock` on the folder's marker file
/// `.dpl-run`, taken before the run writes anything and held until the process ends (the
/// kernel drops it when the process dies, however it dies). The marker also says that the
/// folder was made by `dpl run`, which is what lets `--force` clear it.
///
/// As in SQLite, the lock file is never deleted while the folder is in use: removing it would
/// let a second process lock a new file of the same name while the first still holds the
/// old one. The marker's text names the owner's pid, so a refused run can say who holds it.
public final class RunLock {
  /// The marker and lock file in every run folder.
  public static let markerName = ".dpl-run"
  static let firstLine = "dpl run folder"

  public let folder: URL
  private var fd: Int32

  /// The folder is locked by another process (`pid`, when its marker names one).
  public struct Held: Error {
    public let pid: Int32?
  }

  private init(folder: URL, fd: Int32) { (self.folder, self.fd) = (folder, fd) }

  deinit { release() }

  static func marker(in folder: URL) -> URL { folder.appendingPathComponent(markerName) }

  /// Whether `folder` holds a marker file (a regular file, not a link) of `dpl run`.
  public static func isMarked(_ folder: URL) -> Bool {
    var st = stat()
    return lstat(marker(in: folder).path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
  }

  /// Takes the folder's lock without waiting, creating the marker when it is missing.
  /// - Throws: `Held` when another process holds it; `IOError` when the marker cannot be
  ///   made or opened (a read-only folder, a marker that is a link or a folder).
  public static func acquire(_ folder: URL) throws -> RunLock {
    let path = marker(in: folder).path
    let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      let why = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
      throw IOError(path, "cannot open the run folder's lock: \(why)")
    }
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
      if errno == EINTR { continue }
      let why = errno
      close(fd)
      guard why == EWOULDBLOCK else { throw IOError(path, "cannot lock the run folder: \(String(cString: strerror(why)))") }
      throw Held(pid: holder(path))
    }
    let lock = RunLock(folder: folder, fd: fd)
    lock.write("\(firstLine)\npid: \(getpid())\n")  // at once, so a refused run can name the owner
    return lock
  }

  /// The pid the marker names, read while its owner holds the lock. A new owner writes its
  /// pid right after locking, so a missing or dead pid is read again for a moment.
  static func holder(_ path: String) -> Int32? {
    for _ in 0..<20 {
      let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
      let pid = text.split(separator: "\n").lazy.compactMap { line -> Int32? in
        line.hasPrefix("pid: ") ? Int32(line.dropFirst(5)) : nil
      }.first
      if let pid, kill(pid, 0) == 0 || errno == EPERM { return pid }
      usleep(5_000)
    }
    return nil
  }

  /// Writes the marker's text: that this is a run folder, the owner's pid, and now the program.
  public func record(program: String) {
    write("\(Self.firstLine)\npid: \(getpid())\nprogram: \(program)\n")
  }

  private func write(_ text: String) {
    guard fd >= 0 else { return }
    let bytes = Array(text.utf8)
    ftruncate(fd, 0)
    _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
  }

  /// Gives the folder up (the pid is taken out of the marker, the marker stays). When
  /// `removingEmptyFolder` and the folder holds nothing but the marker, the folder goes too.
  public func release(removingEmptyFolder: Bool = false) {
    guard fd >= 0 else { return }
    let empty = removingEmptyFolder && ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []) == [Self.markerName]
    if empty {
      unlink(Self.marker(in: folder).path)
      rmdir(folder.path)
    } else {
      write("\(Self.firstLine)\n")
    }
    close(fd)
    fd = -1
  }
}
