import Tensor

extension Interpreter {
  /// After a step under MPI: rank 0's batch-norm running statistics on every rank (each
  /// rank updated its own from its shard), as PyTorch's DistributedDataParallel broadcasts
  /// its buffers, so evaluation gives the same on every rank.
  func shareRunningStats(_ model: ModelInstance, _ parallel: DataParallel) throws {
    let stats = runningStats(model).map(\.1)
    guard !stats.isEmpty else { return }
    let shared = try parallel.broadcast(stats.flatMap { [$0.stats.mean, $0.stats.variance] })
    for (k, r) in stats.enumerated() { r.stats = BatchNormStats(mean: shared[2 * k], variance: shared[2 * k + 1]) }
  }
}
