import CBLAS
import Foundation

/// OpenBLAS, loaded at run time.
///
/// OpenBLAS picks its kernels when the library initialises. On virtual machines whose
/// CPU model it does not recognise (this project's build machines: "Intel Xeon Processor"
/// with AVX-512) it falls back to generic SSE3 kernels, 4–10× slower. Loading it
/// ourselves lets us first name the kernel family from the CPU's feature flags through
/// `OPENBLAS_CORETYPE` — unless the user already set it, which always wins.
public enum BLAS {
  typealias SgemmFn = @convention(c) (CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, Int32, Int32, Int32,
                                      Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
                                      Float, UnsafeMutablePointer<Float>?, Int32) -> Void
  typealias SetThreadsFn = @convention(c) (Int32) -> Void
  typealias TextFn = @convention(c) () -> UnsafeMutablePointer<CChar>?

  /// The loaded `cblas_sgemm`, with OpenBLAS pinned to one thread (dpl splits work itself);
  /// nil when no OpenBLAS library loads.
  static var loaded: SgemmFn? { library?.sgemm }

  /// The loaded library: its `cblas_sgemm`, and its version and kernel family
  /// ("openblas 0.3.21 Haswell", from `openblas_get_config` and `openblas_get_corename`).
  static let library: (sgemm: SgemmFn, name: String)? = {
    if getenv("OPENBLAS_CORETYPE") == nil, let core = coreType() {
      setenv("OPENBLAS_CORETYPE", core, 0)
    }
    // One thread from the start: a pool that OpenBLAS starts on loading spins on
    // `sched_yield` for its first tenth of a second of CPU, even when no sgemm ever runs.
    setenv("OPENBLAS_NUM_THREADS", "1", 0)
    for name in libraryNames {
      guard let h = dlopen(name, RTLD_NOW | RTLD_GLOBAL), let f = dlsym(h, "cblas_sgemm") else { continue }
      if let t = dlsym(h, "openblas_set_num_threads") { unsafeBitCast(t, to: SetThreadsFn.self)(1) }
      func text(_ symbol: String) -> String? {
        guard let f = dlsym(h, symbol), let p = unsafeBitCast(f, to: TextFn.self)() else { return nil }
        return String(cString: p).trimmingCharacters(in: .whitespaces)
      }
      // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64": the version is the second word.
      let config = text("openblas_get_config")?.split(separator: " ").map(String.init) ?? []
      let version = config.count > 1 && config[0] == "OpenBLAS" ? config[1] : "(unknown version)"
      return (unsafeBitCast(f, to: SgemmFn.self), "openblas \(version) \(text("openblas_get_corename") ?? "(unknown core)")")
    }
    return nil
  }()

  /// The kernels a result's bits depend on, beyond the thread count (which they do not):
  /// OpenBLAS' version and the kernel family it chose, and whether dpl's AVX-512 direct
  /// convolutions run, e.g. "openblas 0.3.21 SkylakeX; avx512 conv". A run's checkpoint
  /// records it, and `dpl run --resume` refuses a checkpoint made under other kernels.
  public static let kernels: String =
    (library?.name ?? "openblas not loaded") + (ConvTuning.directOnThisCPU ? "; avx512 conv" : "; no avx512 conv")

  static let libraryNames = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"]

  /// Throws, naming the library, when OpenBLAS cannot be loaded; commands call it before
  /// they compute anything, so `sgemm` below is only reached with the library present.
  public static func require() throws {
    guard loaded == nil else { return }
    throw TensorError("OpenBLAS", "cannot load \(libraryNames.joined(separator: ", ")); install libopenblas-dev (scripts/setup.sh does)")
  }

  static var sgemm: SgemmFn {
    guard let f = loaded else { preconditionFailure("OpenBLAS is not loaded; call BLAS.require() first") }
    return f
  }

  /// The OpenBLAS kernel family this CPU supports.
  static func coreType() -> String? {
    if CPUFeatures.avx512 { return "SkylakeX" }
    if CPUFeatures.avx2 { return "Haswell" }
    return nil
  }
}
