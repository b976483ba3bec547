import Foundation

/// Set by the signal handlers of a local sweep (async-signal-safe: a plain store).
nonisolated(unsafe) var sweepSignal: Int32 = 0

/// Runs a sweep's tasks on this machine without a scheduler, `jobs` at a time: each is
/// `bash sweep.sh i` in a process group of its own with its output appended to its log, as
/// SLURM runs it (proctrack/pgid). SIGINT or SIGTERM is passed to every running task (dpl
/// stops at its next checkpoint) and no further task starts; a second one, passed on too,
/// stops them at once.
struct LocalTasks {
  var plan: SweepPlan
  var folder: URL
  var jobs: Int

  /// Runs `tasks` (indices into the plan); calls `progress` with the sweep's state about
  /// once a second and whenever a task ends. Returns the signal that stopped the sweep, if any.
  func run(_ tasks: [Int], progress: (SweepStatus) throws -> Void) throws -> Int32? {
    var waiting = tasks
    var running: [Int: pid_t] = [:]
    var stoppedBy: Int32?
    sweepSignal = 0
    for s in [SIGINT, SIGTERM] { signal(s) { sweepSignal = $0 } }
    // A parent (Foundation's Process, say) may have started this process with them blocked.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    sigprocmask(SIG_UNBLOCK, &set, nil)
    defer { for s in [SIGINT, SIGTERM] { signal(s, SIG_DFL) } }
    var lastShown = Date.distantPast
    var changed = true
    while !waiting.isEmpty || !running.isEmpty {
      if sweepSignal != 0 {
        let s = sweepSignal
        sweepSignal = 0
        stoppedBy = stoppedBy ?? s
        waiting.removeAll()
        for pid in running.values { kill(-pid, s) }
      }
      for (k, pid) in running {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
          running[k] = nil
          changed = true
        }
      }
      while running.count < jobs, !waiting.isEmpty {
        let k = waiting.removeFirst()
        running[k] = try start(plan.tasks[k])
        changed = true
      }
      if changed || Date().timeIntervalSince(lastShown) >= 1 {
        try progress(try SweepStatus.read(plan, in: folder, running: Set(running.keys)))
        lastShown = Date()
        changed = false
      }
      if !running.isEmpty || !waiting.isEmpty { usleep(100_000) }
    }
    return stoppedBy
  }

  /// Starts `bash sweep.sh i` in a new process group, stdin from /dev/null, stdout and
  /// stderr appended to the task's log.
  func start(_ task: SweepTask) throws -> pid_t {
    let log = folder.appendingPathComponent(task.log).path
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    posix_spawnattr_setpgroup(&attributes, 0)
    // The task starts with default signal dispositions and none blocked, whatever this process has.
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigdefault(&attributes, &all)
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    let script = folder.appendingPathComponent(SweepPlan.scriptName).path
    let words: [String] = ["/bin/bash", script, String(task.task)]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let env: [UnsafeMutablePointer<CChar>?] = environment().map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { env.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/bin/bash", &actions, &attributes, argv, env)
    guard rc == 0 else { throw SweepError("cannot start task \(task.task): \(String(cString: strerror(rc)))", exitCode: 71) }
    return pid
  }

  /// This process's environment, with `DPL_THREADS` set to the cores divided among the
  /// jobs unless the user set it (the results are the same bits for any thread count).
  func environment() -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    if env["DPL_THREADS"] == nil {
      env["DPL_THREADS"] = String(max(1, ProcessInfo.processInfo.activeProcessorCount / jobs))
    }
    return env
  }
}
