import Foundation
import IR
import Tensor

/// `resume`, `resumed` and `checkpoint`: a training program that a stop (SIGINT, SIGTERM,
/// SIGKILL) does not cost more than the steps since its last checkpoint, and whose resumed
/// run is bit-identical to one never stopped (docs/runtime.md, "Resuming a run").
extension BuiltinTable {
  static let resume: [String: BuiltinImpl] = [
    "resume": { i, a, op in
      guard !i.resumeCalled else { throw RuntimeError("resume(…) is called a second time; call it once, before the training loop", at: op.span) }
      i.resumeCalled = true
      let objects = try i.checkpointObjects(a[0], op)
      guard let (state, dir) = i.resumeCheckpoint else { return .int(0) }
      let names = objects.map(\.typeName)
      guard state.objects == names else {
        throw RuntimeError("resume: the checkpoint in \(dir.path) holds (\(state.objects.joined(separator: ", "))); this call restores (\(names.joined(separator: ", ")))",
                           at: op.span, exitCode: 65)
      }
      for (k, o) in objects.enumerated() { try i.load(into: o, from: RunCheckpoint.objectFile(k, in: dir), op) }
      if let text = state.rng {
        guard let r = RNG(stateText: text) else { throw RuntimeError("resume: the checkpoint's random stream '\(text)' is damaged", at: op.span, exitCode: 65) }
        i.rng = r
      }
      i.resumedValues = state.values
      return .int(state.step)
    },
    "resumed": { i, a, op in
      let name = try i.string(a[0], op)
      guard i.resumeCalled else { throw RuntimeError("resumed(\"\(name)\", …) comes before resume(…); call resume first", at: op.span) }
      guard let (state, _) = i.resumeCheckpoint else { return a[1] }
      guard let saved = state.values[name] else {
        let kept = state.values.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
        throw RuntimeError("resumed: the checkpoint has no value '\(name)' (it has \(kept.isEmpty ? "none" : kept))", at: op.span, exitCode: 65)
      }
      switch (saved, a[1]) {
      case (.int(let n), .int): return .int(n)
      case (.float(let d), .float): return .float(d)
      case (.bool(let b), .bool): return .bool(b)
      case (.string(let t), .string): return .string(t)
      default: throw RuntimeError("resumed: '\(name)' was saved as \(saved), the default is \(a[1].typeName)", at: op.span, exitCode: 65)
      }
    },
    "checkpoint": { i, a, op in
      let step = try i.int(a[0], op, "step")
      let every = try i.positive(a[3], op, "every")
      guard i.resumeCalled else {
        throw RuntimeError("checkpoint(…) without resume(…): call resume with the same state before the training loop, so that `dpl run --resume` can continue from what this writes", at: op.span)
      }
      let stopping = i.cancelled
      guard step % every == 0 || stopping else { return .void }
      let objects = try i.checkpointObjects(a[1], op)
      let program = i.programPath ?? i.module.files.first?.path ?? "program.dpl"
      let state = RunCheckpoint.State(step: step, program: program, sourceHash: RunCheckpoint.hash(i.module.files.first?.bytes ?? []),
                                      seed: i.seed, settings: i.configOverrides, objects: objects.map(\.typeName),
                                      values: try i.savedValues(a[2], op), rng: i.rng.stateText)
      let run = RunCheckpoint(folder: i.runFolder)
      try run.write(state) { dir in
        for (k, o) in objects.enumerated() { try i.save(o, to: RunCheckpoint.objectFile(k, in: dir), op) }
      }
      if stopping {
        throw RuntimeError("interrupted at step \(step), checkpoint written; resume with: dpl run \(program) --resume \(i.runFolder.path)",
                           at: op.span, exitCode: 130)
      }
      return .void
    },
  ]
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
}
