import Foundation

/// Writes files so that a reader never sees a half-written one.
public enum AtomicWrite {
  /// Writes `data` to a temporary file next to `url`, flushes it to disk, then renames it
  /// over `url`, with `permissions` (`dpl fmt` keeps a file's own). Creates the parent
  /// folder if needed. On failure the target is untouched.
  public static func write(_ data: Data, to url: URL, permissions: mode_t = 0o644) throws {
    let dir = url.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    } catch {
      throw IOError(dir, "cannot create folder: \(IOError.systemReason(error))")
    }
    let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw IOError(tmp, "cannot create temporary file: \(String(cString: strerror(errno)))") }
    fchmod(fd, permissions)  // as given, whatever the umask
    var ok = false
    defer {
      if !ok { unlink(tmp.path) }
    }
    let written: Bool = data.withUnsafeBytes { raw in
      guard var p = raw.baseAddress else { return true }
      var left = raw.count
      while left > 0 {
        let n = Foundation.write(fd, p, left)
        if n < 0 {
          if errno == EINTR { continue }
          return false
        }
        p += n
        left -= n
      }
      return true
    }
    let err = String(cString: strerror(errno))
    guard written else { close(fd); throw IOError(url, "write failed: \(err)") }
    guard fsync(fd) == 0 else { close(fd); throw IOError(url, "fsync failed: \(String(cString: strerror(errno)))") }
    guard close(fd) == 0 else { throw IOError(url, "close failed: \(String(cString: strerror(errno)))") }
    guard rename(tmp.path, url.path) == 0 else {
      throw IOError(url, "cannot rename temporary file into place: \(String(cString: strerror(errno)))")
    }
    ok = true
    // Make the rename itself durable; failure here is not worth failing the write for.
    let dfd = open(dir.path, O_RDONLY)
    if dfd >= 0 { fsync(dfd); close(dfd) }
  }
}
