import Foundation

/// A run's checkpoint: the folder `checkpoint/` in the run folder, holding one safetensors
/// file per object of the program's `state` (`0.safetensors`, `1.safetensors`, …) and
/// `state.json` (step, named values, random stream, program, seed and `--set` overrides).
///
/// Written as a whole or not at all: the new checkpoint is built in `.checkpoint.tmp`, the
/// old one renamed to `.checkpoint.old`, the new one renamed into place, the old one
/// deleted. A crash between the renames leaves `.checkpoint.old`, which `read` falls back
/// to; a crash before them leaves only a temporary folder, removed at the next write.
public struct RunCheckpoint {
  static let format = "dpl-run-checkpoint-1"

  /// What `state.json` holds.
  public struct State: Equatable {
    /// Training steps completed.
    public var step: Int
    /// The program as given to `dpl run` (shown in the resume hint).
    public var program: String
    /// FNV-1a hash of the program's main file, to warn when it changed before a resume.
    public var sourceHash: String
    public var seed: UInt64
    /// `--set` overrides the run was started with.
    public var settings: [String: String]
    /// The type of each object (`optimizer`, or a model's name), in `state` order.
    public var objects: [String]
    /// `values:` of `checkpoint`, by name.
    public var values: [String: Saved]
    /// The program's random stream (`RNG.stateText`).
    public var rng: String?
  }

  /// A named value kept across a resume; a Float by its bits, so it comes back exactly.
  public enum Saved: Equatable {
    case int(Int), float(Double), bool(Bool), string(String)
  }

  public let folder: URL
  public var directory: URL { folder.appendingPathComponent("checkpoint") }
  var temporary: URL { folder.appendingPathComponent(".checkpoint.tmp") }
  var previous: URL { folder.appendingPathComponent(".checkpoint.old") }

  public init(folder: URL) { self.folder = folder }

  /// The 64-bit FNV-1a hash of `bytes`, in hexadecimal.
  public static func hash(_ bytes: [UInt8]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return String(h, radix: 16)
  }

  /// The file of object `k` inside a checkpoint folder.
  public static func objectFile(_ k: Int, in dir: URL) -> URL { dir.appendingPathComponent("\(k).safetensors") }

  /// Writes a checkpoint: `writeObjects` fills the folder it is given with the objects'
  /// files, then `state.json` is added and the folder swapped into place.
  public func write(_ state: State, writeObjects: (URL) throws -> Void) throws {
    let fm = FileManager.default
    try? fm.removeItem(at: temporary)
    do { try fm.createDirectory(at: temporary, withIntermediateDirectories: true) } catch {
      throw IOError(temporary, "cannot create the checkpoint folder: \(IOError.systemReason(error))")
    }
    try writeObjects(temporary)
    try AtomicWrite.write(try Self.encode(state), to: temporary.appendingPathComponent("state.json"))
    try? fm.removeItem(at: previous)
    if fm.fileExists(atPath: directory.path), rename(directory.path, previous.path) != 0 {
      throw IOError(directory, "cannot move the previous checkpoint aside: \(String(cString: strerror(errno)))")
    }
    guard rename(temporary.path, directory.path) == 0 else {
      throw IOError(directory, "cannot move the new checkpoint into place: \(String(cString: strerror(errno)))")
    }
    try? fm.removeItem(at: previous)
  }

  /// The latest complete checkpoint and its folder, or nil when the run folder has none.
  public func read() throws -> (state: State, directory: URL)? {
    for dir in [directory, previous] {
      let file = dir.appendingPathComponent("state.json")
      guard FileManager.default.fileExists(atPath: file.path) else { continue }
      let data: Data
      do { data = try Data(contentsOf: file) } catch { throw IOError(file, "cannot read: \(IOError.systemReason(error))") }
      return (try Self.decode(data, file), dir)
    }
    return nil
  }

  static func encode(_ s: State) throws -> Data {
    var values: [String: Any] = [:]
    for (k, v) in s.values {
      switch v {
      case .int(let n): values[k] = ["type": "int", "text": String(n)]
      case .float(let d): values[k] = ["type": "float", "bits": String(d.bitPattern, radix: 16), "text": String(d)]
      case .bool(let b): values[k] = ["type": "bool", "text": String(b)]
      case .string(let t): values[k] = ["type": "string", "text": t]
      }
    }
    var obj: [String: Any] = ["format": format, "step": s.step, "program": s.program, "source_hash": s.sourceHash,
                              "seed": String(s.seed), "settings": s.settings, "objects": s.objects, "values": values]
    if let r = s.rng { obj["rng"] = r }
    return try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
  }

  static func decode(_ data: Data, _ file: URL) throws -> State {
    guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      throw IOError(file, "not a JSON object (a damaged checkpoint)")
    }
    guard obj["format"] as? String == format else {
      throw IOError(file, "format is '\(obj["format"] ?? "missing")', expected '\(format)'")
    }
    func field<T>(_ k: String, _: T.Type) throws -> T {
      guard let v = obj[k] as? T else { throw IOError(file, "field '\(k)' is missing or has the wrong type") }
      return v
    }
    var values: [String: Saved] = [:]
    for (k, raw) in try field("values", [String: [String: String]].self) {
      let text = raw["text"] ?? ""
      switch raw["type"] {
      case "int": values[k] = Int(text).map(Saved.int)
      case "float": values[k] = raw["bits"].flatMap { UInt64($0, radix: 16) }.map { .float(Double(bitPattern: $0)) }
      case "bool": values[k] = Bool(text).map(Saved.bool)
      case "string": values[k] = .string(text)
      default: break
      }
      guard values[k] != nil else { throw IOError(file, "value '\(k)' is damaged: \(raw)") }
    }
    guard let seed = UInt64(try field("seed", String.self)) else { throw IOError(file, "field 'seed' is not a UInt64") }
    return State(step: try field("step", Int.self), program: try field("program", String.self),
                 sourceHash: try field("source_hash", String.self), seed: seed,
                 settings: try field("settings", [String: String].self), objects: try field("objects", [String].self),
                 values: values, rng: obj["rng"] as? String)
  }
}
