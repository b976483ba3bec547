import Formats
import Foundation
import Tensor
import Language

/// A run's checkpoint: the folder `checkpoint/` in the run folder, holding one safetensors
/// file per object of the program's `state` (`0.safetensors`, `1.safetensors`, …) and
/// `state.json` (the step, named values, the random stream, and what the run was started
/// with: program, source hashes, seed, `--set` values, skipped passes).
///
/// Written as a whole or not at all: the new checkpoint is built in `.checkpoint.tmp`, the
/// current one renamed to `.checkpoint.old`, the new one renamed into place, the old one
/// deleted. A stop between the two renames leaves only `.checkpoint.old`, which `read`
/// falls back to; a stop before them leaves a temporary folder, removed at the next write.
public struct RunCheckpoint {
  static let format = "dpl-run-checkpoint-2"
  /// Checkpoints written before checksums, still read (their files unverified).
  static let formatWithoutChecksums = "dpl-run-checkpoint-1"

  /// What `state.json` holds.
  public struct State: Equatable {
    /// Training steps completed.
    public var step: Int
    /// The program's main file as the run named it.
    public var program: String
    /// Every source file of the program, the main file first, then its imports.
    public var sources: [Source]
    public var seed: UInt64
    /// `--set` values the run was started with.
    public var settings: [String: String]
    /// IR passes left out (`--skip`).
    public var skippedPasses: [String]
    /// The type of each object (`Optimizer`, or a model's name), in `state` order.
    public var objects: [String]
    /// `values:` of `checkpoint`, by name.
    public var values: [String: Saved]
    /// The program's random stream (`RNG.stateText`).
    public var rng: String
    /// The SHA-256 of each object file by name (`0.safetensors`: 64 hex digits), filled in by
    /// `write` and checked by `read`.
    public var checksums: [String: String] = [:]
    /// The CPU kernels the run computed with (`BLAS.kernels`: OpenBLAS' version and core,
    /// whether the AVX-512 convolutions ran); nil in checkpoints written before it was kept.
    public var kernels: String?

    public init(step: Int, program: String, sources: [Source], seed: UInt64, settings: [String: String],
                skippedPasses: [String], objects: [String], values: [String: Saved], rng: String, kernels: String? = nil) {
      (self.step, self.program, self.sources, self.seed, self.settings) = (step, program, sources, seed, settings)
      (self.skippedPasses, self.objects, self.values, self.rng, self.kernels) = (skippedPasses, objects, values, rng, kernels)
    }
  }

  /// A source file and the 64-bit FNV-1a hash of its bytes.
  public struct Source: Equatable {
    public var path: String
    public var hash: String
  }

  /// A named value kept across a resume; a Float by its bits, so it comes back exactly.
  public enum Saved: Equatable {
    case int(Int), float(Double), bool(Bool), string(String)
  }

  /// A complete checkpoint and the folder its files are in.
  public struct Found {
    public let state: State
    public let directory: URL
  }

  public let folder: URL
  public var directory: URL { folder.appendingPathComponent("checkpoint") }
  var temporary: URL { folder.appendingPathComponent(".checkpoint.tmp") }
  var previous: URL { folder.appendingPathComponent(".checkpoint.old") }

  public init(folder: URL) { self.folder = folder }

  /// Whether the folder has a checkpoint to read (`checkpoint/` or `.checkpoint.old`).
  var mayExist: Bool { [directory, previous].contains { FileManager.default.fileExists(atPath: $0.path) } }

  /// The file of object `k` inside a checkpoint folder.
  public static func objectFile(_ k: Int, in dir: URL) -> URL { dir.appendingPathComponent("\(k).safetensors") }

  /// The path and hash of each of a program's source files.
  public static func sources(_ files: [SourceFile]) -> [Source] {
    files.map { f in
      var h: UInt64 = 0xcbf2_9ce4_8422_2325
      for b in f.bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
      return Source(path: f.path, hash: String(h, radix: 16))
    }
  }

  /// Writes a checkpoint: `writeObjects` fills the folder it is given with the objects'
  /// files, then `state.json` is added and the folder swapped into place.
  public func write(_ state: State, writeObjects: (URL) throws -> Void) throws {
    let fm = FileManager.default
    try? fm.removeItem(at: temporary)
    do { try fm.createDirectory(at: temporary, withIntermediateDirectories: true) } catch {
      throw IOError(temporary, "cannot create the checkpoint folder: \(IOError.systemReason(error))")
    }
    try writeObjects(temporary)
    var state = state
    for k in state.objects.indices {
      let file = Self.objectFile(k, in: temporary)
      state.checksums[file.lastPathComponent] = SHA256.hex(try readFile(file))
    }
    try AtomicWrite.write(try Self.encode(state), to: temporary.appendingPathComponent("state.json"))
    // Without `checkpoint/` (a stop between the renames), `.checkpoint.old` is the latest
    // complete checkpoint and stays until the new one is in place.
    if fm.fileExists(atPath: directory.path) {
      try? fm.removeItem(at: previous)
      guard rename(directory.path, previous.path) == 0 else {
        throw IOError(directory, "cannot move the previous checkpoint aside: \(String(cString: strerror(errno)))")
      }
    }
    guard rename(temporary.path, directory.path) == 0 else {
      throw IOError(directory, "cannot move the new checkpoint into place: \(String(cString: strerror(errno)))")
    }
    let fd = open(folder.path, O_RDONLY)  // makes the renames durable
    if fd >= 0 { fsync(fd); close(fd) }
    try? fm.removeItem(at: previous)
  }

