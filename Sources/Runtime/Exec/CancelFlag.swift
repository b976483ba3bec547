import Synchronization

/// A stop request one thread makes and another polls: a signal watcher or watchdog asks a
/// run to stop; the interpreter checks it at loop back-edges and calls (one atomic load).
public final class CancelFlag: Sendable {
  private let value = Atomic<Bool>(false)
  private let waits = Atomic<Bool>(false)

  public init() {}

  /// Whether a stop was requested.
  public var isSet: Bool {
    get { value.load(ordering: .relaxed) }
    set { value.store(newValue, ordering: .relaxed) }
  }

  /// Whether the run answers a stop at its next checkpoint rather than at once (set once the
  /// program calls `resume(…)` under `dpl run`).
  public var waitsForCheckpoint: Bool {
    get { waits.load(ordering: .relaxed) }
    set { waits.store(newValue, ordering: .relaxed) }
  }
}
