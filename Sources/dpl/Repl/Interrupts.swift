import Foundation
import Interactive
import Runtime

/// Set by the SIGINT handler; read by the line editor and by the watcher that cancels a
/// running computation. A plain global: the handler may only touch async-signal-safe state.
nonisolated(unsafe) var interruptCount: Int32 = 0

/// Ctrl-C: while an input runs, it cancels the computation (the interpreter stops before
/// its next op and reports `interrupted`); while editing, it drops the current input.
final class Interrupts {
  let session: Session

  init(session: Session) { self.session = session }

  func install() {
    signal(SIGINT) { _ in interruptCount += 1 }
    // A parent may have blocked SIGINT (the mask survives exec); Ctrl-C must reach us.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigprocmask(SIG_UNBLOCK, &set, nil)
  }

  /// Runs `body` while a watcher turns a Ctrl-C into `session.cancel()`.
  func whileRunning<T>(_ body: () -> T) -> T {
    interruptCount = 0
    let timer = DispatchSource.makeTimerSource(queue: .global())
    timer.schedule(deadline: .now(), repeating: .milliseconds(20))
    timer.setEventHandler { [session] in
      if interruptCount > 0 { session.cancel() }
    }
    timer.resume()
    defer {
      timer.cancel()
      if interruptCount > 0, isatty(STDOUT_FILENO) != 0 { print("") }  // after the terminal's ^C
      interruptCount = 0
    }
    return body()
  }
}
