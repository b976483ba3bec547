import Tensor

/// Reading and restoring the program's random stream, so a run resumed from a checkpoint
/// draws exactly the numbers the uninterrupted run would have drawn.
///
/// `RNG` keeps its xoshiro256** state (four `UInt64`s, its only stored property) private to
/// the Tensor module; this reads and writes those 32 bytes in place. The layout check below
/// turns a future change of `RNG`'s stored properties into an error instead of garbage.
extension RNG {
  /// Whether `RNG` is still exactly four `UInt64`s.
  static var stateIsReadable: Bool {
    MemoryLayout<RNG>.size == 4 * MemoryLayout<UInt64>.size && MemoryLayout<RNG>.alignment == MemoryLayout<UInt64>.alignment
  }

  /// The generator's four state words.
  var stateWords: [UInt64]? {
    guard Self.stateIsReadable else { return nil }
    return withUnsafeBytes(of: self) { Array($0.bindMemory(to: UInt64.self)) }
  }

  /// A generator continuing from `words` (as returned by `stateWords`).
  init?(stateWords words: [UInt64]) {
    guard Self.stateIsReadable, words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
    var r = RNG(seed: 0)
    withUnsafeMutableBytes(of: &r) { raw in
      for (i, w) in words.enumerated() { raw.storeBytes(of: w, toByteOffset: 8 * i, as: UInt64.self) }
    }
    self = r
  }

  /// The state as text for checkpoint metadata: four hexadecimal words.
  var stateText: String? { stateWords?.map { String($0, radix: 16) }.joined(separator: " ") }

  init?(stateText: String) {
    let words = stateText.split(separator: " ").compactMap { UInt64($0, radix: 16) }
    self.init(stateWords: words)
  }
}
