import Foundation

/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Draws are made sequentially on the calling thread, so a seed gives the same stream
/// on every run and for every thread count.
public struct RNG: Sendable {
  private var s: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var z = seed
    func splitmix() -> UInt64 {
      z &+= 0x9E37_79B9_7F4A_7C15
      var x = z
      x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
      x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
      return x ^ (x >> 31)
    }
    s = (splitmix(), splitmix(), splitmix(), splitmix())
  }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
    let t = s.1 << 17
    s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
    s.2 ^= t
    s.3 = (s.3 << 45) | (s.3 >> 19)
    return result
  }

  /// Uniform in [0, 1), 53 bits.
  public mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// Uniform integer in `0..<n`.
  public mutating func int(below n: Int) -> Int {
    precondition(n > 0)
    return Int(next() % UInt64(n))
  }

  /// Standard normal (Box–Muller, both halves used in turn would couple draws, so one per call).
  public mutating func normal() -> Double {
    var u = uniform()
    while u <= 0 { u = uniform() }
    let v = uniform()
    return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
  }

  /// A stream derived from this one, for handing to a sub-task without sharing state.
  public mutating func fork() -> RNG { RNG(seed: next()) }

  /// A tensor of uniform draws in [lo, hi).
  public mutating func uniform(_ shape: [Int], lo: Float = 0, hi: Float = 1) -> Tensor {
    let t = Tensor(uninitialized: shape)
    let p = t.buffer.pointer
    for i in 0..<t.count { p[i] = lo + (hi - lo) * Float(uniform()) }
    return t
  }

  /// A tensor of normal draws with mean `mean` and standard deviation `std`.
  public mutating func normal(_ shape: [Int], mean: Float = 0, std: Float = 1) -> Tensor {
    let t = Tensor(uninitialized: shape)
    let p = t.buffer.pointer
    for i in 0..<t.count { p[i] = mean + std * Float(normal()) }
    return t
  }

  /// Normal draws truncated to mean ± 2 std (redrawn until inside), as in common initialisers.
  public mutating func truncatedNormal(_ shape: [Int], mean: Float = 0, std: Float = 1) -> Tensor {
    let t = Tensor(uninitialized: shape)
    let p = t.buffer.pointer
    for i in 0..<t.count {
      var z = normal()
      while abs(z) > 2 { z = normal() }
      p[i] = mean + std * Float(z)
    }
    return t
  }
}
