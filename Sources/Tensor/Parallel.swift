import Foundation

/// Fork-join parallelism over the machine's cores.
///
/// dpl owns all threading: OpenBLAS is pinned to one thread and our kernels split work
/// (batch items, channels, GEMM rows) across `Parallel.workers` threads, so the two
/// never oversubscribe the cores. Nested calls run serially on the calling thread.
///
/// Results never depend on the worker count: a kernel's work is cut into pieces whose
/// bounds follow from its shapes alone (never from `workers`), each piece computed the same
/// way on whichever thread runs it, and partial results are combined in piece order
/// (`forEachWorkPartSumming`, `sgemm`). `workers` decides only how many threads share the
/// pieces, so `DPL_THREADS=1` and `=8` give the same bits (docs/runtime.md, "Determinism").
public enum Parallel {
  /// Worker count: `workersOverride` when bound, else `DPL_THREADS` if set, else the number
  /// of active cores.
  public static var workers: Int { workersOverride ?? configuredWorkers }

  /// `DPL_THREADS` if set, else the number of active cores.
  public static let configuredWorkers: Int = {
    if let s = ProcessInfo.processInfo.environment["DPL_THREADS"], let n = Int(s), n > 0 { return n }
    return max(1, ProcessInfo.processInfo.activeProcessorCount)
  }()

  /// A worker count bound around some work (`Parallel.$workersOverride.withValue(1) { … }`):
  /// tests run one kernel under several counts in one process and compare the bits.
  @TaskLocal public static var workersOverride: Int?

  private static let depthKey = ThreadLocalFlag()

  /// Runs `body(range)` over disjoint chunks of `0..<count`, in parallel when the work is
  /// large enough. `cost` is a rough number of scalar operations per index.
  public static func forEachChunk(_ count: Int, cost: Int = 1, _ body: (Range<Int>) -> Void) {
    _ = anyChunk(count, cost: cost) { body($0); return false }
  }

  /// Runs `body(range)` as `forEachChunk` does and tells whether it returned true for any
  /// chunk (a kernel noting that some element was out of range). Each chunk answers in a
  /// slot of its own, so the workers share nothing.
  public static func anyChunk(_ count: Int, cost: Int = 1, _ body: (Range<Int>) -> Bool) -> Bool {
    let w = workers
    if count <= 1 || w == 1 || count * cost < 32_768 || depthKey.isSet {
      return body(0..<count)
    }
    let chunks = min(w, count)
    let answers = UnsafeMutablePointer<Bool>.allocate(capacity: chunks)
    answers.initialize(repeating: false, count: chunks)
    defer { answers.deallocate() }
    withoutActuallyEscaping(body) { body in
      // The chunks are disjoint ranges; what `body` writes per range the types cannot see.
      let shared = UncheckedSendable((body, answers))
      DispatchQueue.concurrentPerform(iterations: chunks) { c in
        depthKey.set(true)
        defer { depthKey.set(false) }
        let lo = count * c / chunks, hi = count * (c + 1) / chunks
        if lo < hi { shared.value.1[c] = shared.value.0(lo..<hi) }
      }
    }
    return (0..<chunks).contains { answers[$0] }
  }

  /// Runs `body(i)` for every `i` in `0..<count`, in parallel when worthwhile.
  public static func forEach(_ count: Int, cost: Int = 1, _ body: (Int) -> Void) {
    forEachChunk(count, cost: cost) { r in for i in r { body(i) } }
  }
}

/// A value handed to concurrent workers that only touch disjoint parts of what it reaches.
struct UncheckedSendable<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}

/// A per-thread boolean (is this thread already inside a parallel region?).
final class ThreadLocalFlag: @unchecked Sendable {
  private var key = pthread_key_t()
  init() { pthread_key_create(&key, nil) }
  var isSet: Bool { pthread_getspecific(key) != nil }
  func set(_ on: Bool) {
    pthread_setspecific(key, on ? UnsafeRawPointer(bitPattern: 1) : nil)
  }
}
