import Foundation

/// Set by the signal handlers of `dpl run` (async-signal-safe: a plain store).
nonisolated(unsafe) var runSignal: Int32 = 0

/// SIGINT and SIGTERM during `dpl run`: the first asks the run to stop cleanly (the
/// interpreter raises `interrupted` before its next op, or a program that called
/// `resume(…)` stops at its next `checkpoint(…)`; exit 130); the second, with the default
/// action restored, ends the process at once.
enum RunSignals {
  /// Installs the handlers and a watcher that calls `cancel` once, when the first signal
  /// arrives; returns a function that removes both.
  static func watch(_ cancel: @escaping @Sendable () -> Void) -> () -> Void {
    runSignal = 0
    for s in [SIGINT, SIGTERM] {
      signal(s) { sig in
        runSignal = sig
        signal(SIGINT, SIG_DFL)  // the second signal, of either kind, ends the process
        signal(SIGTERM, SIG_DFL)
      }
    }
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    sigprocmask(SIG_UNBLOCK, &set, nil)
    let timer = DispatchSource.makeTimerSource(queue: .global())
    timer.schedule(deadline: .now(), repeating: .milliseconds(20))
    timer.setEventHandler { [timer] in
      guard runSignal != 0 else { return }
      timer.cancel()
      cancel()
    }
    timer.resume()
    return {
      timer.cancel()
      timer.setEventHandler(handler: nil)  // it holds the timer
      for s in [SIGINT, SIGTERM] { signal(s, SIG_DFL) }
    }
  }

  /// The signal that stopped the run, by name.
  static var received: String? {
    switch runSignal {
    case SIGINT: return "SIGINT"
    case SIGTERM: return "SIGTERM"
    default: return nil
    }
  }
}
