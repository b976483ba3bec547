import Foundation

/// A stop request one thread makes and another polls: a signal watcher or watchdog asks a
/// run to stop; the interpreter checks before each op.
public final class CancelFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false
  private var waits = false

  public init() {}

  /// Whether a stop was requested.
  public var isSet: Bool {
    get { lock.withLock { value } }
    set { lock.withLock { value = newValue } }
  }

  /// Whether the run answers a stop at its next checkpoint rather than at once (set once the
  /// program calls `resume(…)` under `dpl run`).
  public var waitsForCheckpoint: Bool {
    get { lock.withLock { waits } }
    set { lock.withLock { waits = newValue } }
  }
}
