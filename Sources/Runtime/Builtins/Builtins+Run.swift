import Formats
import Foundation
import IR
import RunOutput
import Tensor

/// The native module `run` (`import run`): the run folder of the `RunOutput` target —
/// metrics, plots, overlays, the progress bar — and `resume`, `resumed` and `checkpoint`,
/// which make a stop (SIGINT, SIGTERM, SIGKILL) cost no more than the steps since the last
/// checkpoint, with a resumed run bit-identical to one never stopped (docs/runtime.md,
/// "Resuming a run").
extension BuiltinTable {
  static let run: [String: BuiltinImpl] = [
    "path": { i, a, op in
      let url = try i.runFile(a[0], op)
      try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      return .string(url.path)
    },
    "log_metrics": { i, a, op in
      let step = try i.int(a[0], op, "step")
      guard step >= 0 else { throw RuntimeError("log_metrics: the step is \(step); steps are counted from 0", at: op.span) }
      let values = try i.namedNumbers(a[1], op)
      var seen: Set<String> = []
      for (name, _) in values {
        if let why = RunLog.problem(withName: name) { throw RuntimeError("log_metrics: \(why)", at: op.span) }
        guard seen.insert(name).inserted else { throw RuntimeError("log_metrics: '\(name)' is given twice in one row", at: op.span) }
      }
      try i.runLog.log(step: step, values)
      return .void
    },
    "log_info": { i, a, op in
      try i.runLog.info(try i.namedValues(a[0], op))
      return .void
    },
    "plot_metrics": { i, a, op in
      let url = try i.runFile(a[0], op)
      if try i.runLog.plot(to: url) { i.wroteImage(url) }
      return .void
    },
    "write_overlays": { i, a, op in
      let maps: Tensor? = { if case .none = a[4] { return nil }; return try? i.tensor(a[4], op).value }()
      let img = try OverlayGrid.render(images: try i.tensor(a[1], op).value, truth: try i.tensor(a[2], op).value,
                                       prediction: try i.tensor(a[3], op).value, maps: maps,
                                       rows: try i.positive(a[5], op, "rows"))
      let url = try i.runFile(a[0], op)
      try PNG.write(img, to: url)
      i.wroteImage(url)
      return .void
    },
    "rank": { i, _, _ in .int(i.dataParallel?.rank ?? 0) },
    "world_size": { i, _, _ in .int(i.dataParallel?.size ?? 1) },
    "shard": { i, a, op in
      guard let dp = i.dataParallel else { return a[0] }
      let rows = { (n: Int) in [SliceRange(dp.shard(n).lowerBound, dp.shard(n).upperBound)] }
      if case .intTensor(let t, nil) = a[0], let n = t.shape.first { return .intTensor(try t.sliced(rows(n)), nil) }
      let v = try i.tensor(a[0], op)
      guard let n = v.shape.first else { throw RuntimeError("shard: needs a tensor with an axis 0, got a scalar", at: op.span) }
      return .tensor(try i.prim(.slice(rows(n)), [v], op))
    },
    "progress": { i, a, op in
      ProgressBar.show(step: try i.int(a[0], op, "step"), total: try i.int(a[1], op, "total"),
                       values: try i.namedNumbers(a[2], op), write: i.log)
      return .void
    },
    "resume": { i, a, op in
      guard !i.resumeCalled else { throw RuntimeError("run.resume(…) is called a second time; call it once, before the training loop", at: op.span) }
      i.resumeCalled = true
      let objects = try i.checkpointObjects(a[0], op)
      guard let found = i.resumeCheckpoint else { return .int(0) }
      let state = found.state, names = objects.map(\.typeName)
      guard state.objects == names else {
        throw RuntimeError("resume: the checkpoint in \(found.directory.path) holds (\(state.objects.joined(separator: ", "))); this call restores (\(names.joined(separator: ", ")))",
                           at: op.span, exitCode: 65)
      }
      do {
        for (k, o) in objects.enumerated() { try i.load(into: o, from: RunCheckpoint.objectFile(k, in: found.directory), op) }
      } catch let e as IOError {
        throw RuntimeError("resume: \(e.description)", at: op.span, exitCode: 65)
      }
      guard let rng = RNG(stateText: state.rng) else {
        throw RuntimeError("resume: the random stream '\(state.rng)' in \(found.directory.path)/state.json is damaged", at: op.span, exitCode: 65)
      }
      i.rng = rng
      // The stopped run may have logged steps after its checkpoint; they are logged again.
      try i.runLog.resume(from: found.directory, step: state.step)
      return .int(state.step)
    },
    "resumed": { i, a, op in
      let name = try i.string(a[0], op)
      guard let state = i.resumeCheckpoint?.state else { return a[1] }
      guard let saved = state.values[name] else {
        let kept = state.values.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
        throw RuntimeError("resumed: the checkpoint has no value '\(name)' (it has \(kept.isEmpty ? "none" : kept))", at: op.span, exitCode: 65)
      }
      let value = saved.value
      guard value.typeName == a[1].typeName else {
        throw RuntimeError("resumed: '\(name)' was saved as \(value.typeName), the default is \(a[1].typeName)", at: op.span, exitCode: 65)
      }
      return value
    },
    "checkpoint": { i, a, op in
      let step = try i.int(a[0], op, "step")
      let every = try i.positive(a[3], op, "every")
      guard i.resumeCalled || !i.stopsAtCheckpoint else {
        throw RuntimeError("run.checkpoint(…) without run.resume(…): call resume with the same state before the training loop, so that `dpl run --resume` can continue from what this writes", at: op.span)
      }
      // Ranks stop together: at the step where any of them was asked to.
      let asked = try i.dataParallel.map { try $0.any(i.cancelled) } ?? i.cancelled
      let stopping = i.stopsAtCheckpoint && asked
      guard step % every == 0 || stopping else { return .void }
      let objects = try i.checkpointObjects(a[1], op)
      guard let rng = i.rng.stateText else { throw RuntimeError("checkpoint: the random generator's state cannot be read", at: op.span) }
      let state = RunCheckpoint.State(step: step, program: i.module.files.first?.path ?? "", sources: RunCheckpoint.sources(i.module.files),
                                      seed: i.seed, settings: i.configOverrides, skippedPasses: i.skippedPasses,
                                      objects: objects.map(\.typeName), values: try i.savedValues(a[2], op), rng: rng,
                                      kernels: BLAS.kernels)
      try i.runLog.flush()  // the rows up to this step are on disk before the checkpoint is
      try RunCheckpoint(folder: i.runFolder).write(state) { dir in
        for (k, o) in objects.enumerated() { try i.save(o, to: RunCheckpoint.objectFile(k, in: dir), op) }
        try i.runLog.snapshot(into: dir)
      }
      if stopping { throw RunStopped(step: step) }
      return .void
    },
  ]
}

