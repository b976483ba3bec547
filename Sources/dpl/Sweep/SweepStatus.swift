import Foundation

/// Where one task of a sweep is.
enum TaskState: Equatable {
  /// Not started, or requeued and waiting: the scheduler's reason.
  case pending(String)
  case running
  case done
  /// Ended otherwise: dpl run's exit status when the task script recorded one, and why.
  case failed(status: Int32?, why: String)
}

/// The state of every task of a sweep, from the exit files the task script writes and, on
/// SLURM, the queue (which wins: a requeued task has the exit file of its stopped attempt).
struct SweepStatus {
  var plan: SweepPlan
  var folder: URL
  var states: [TaskState]

  /// Reads the sweep's state now. `running`: the tasks a local sweep has started.
  static func read(_ plan: SweepPlan, in folder: URL, running: Set<Int> = []) throws -> SweepStatus {
    // The queue first: a task that leaves it meanwhile has written its exit file by then.
    var queued: [Int: (state: String, reason: String)] = [:]
    for job in plan.jobs {
      for (k, q) in try Slurm.queued(job: job) { queued[k] = q }
    }
    let states = plan.tasks.map { t -> TaskState in
      if let q = queued[t.task] {
        return q.state == "PENDING" || q.state == "REQUEUED" ? .pending(q.reason) : .running
      }
      if running.contains(t.task) { return .running }
      if let recorded = exitRecord(folder.appendingPathComponent(t.exit)) {
        if recorded.status == 0 { return .done }
        if let signal = recorded.signal {
          return .failed(status: recorded.status, why: "stopped by \(signal) (exit \(recorded.status))" + (signal == "SIGTERM" ? ": a time limit, a preemption or scancel; its checkpoint lets `dpl sweep --resubmit` continue it" : ""))
        }
        return .failed(status: recorded.status, why: "exit \(recorded.status)")
      }
      guard !plan.jobs.isEmpty else { return .pending("not started") }
      // Gone from the queue without an exit status: killed (SIGKILL after SLURM's KillWait),
      // cancelled before it started, or its node failed.
      let ending = plan.jobs.reversed().lazy.compactMap { Slurm.ending(job: $0, task: t.task) }.first
      let slurm = ending.map { "; SLURM: \($0)" } ?? ""
      return .failed(status: nil, why: "ended without an exit status\(slurm)")
    }
    return SweepStatus(plan: plan, folder: folder, states: states)
  }

  /// The exit status and the signal (if one stopped it) in a task's exit file.
  static func exitRecord(_ url: URL) -> (status: Int32, signal: String?)? {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
    let words = text.split(whereSeparator: \.isWhitespace)
    guard let first = words.first, let status = Int32(first) else { return nil }
    return (status, words.count > 1 ? String(words[1]) : nil)
  }

  func count(_ matches: (TaskState) -> Bool) -> Int { states.filter(matches).count }
  var done: Int { count { $0 == .done } }
  var running: Int { count { $0 == .running } }
  var pending: Int { count { if case .pending = $0 { return true } else { return false } } }
  var failed: [SweepTask] { plan.tasks.filter { if case .failed = states[$0.task] { return true } else { return false } } }
  /// Whether every task has ended, well or not.
  var finished: Bool { running == 0 && pending == 0 }

  /// `12 tasks: 3 done, 1 failed, 2 running, 6 pending`.
  var summary: String {
    var parts = ["\(done) done"]
    if !failed.isEmpty { parts.append("\(failed.count) failed") }
    parts.append("\(running) running")
    parts.append("\(pending) pending")
    return "\(plan.tasks.count) task\(plan.tasks.count == 1 ? "" : "s"): " + parts.joined(separator: ", ")
  }

  /// One line per failed task: which it is, why, and its log (with the log's last error line).
  var failures: [String] {
    failed.map { t in
      guard case .failed(_, let why) = states[t.task] else { return "" }
      let log = folder.appendingPathComponent(t.log)
      var line = "task \(t.task) (\(t.name(field: plan.field))) failed: \(why); log: \(log.path)"
      if let e = Self.lastError(in: log) { line += "\n  \(e)" }
      return line
    }
  }

  /// The last line of a log that says `error:`, if any (from its last 64 KiB).
  static func lastError(in log: URL) -> String? {
    guard let h = try? FileHandle(forReadingFrom: log) else { return nil }
    defer { try? h.close() }
    let size = (try? h.seekToEnd()) ?? 0
    try? h.seek(toOffset: size > 65536 ? size - 65536 : 0)
    let text = String(decoding: h.readDataToEndOfFile(), as: UTF8.self)
    return text.split(separator: "\n").last { $0.contains("error:") }.map(String.init)
  }

  /// The status as `dpl sweep --status` prints it: a line per task, then the summary.
  var table: String {
    var s = ""
    for t in plan.tasks {
      let state: String
      switch states[t.task] {
      case .pending(let reason): state = "pending" + (reason.isEmpty || reason == "None" ? "" : " (\(reason))")
      case .running: state = "running"
      case .done: state = "done"
      case .failed(_, let why): state = "failed: \(why); log: \(t.log)"
      }
      s += "\(t.task)\t\(t.name(field: plan.field))\t\(t.run)\t\(state)\n"
    }
    let job = plan.jobs.isEmpty ? "local, " : "SLURM job\(plan.jobs.count > 1 ? "s" : "") \(plan.jobs.joined(separator: ", ")): "
    return s + job + summary + "\n"
  }
}
