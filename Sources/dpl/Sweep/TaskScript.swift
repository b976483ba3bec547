import Foundation
import RunOutput

/// The sweep's one script, `sweep.sh`: given a task index (`SLURM_ARRAY_TASK_ID` under
/// `sbatch --array`, or its first argument when `dpl sweep --jobs N` or a user runs it), it
/// runs that task's `dpl run` and writes its exit status to `tasks/<i>.exit`. A task whose
/// run folder holds a checkpoint continues it with `--resume`, so a requeued, preempted or
/// resubmitted task ends bit-identical to a run never stopped.
struct TaskScript {
  /// `#SBATCH` options, one per line (empty for a local sweep).
  var sbatch: [String]
  /// Whether SIGUSR1 (sent by SLURM 120 s before the time limit, `--signal=B:USR1@120`)
  /// requeues the task, as submitit does, instead of letting it time out.
  var requeueOnTimeout: Bool
  /// The sweep folder, absolute.
  var folder: URL
  /// The dpl executable the tasks run.
  var dpl: String
  /// Where relative paths in `--set` values are found (the sweep's working folder).
  var workingDirectory: String
  /// The swept field.
  var field: String
  /// `--set` settings for every task.
  var settings: [String]
  var tasks: [SweepTask]

  /// The `#SBATCH` lines for these choices: the log of task i is `tasks/i.log`, every attempt
  /// appended; a requeued task is allowed back (or not) as asked.
  static func sbatchOptions(folder: URL, partition: String?, time: String?, cpusPerTask: Int?, mem: String?,
                            requeue: Bool, extra: [String]) -> [String] {
    var lines = ["--job-name=dpl-sweep", "--output=\(folder.appendingPathComponent("tasks").path)/%a.log", "--open-mode=append"]
    lines.append(requeue ? "--requeue" : "--no-requeue")
    if requeue { lines.append("--signal=B:USR1@120") }
    if let partition { lines.append("--partition=\(partition)") }
    if let time { lines.append("--time=\(time)") }
    if let cpusPerTask { lines.append("--cpus-per-task=\(cpusPerTask)") }
    if let mem { lines.append("--mem=\(mem)") }
    return lines + extra
  }

  var text: String {
    let w = RunFolder.shellWord
    var s = """
      #!/bin/bash
      # dpl sweep: runs task i of the sweep in this folder (sweep.json lists the tasks), the
      # task given by SLURM_ARRAY_TASK_ID (sbatch --array=0-\(tasks.count - 1) sweep.sh) or as the first
      # argument (bash sweep.sh i). A run folder with a checkpoint is continued (--resume).

      """
    for line in sbatch { s += "#SBATCH \(line)\n" }
    s += """
      set -u
      sweep=\(w(folder.path))
      dpl=\(w(dpl))
      cd \(w(workingDirectory)) || exit 66
      task=${1:-${SLURM_ARRAY_TASK_ID:-}}
      settings=(\(settings.map(w).joined(separator: " ")))
      case "$task" in

      """
    for t in tasks {
      s += "  \(t.task)) file=\(w(t.file)) run=\(w(t.run)) set=(\(w("\(field)=\(t.value)")) \(w("seed=\(t.seed)"))) ;;\n"
    }
    s += """
        *) echo "sweep.sh: no task '$task' (0 to \(tasks.count - 1))" >&2; exit 64 ;;
      esac
      out="$sweep/$run"
      exitfile="$sweep/tasks/$task.exit"
      if [ "$(cut -d' ' -f1 "$exitfile" 2>/dev/null)" = 0 ]; then
        echo "dpl sweep: task $task has finished already" >&2
        exit 0
      fi
      rm -f "$exitfile"
      # The task's CPUs are its threads (the same bits for any count).
      if [ -z "${DPL_THREADS:-}" ] && [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then export DPL_THREADS=$SLURM_CPUS_PER_TASK; fi
      if [ -e "$out/checkpoint" ] || [ -e "$out/.checkpoint.old" ]; then
        args=(run "$file" --resume "$out")
      else
        args=(run "$file" --out "$out" --force --set "${set[@]}" "${settings[@]}")
      fi
      echo "dpl sweep: task $task on $(hostname) at $(date -u +%FT%TZ)${SLURM_RESTART_COUNT:+, restart $SLURM_RESTART_COUNT}: dpl ${args[*]}" >&2
      # SLURM signals every process of the task (dpl stops at its next checkpoint); the script
      # stays to record how dpl ended: a script ending first would take dpl with it.
      stop=""
      signals=0
      trap 'stop=SIGTERM; signals=$((signals + 1))' TERM
      trap 'stop=SIGINT; signals=$((signals + 1))' INT

      """
    if requeueOnTimeout {
      s += """
        # Near the time limit: back into the queue; SLURM's SIGTERM then stops dpl at a checkpoint.
        trap 'signals=$((signals + 1)); scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"' USR1

        """
    }
    s += """
      "$dpl" "${args[@]}" &
      pid=$!
      rc=""
      while :; do
        # A trapped signal ends wait early (dpl may still be writing its checkpoint): wait again.
        seen=$signals
        wait "$pid"
        r=$?
        if [ "$r" = 127 ] && [ -n "$rc" ]; then break; fi  # its status came with the signal
        rc=$r
        if [ "$signals" = "$seen" ]; then break; fi
      done
      echo "$rc${stop:+ $stop}" > "$exitfile.tmp" && mv "$exitfile.tmp" "$exitfile"
      exit "$rc"

      """
    return s
  }

  /// Writes `sweep.sh` (executable) and the `tasks/` folder its logs and exit files go to.
  func write() throws -> URL {
    let url = folder.appendingPathComponent(SweepPlan.scriptName)
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("tasks"), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
    chmod(url.path, 0o755)
    return url
  }
}
