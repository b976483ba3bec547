import Foundation

/// What this CPU can run, from the `flags` line of `/proc/cpuinfo` (Linux; elsewhere
/// nothing is assumed). Read once.
enum CPUFeatures {
  static let flags: Set<String> = {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    return Set(line.split(separator: " ").map(String.init))
  }()

  /// The AVX-512 subsets of Skylake-SP and later: what OpenBLAS' SkylakeX kernels and the
  /// `KernelsAVX512` module (compiled for `skylake-avx512`, which may use all five) need.
  /// Linux lists them only when the kernel also saves the AVX-512 registers.
  static let avx512 = flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"])

  /// AVX2 with FMA (Haswell and later).
  static let avx2 = flags.isSuperset(of: ["avx2", "fma"])
}
