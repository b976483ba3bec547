import Foundation

extension RunFolder {
  /// The file `name` names inside the run folder `folder`, for `run.path`, `run.plot_metrics`
  /// and `run.write_overlays`: a relative path whose `..` never climbs above the folder and
  /// whose existing parts are no links to places outside it.
  /// - Throws: `Problem` (exit 73) saying why the name leaves the folder.
  public static func confined(_ name: String, in folder: URL) throws -> URL {
    func refuse(_ why: String) -> Problem {
      Problem(message: "\(name.debugDescription) \(why); a run writes only inside its folder \(shown(folder))", exitCode: 73)
    }
    guard !name.isEmpty else { throw Problem(message: "a file in the run folder needs a name, got \"\"", exitCode: 73) }
    guard !name.hasPrefix("/") else { throw refuse("is an absolute path") }
    var parts: [String] = []
    for c in name.split(separator: "/") where c != "." {
      if c == ".." {
        guard !parts.isEmpty else { throw refuse("climbs out of the folder with '..'") }
        parts.removeLast()
      } else {
        parts.append(String(c))
      }
    }
    guard !parts.isEmpty else { throw refuse("names the folder itself, not a file in it") }
    let root = resolved(folder.path)
    var url = folder
    var exists = true
    for part in parts {
      url.appendPathComponent(part)
      var st = stat()
      exists = exists && lstat(url.path, &st) == 0  // past a missing part, the rest is yet to be made
      guard exists, (st.st_mode & S_IFMT) == S_IFLNK else { continue }
      let target = realpath(url.path, nil).map { p in defer { free(p) }; return String(cString: p) }
      guard let target, target == root || target.hasPrefix(root == "/" ? "/" : root + "/") else {
        let to = (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? "?"
        throw refuse("goes through the symbolic link \(part) to '\(target ?? to)', outside the folder")
      }
    }
    return url
  }
}