  /// The latest complete checkpoint, or nil when the run folder has none.
  /// - Throws: `IOError` naming the file when `state.json` or an object's file is missing
  ///   or damaged, or an object's file does not have the checksum `state.json` records.
  public func read() throws -> Found? {
    let fm = FileManager.default
    guard let dir = [directory, previous].first(where: { fm.fileExists(atPath: $0.path) }) else { return nil }
    let file = dir.appendingPathComponent("state.json")
    let state = try Self.decode(try readFile(file), file)
    for k in state.objects.indices {
      let object = Self.objectFile(k, in: dir)
      let data = try readFile(object)
      if let expected = state.checksums[object.lastPathComponent] {
        let actual = SHA256.hex(data)
        guard actual == expected else {
          throw IOError(object, "checksum mismatch: its SHA-256 is \(actual.prefix(16))…, state.json records \(expected.prefix(16))…; the file changed after the checkpoint was written (a flipped bit, a truncation or an edit)")
        }
      }
      _ = try Safetensors.decode(data, path: object.path)
    }
    return Found(state: state, directory: dir)
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
    var obj: [String: Any] = [
      "format": format, "step": s.step, "program": s.program, "seed": String(s.seed), "settings": s.settings,
      "skipped_passes": s.skippedPasses, "objects": s.objects, "values": values, "rng": s.rng,
      "sources": s.sources.map { ["path": $0.path, "hash": $0.hash] },
      "checksums": s.checksums.mapValues { ["sha256": $0] },
    ]
    if let k = s.kernels { obj["kernels"] = k }
    return try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
  }

  static func decode(_ data: Data, _ file: URL) throws -> State {
    guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      throw IOError(file, "not a JSON object")
    }
    let version = obj["format"] as? String
    guard version == format || version == formatWithoutChecksums else {
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
    let sources = try field("sources", [[String: String]].self).map { s in
      guard let path = s["path"], let hash = s["hash"] else { throw IOError(file, "an entry of 'sources' lacks its path or hash") }
      return Source(path: path, hash: hash)
    }
    guard let seed = UInt64(try field("seed", String.self)) else { throw IOError(file, "field 'seed' is not a UInt64") }
    let step = try field("step", Int.self)
    guard step >= 0 else { throw IOError(file, "field 'step' is \(step); a checkpoint's step is 0 or more") }
    var checksums: [String: String] = [:]
    if version == format {
      for (name, entry) in try field("checksums", [String: [String: String]].self) {
        guard let hex = entry["sha256"], hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
          throw IOError(file, "the checksum of '\(name)' is not a SHA-256")
        }
        checksums[name] = hex
      }
    }
    var state = State(step: step, program: try field("program", String.self), sources: sources,
                 seed: seed, settings: try field("settings", [String: String].self),
                 skippedPasses: try field("skipped_passes", [String].self), objects: try field("objects", [String].self),
                 values: values, rng: try field("rng", String.self))
    let objects = Set(state.objects.indices.map { "\($0).safetensors" })
    if version == format, let missing = objects.subtracting(checksums.keys).sorted().first {
      throw IOError(file, "field 'checksums' has no entry for '\(missing)'")
    }
    state.checksums = checksums
    if let k = obj["kernels"] {
      guard let text = k as? String else { throw IOError(file, "field 'kernels' is not a string") }
      state.kernels = text
    }
    return state
  }
}

extension RunCheckpoint.State {
  /// Why `files` are not the sources this checkpoint was written with (nil when they are).
  public func sourceChange(_ files: [SourceFile]) -> String? {
    let now = RunCheckpoint.sources(files)
    for (k, (old, new)) in zip(sources, now).enumerated() where old.hash != new.hash {
      return k == 0 ? "\(new.path) has changed" : "\(new.path), imported by the program, has changed"
    }
    guard now.count == sources.count else { return "the program imports other files (was \(sources.map(\.path)))" }
    return nil
  }

  /// Why a run computing with `current` kernels would not continue this checkpoint bit for
  /// bit (nil when the kernels are the same, or the checkpoint predates recording them).
  public func kernelChange(_ current: String) -> String? {
    guard let kernels, kernels != current else { return nil }
    return "the checkpoint was computed with other CPU kernels (\(kernels); this machine: \(current))"
  }
}
