import Foundation

/// A flag one thread sets and another polls: a signal watcher or watchdog asks a run to
/// stop; the interpreter checks before each op.
public final class CancelFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false

  public init() {}

  public var isSet: Bool {
    get { lock.withLock { value } }
    set { lock.withLock { value = newValue } }
  }
}