/// A stop request (SIGINT, SIGTERM) ended the run at `run.checkpoint(…)`, which wrote the
/// checkpoint of `step` first.
public struct RunStopped: Error {
  public let step: Int
}

extension RunCheckpoint.Saved {
  var value: Value {
    switch self {
    case .int(let n): return .int(n)
    case .float(let d): return .float(d)
    case .bool(let b): return .bool(b)
    case .string(let t): return .string(t)
    }
  }
}

extension Interpreter {
  /// The optimizers and models of a checkpoint's `state` (one, or a tuple).
  func checkpointObjects(_ v: Value, _ op: IR.Op) throws -> [Value] {
    let parts: [Value]
    if case .tuple(let xs) = v { parts = xs } else { parts = [v] }
    for p in parts {
      switch p {
      case .optimizer, .model: continue
      default: throw RuntimeError("a checkpoint's state is optimizers and models, got \(p.typeName)", at: op.span)
      }
    }
    return parts
  }

  /// `values:` of `checkpoint`: [(name, Int | Float | Bool | String)].
  func savedValues(_ v: Value, _ op: IR.Op) throws -> [String: RunCheckpoint.Saved] {
    let items: [Value]
    switch v {
    case .list(let xs), .tuple(let xs): items = xs
    default: throw RuntimeError("checkpoint: values must be [(name, value)], got \(v.typeName)", at: op.span)
    }
    var out: [String: RunCheckpoint.Saved] = [:]
    for item in items {
      guard case .tuple(let pair) = item, pair.count == 2, case .string(let name) = pair[0] else {
        throw RuntimeError("checkpoint: values must be (name, value) tuples, got \(item.typeName)", at: op.span)
      }
      switch pair[1] {
      case .int(let n): out[name] = .int(n)
      case .float(let d): out[name] = .float(d)
      case .bool(let b): out[name] = .bool(b)
      case .string(let t): out[name] = .string(t)
      default: throw RuntimeError("checkpoint: '\(name)' is \(pair[1].typeName); values keep Ints, Floats, Bools and Strings (tensors belong in a model)", at: op.span)
      }
    }
    return out
  }

