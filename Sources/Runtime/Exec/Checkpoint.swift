import Formats
import Foundation

/// Saves and restores a training run — model parameters, optimizer state and run
/// metadata — as one safetensors file that PyTorch can read.
///
/// Tensor names in the file: each parameter under its `Parameter.name`, each optimizer
/// state entry under `optim.<key>`, extra named tensors (e.g. batch-norm running
/// statistics) under their own names. Metadata keys: `format` (`dpl-checkpoint-1`),
/// `step`, `seed`, optional `rng` (a UInt64 in decimal), plus any caller-supplied keys.
public enum Checkpoint {
  /// Run metadata stored beside the tensors.
  public struct Info: Equatable {
    /// Training steps completed when the checkpoint was written.
    public var step: Int
    /// The run's seed.
    public var seed: UInt64
    /// Optional RNG state (e.g. the seed of the stream the next step will use).
    public var rng: UInt64?
    /// Any other strings the caller wants kept (program name, config…).
    public var extra: [String: String]

    public init(step: Int, seed: UInt64, rng: UInt64? = nil, extra: [String: String] = [:]) {
      self.step = step
      self.seed = seed
      self.rng = rng
      self.extra = extra
    }
  }

  static let format = "dpl-checkpoint-1"
  static let optimizerPrefix = "optim."

  /// Writes `parameters`, `optimizer`'s state and `extra` tensors with `info` to `url`, atomically.
  /// - Throws: `IOError` on duplicate names or when the file cannot be written.
  public static func save(_ parameters: [Parameter], optimizer: (any Optimizer)? = nil,
                          extra: [String: Tensor] = [:], info: Info, to url: URL) throws {
    var tensors: [String: Tensor] = [:]
    func put(_ name: String, _ t: Tensor) throws {
      guard tensors[name] == nil else { throw IOError(url, "two tensors are named '\(name)'") }
      tensors[name] = t
    }
    for p in parameters { try put(p.name, p.value) }
    for (k, t) in extra { try put(k, t) }
    for (k, t) in optimizer?.state ?? [:] { try put(optimizerPrefix + k, t) }
    var meta = info.extra
    meta["format"] = format
    meta["step"] = String(info.step)
    meta["seed"] = String(info.seed)
    if let r = info.rng { meta["rng"] = String(r) }
    try Safetensors.write(tensors, metadata: meta, to: url)
  }

  /// Restores `parameters` (and `optimizer`'s state, and `extra` tensors named by the
  /// dictionary's keys, whose values give the expected shapes) from `url`.
  ///
  /// Nothing is changed unless every name and shape matches: a missing, unexpected or
  /// mis-shaped tensor throws an `IOError` listing every mismatch.
  /// - Returns: the stored metadata and the loaded `extra` tensors.
  @discardableResult
  public static func load(_ url: URL, into parameters: [Parameter], optimizer: (any Optimizer)? = nil,
                          extra: [String: Tensor] = [:]) throws -> (info: Info, extra: [String: Tensor]) {
    let contents = try Safetensors.read(url)
    let file = contents.tensors
    var problems: [String] = []
    if let name = contents.ints.keys.sorted().first {
      problems.append("'\(name)' is an integer tensor, expected float")
    }
    var expected: [String: [Int]] = [:]
    for p in parameters { expected[p.name] = p.value.shape }
    for (k, t) in extra { expected[k] = t.shape }
    let wantOptimizer = optimizer != nil
    for name in expected.keys.sorted() {
      guard let t = file[name] else { problems.append("missing '\(name)' (shape \(shapeString(expected[name] ?? [])))"); continue }
      if t.shape != expected[name] {
        problems.append("'\(name)' has shape \(shapeString(t.shape)) in the file, the model expects \(shapeString(expected[name] ?? []))")
      }
    }
    for name in file.keys.sorted() where expected[name] == nil && !name.hasPrefix(optimizerPrefix) {
      problems.append("unexpected '\(name)' \(shapeString(file[name]?.shape ?? [])) in the file, not in the model")
    }
    let optimState = Dictionary(uniqueKeysWithValues: file.compactMap { k, v in
      k.hasPrefix(optimizerPrefix) ? (String(k.dropFirst(optimizerPrefix.count)), v) : nil
    })
    if wantOptimizer && optimState.isEmpty && !(optimizer?.state.isEmpty ?? true) {
      problems.append("the file has no optimizer state (no 'optim.*' tensors)")
    }
    guard problems.isEmpty else {
      let shown = problems.prefix(12).joined(separator: "; ")
      let more = problems.count > 12 ? "; and \(problems.count - 12) more" : ""
      throw IOError(url, "checkpoint does not match the model: \(shown)\(more)")
    }
    let meta = contents.metadata
    if let f = meta["format"], f != format {
      throw IOError(url, "checkpoint format '\(f)' is not '\(format)'")
    }
    if let optimizer {
      do { try optimizer.load(state: optimState) } catch {
        throw IOError(url, "optimizer state does not match: \(error)")
      }
    }
    // A NaN or Inf weight would load silently and surface much later, if ever.
    let bad = (parameters.map(\.name) + extra.keys.sorted()).filter { name in
      guard let t = file[name] else { return false }
      return t.withUnsafeBufferPointer { p in p.contains { !$0.isFinite } }
    }
    guard bad.isEmpty else {
      throw IOError(url, "checkpoint holds non-finite values (NaN or Inf) in \(bad.prefix(8).map { "'\($0)'" }.joined(separator: ", "))\(bad.count > 8 ? " and \(bad.count - 8) more" : "")")
    }
    for p in parameters { if let t = file[p.name] { p.value = t } }
    var loadedExtra: [String: Tensor] = [:]
    for k in extra.keys { loadedExtra[k] = file[k] }
    let info = Info(step: meta["step"].flatMap { Int($0) } ?? 0,
                    seed: meta["seed"].flatMap { UInt64($0) } ?? 0,
                    rng: meta["rng"].flatMap { UInt64($0) },
                    extra: meta.filter { !["format", "step", "seed", "rng"].contains($0.key) })
    return (info, loadedExtra)
  }
}
