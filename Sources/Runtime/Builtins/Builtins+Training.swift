import Foundation
import IR
import Tensor

/// The training loop's helpers: shuffled batches, the seed, the clock and a bypass
/// network's fit losses and fidelity.
extension BuiltinTable {
  static let training: [String: BuiltinImpl] = [
    "batch_indices": { i, a, op in
      let n = try i.positive(a[0], op, "count"), b = try i.positive(a[1], op, "batch")
      let step = try i.int(a[2], op, "step"), seed = try i.int(a[3], op, "seed")
      guard step >= 0 else { throw RuntimeError("batch_indices: step must be ≥ 0, got \(step)", at: op.span) }
      // The result is [batch] Int32s; an epoch's permutation holds `count` Ints.
      try TensorSize.check([b], op: "batch_indices")
      try TensorSize.check([n], op: "batch_indices", elementBytes: MemoryLayout<Int>.size)
      _ = try TensorSize.sum(try TensorSize.product(step, b, op: "batch_indices", "step \(step) × batch \(b)"), b,
                             op: "batch_indices", "step \(step) × batch \(b) + batch")
      return .intTensor(batchIndices(count: n, batch: b, step: step, seed: seed), nil)
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
    "fit_fidelity": { i, a, op in
      guard case .model(let m) = a[0] else { throw RuntimeError("fit_fidelity expects a model, got \(a[0].typeName)", at: op.span) }
      guard let f = m.fidelity else { return .tuple([.float(-1), .float(-1)]) }
      return .tuple([.float(f.agreement), .float(f.error)])
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