  /// The run folder: `--out` (or the CLI's default), else `runs/run` under the working directory.
  var runFolder: URL { outputDirectory ?? workingDirectory.appendingPathComponent("runs/run") }

  /// The metrics log of the run folder, opened at its first use.
  var runLog: RunLog {
    if let l = openRunLog, l.folder == runFolder { return l }
    let l = RunLog(folder: runFolder)
    l.warn = { [weak self] message in self?.log("warning: \(message)\n") }
    openRunLog = l
    return l
  }

  /// Merges `entries` into the run's metrics.json, as `run.log_info` does.
  public func logInfo(_ entries: [(String, Any)]) throws { try runLog.info(entries) }

  /// Brings `metrics.json` up to date and `metrics.csv` onto the disk (the end of a run).
  public func flushRunLog() throws { try openRunLog?.flush() }

  /// A file of the run folder named by the program (`run.path`, the plots), confined to it.
  func runFile(_ v: Value, _ op: IR.Op) throws -> URL {
    do { return try RunFolder.confined(try string(v, op), in: runFolder) } catch let p as RunFolder.Problem {
      throw RuntimeError(p.message, at: op.span, exitCode: p.exitCode)
    }
  }

  /// A list of `(name, number)` tuples.
  func namedNumbers(_ v: Value, _ op: IR.Op) throws -> [(String, Double)] {
    try namedValues(v, op).map { name, value in
      guard let d = value as? Double else { throw RuntimeError("'\(name)' must be a number", at: op.span) }
      return (name, d)
    }
  }

  /// A list of `(name, value)` tuples (numbers, strings, Bools; a 1-D tensor as a list of
  /// numbers) for the metrics files.
  func namedValues(_ v: Value, _ op: IR.Op) throws -> [(String, Any)] {
    let items: [Value]
    switch v {
    case .list(let xs), .tuple(let xs): items = xs
    default: throw RuntimeError("expected a list of (name, value) tuples, got \(v.typeName)", at: op.span)
    }
    return try items.map { item in
      guard case .tuple(let pair) = item, pair.count == 2, case .string(let name) = pair[0] else {
        throw RuntimeError("expected (name, value) tuples, got \(item.typeName)", at: op.span)
      }
      switch pair[1] {
      case .int(let n): return (name, Double(n))
      case .float(let f): return (name, f)
      case .bool(let b): return (name, b)
      case .string(let s): return (name, s)
      case .tensor, .intTensor:
        let t = try tensor(pair[1], op).value
        if t.rank == 1, t.count != 1 { return (name, t.scalars.map(Double.init)) }  // a curve
        return (name, Double(try t.item()))
      default: throw RuntimeError("'\(name)': cannot log \(pair[1].typeName)", at: op.span)
      }
    }
  }
}
