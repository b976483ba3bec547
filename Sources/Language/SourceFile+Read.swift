import Foundation

extension SourceFile {
  /// Reads a program from disk as UTF-8 text, or says why it cannot: missing, a folder,
  /// not readable, or not text (bytes that are not UTF-8, or NUL bytes).
  public static func read(path: String) -> Result<String, ReadProblem> {
    var st = stat()
    guard stat(path, &st) == 0 else {
      return .failure(errno == ENOENT ? .missing : .unreadable(String(cString: strerror(errno))))  // e.g. a link loop
    }
    if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(.folder) }
    guard (st.st_mode & S_IFMT) == S_IFREG else { return .failure(.unreadable("not a regular file (a device, FIFO or socket)")) }
    guard let data = FileManager.default.contents(atPath: path) else {
      let fd = open(path, O_RDONLY)
      let reason = fd < 0 ? String(cString: strerror(errno)) : "read failed"
      if fd >= 0 { close(fd) }
      return .failure(.unreadable(reason))
    }
    if let nul = data.firstIndex(of: 0) { return .failure(.notText("a NUL byte at offset \(nul - data.startIndex)")) }
    guard let text = String(data: data, encoding: .utf8) else { return .failure(.notText("it is not valid UTF-8")) }
    return .success(text)
  }

  /// Why a program file could not be read.
  public enum ReadProblem: Error, Equatable, CustomStringConvertible {
    case missing, folder
    case unreadable(String)
    case notText(String)

    public var description: String {
      switch self {
      case .missing: return "no such file"
      case .folder: return "it is a folder, not a .dpl file"
      case .unreadable(let why): return why
      case .notText(let why): return "not a text file (\(why))"
      }
    }

    /// The sysexits status: 66 (no input) when the file is not there to read, 65 (data
    /// format) when it is there but is not text.
    public var exitCode: Int32 {
      if case .notText = self { return 65 }
      return 66
    }
  }
}
