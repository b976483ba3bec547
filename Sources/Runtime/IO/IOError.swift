import Foundation

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
}

/// Reads a whole file, turning Foundation's error into an `IOError`.
func readFile(_ url: URL) throws -> Data {
  do {
    return try Data(contentsOf: url, options: .mappedIfSafe)
  } catch {
    var isDir: ObjCBool = false
    if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) {
      throw IOError(url, "no such file")
    }
    if isDir.boolValue { throw IOError(url, "is a directory, expected a file") }
    throw IOError(url, "cannot read: \(error.localizedDescription)")
  }
}
