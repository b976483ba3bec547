import Foundation
import Tensor

/// A file could not be read or written: which file, and what was wrong with it.
///
/// Readers of every format (safetensors, NIfTI, gzip, PNG) throw this instead of trapping
/// on corrupt or truncated input; the CLI prints `description` and exits with 74.
public struct IOError: Error, CustomStringConvertible, Equatable {
  /// The file involved (empty for in-memory data).
  public let path: String
  /// What went wrong, lowercase, no trailing period.
  public let message: String

  public init(_ path: String, _ message: String) {
    self.path = path
    self.message = message
  }

  public init(_ url: URL, _ message: String) {
    self.init(url.path, message)
  }

  public var description: String { path.isEmpty ? message : "\(path): \(message)" }

  /// The same error, attached to `path` (used when an in-memory decoder's error surfaces from a file read).
  func at(_ path: String) -> IOError { IOError(path, message) }

  /// The operating system's reason behind a Foundation error (`No space left on device`),
  /// rather than Cocoa's wording and error domains.
  public static func systemReason(_ error: Error) -> String {
    let ns = error as NSError
    for e in [ns.userInfo[NSUnderlyingErrorKey] as? NSError, ns].compactMap({ $0 }) where e.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(e.code)))
    }
    switch ns.code {
    case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return String(cString: strerror(ENOENT))
    case NSFileWriteNoPermissionError, NSFileReadNoPermissionError: return String(cString: strerror(EACCES))
    case NSFileWriteOutOfSpaceError: return String(cString: strerror(ENOSPC))
    case NSFileWriteVolumeReadOnlyError: return String(cString: strerror(EROFS))
    default: return ns.localizedFailureReason ?? ns.localizedDescription
    }
  }
}

/// Reads a whole file, turning Foundation's error into an `IOError`. Only regular files are
/// read: a device (`/dev/zero`), FIFO or socket is refused by name, not read without end.
public func readFile(_ url: URL) throws -> Data {
  var st = stat()
  guard stat(url.path, &st) == 0 else {
    throw IOError(url, errno == ENOENT ? "no such file" : "cannot read: \(String(cString: strerror(errno)))")
  }
  switch st.st_mode & S_IFMT {
  case S_IFREG: break
  case S_IFDIR: throw IOError(url, "is a directory, expected a file")
  case S_IFCHR, S_IFBLK: throw IOError(url, "is a device, not a regular file")
  default: throw IOError(url, "is not a regular file (a FIFO or a socket)")
  }
  do {
    return try Data(contentsOf: url, options: .mappedIfSafe)
  } catch {
    var isDir: ObjCBool = false
    if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) {
      throw IOError(url, "no such file")
    }
    if isDir.boolValue { throw IOError(url, "is a directory, expected a file") }
    throw IOError(url, "cannot read: \(IOError.systemReason(error))")
  }
}

extension IOError {
  /// The element count of a tensor of `shape` read from `path`, held to `TensorSize.check`
  /// (no overflow, within the size limit) before anything is allocated; a refusal names the
  /// file, `what` (e.g. `tensor 'w': `) and the reason.
  public static func checkedCount(_ shape: [Int], path: String, _ what: String = "") throws -> Int {
    do {
      return try TensorSize.check(shape, op: "load")
    } catch let e as TensorError {
      throw IOError(path, what + e.message)
    }
  }
}
