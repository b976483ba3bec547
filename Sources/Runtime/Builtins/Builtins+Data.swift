import Autodiff
import Foundation
import IR
import Tensor

/// Data sets, batches, star placement, metrics and the run folder (issue 5). Data sets are
/// plain tensors: `load_data` returns `(train_x [N, 1, S, S], train_y IntTensor [N, S, S],
/// val_x, val_y)` and programs index them with `batch_indices`.
extension BuiltinTable {
  static let data: [String: BuiltinImpl] = [
    "load_data": { i, a, op in
      let split = try DataSource.load(try i.string(a[0], op), size: try i.positive(a[1], op, "size"),
                                      trainImages: try i.int(a[2], op, "train_images"),
                                      validation: try i.int(a[3], op, "validation"),
                                      seed: UInt64(bitPattern: Int64(try i.int(a[4], op, "seed"))),
                                      relativeTo: i.workingDirectory)
      i.log("data: \(split.train.name), \(split.train.count) training / \(split.validation.count) validation slices of \(split.train.size)×\(split.train.size)\n")
      let (tx, ty) = try split.train.stacked(), (vx, vy) = try split.validation.stacked()
      return .tuple([.tensor(tx), .intTensor(ty, nil), .tensor(vx), .intTensor(vy, nil)])
    },
    "batch_indices": { i, a, op in
      let n = try i.positive(a[0], op, "count"), b = try i.positive(a[1], op, "batch")
      let step = try i.int(a[2], op, "step"), seed = try i.int(a[3], op, "seed")
      return .intTensor(batchIndices(count: n, batch: b, step: step, seed: seed), nil)
    },
    "lv_mask": { i, a, op in
      .tensor(try i.intTensor(a[0], op, "labels").map { $0 == 3 ? Float(1) : 0 })
    },
    "star_jitter": { i, a, op in
      let mask = try i.tensor(a[0], op, "mask").value
      let p = try jitteredStarPlacement(mask, rng: &i.rng, spread: Float(try i.double(a[1], op, "spread")),
                                        maxRotation: Float(try i.double(a[2], op, "max_angle")))
      return .tuple([.tensor(p.centers), .tensor(p.rotation)])
    },
    "dice_in_box": { i, a, op in
      .tensor(try diceInBox(try i.tensor(a[0], op).value, try i.tensor(a[1], op).value,
                            centers: try i.centers(a[2], op), halfSize: Float(try i.double(a[3], op, "half"))))
    },
    "seed_all": { i, a, op in
      i.rng = RNG(seed: UInt64(bitPattern: Int64(try i.int(a[0], op, "seed"))))
      return .void
    },
    "clock": { _, _, _ in .float(ProcessInfo.processInfo.systemUptime) },
    "fit_losses": { i, a, op in
      guard case .model(let m) = a[0] else { throw RuntimeError("fit_losses expects a model, got \(a[0].typeName)", at: op.span) }
      return .tensor(Tensor(shape: [m.fitLosses.count]) { m.fitLosses[$0] })
    },
    "path": { i, a, op in
      let url = i.runFolder.appendingPathComponent(try i.string(a[0], op))
      try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      return .string(url.path)
    },
    "log_metrics": { i, a, op in
      try RunLog(folder: i.runFolder).log(step: try i.int(a[0], op, "step"), try i.namedNumbers(a[1], op))
      return .void
    },
    "log_info": { i, a, op in
      try RunLog(folder: i.runFolder).info(try i.namedValues(a[0], op))
      return .void
    },
    "plot_metrics": { i, a, op in
      let url = i.runFolder.appendingPathComponent(try i.string(a[0], op))
      if try RunLog(folder: i.runFolder).plot(to: url) { i.wroteImage(url) }
      return .void
    },
    "write_overlays": { i, a, op in
      let maps: Tensor? = { if case .none = a[4] { return nil }; return try? i.tensor(a[4], op).value }()
      let img = try OverlayGrid.render(images: try i.tensor(a[1], op).value, truth: try i.tensor(a[2], op).value,
                                       prediction: try i.tensor(a[3], op).value, maps: maps,
                                       rows: try i.positive(a[5], op, "rows"))
      let url = i.runFolder.appendingPathComponent(try i.string(a[0], op))
      try PNG.write(img, to: url)
      i.wroteImage(url)
      return .void
    },
    "progress": { i, a, op in
      ProgressBar.show(step: try i.int(a[0], op, "step"), total: try i.int(a[1], op, "total"),
                       values: try i.namedNumbers(a[2], op), write: i.log)
      return .void
    },
  ]

  /// Batch `step` of an epoch-wise shuffle: epoch `e` is a permutation of `0..<count`
  /// drawn from `(seed, e)`, and batches are consecutive windows (wrapping into the next epoch).
  static func batchIndices(count: Int, batch: Int, step: Int, seed: Int) -> IntTensor {
    var out: [Int32] = []
    var cache: (epoch: Int, perm: [Int])?
    for k in 0..<batch {
      let flat = step * batch + k
      let epoch = flat / count
      if cache?.epoch != epoch {
        var rng = RNG(seed: UInt64(bitPattern: Int64(seed &* 1_000_003 &+ epoch)))
        var p = Array(0..<count)
        for j in stride(from: count - 1, to: 0, by: -1) { p.swapAt(j, rng.int(below: j + 1)) }
        cache = (epoch, p)
      }
      out.append(Int32(cache!.perm[flat % count]))
    }
    return (try? IntTensor(shape: [batch], scalars: out)) ?? IntTensor(shape: [0], repeating: 0)
  }
}

extension Interpreter {
  /// The run folder: `--out` (or the CLI's default), else `runs/run` under the working directory.
  var runFolder: URL { outputDirectory ?? workingDirectory.appendingPathComponent("runs/run") }

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
