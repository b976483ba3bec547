import Autodiff
import Foundation
import Tensor

/// Data-parallel training over the ranks of an MPI launch (`mpirun -n K dpl run …`), the way
/// Horovod does it: every rank runs the whole program on its shard of each batch
/// (`run.shard`), an optimizer's parameters are broadcast from rank 0 before its first step,
/// and each step averages the gradients over the ranks (one `MPI_Allreduce`) before the
/// update, so every rank holds the same weights. With equal shards the average is the
/// gradient of the global batch, up to the order of the sums.
public final class DataParallel {
  let mpi: MPI
  /// This process' rank, 0 … size − 1.
  public var rank: Int { mpi.rank }
  /// The number of ranks.
  public var size: Int { mpi.size }
  /// Time spent averaging gradients so far (metrics.json's `allreduce_seconds`).
  public private(set) var allreduceSeconds = 0.0

  init(mpi: MPI) { self.mpi = mpi }

  /// The ranks of this launch, or nil when the process was not started by an MPI launcher.
  public static func start() throws -> DataParallel? {
    guard MPI.launched else { return nil }
    return DataParallel(mpi: try MPI())
  }

  /// Rows `rank·n/K ..< (rank+1)·n/K` of `n`: this rank's part of axis 0.
  public func shard(_ n: Int) -> Range<Int> { rank * n / size ..< (rank + 1) * n / size }

  /// Sets each gradient of `parameters` to its mean over the ranks (the parameters with a
  /// gradient are the same on every rank: they run the same program).
  public func averageGradients(_ parameters: [Parameter]) throws {
    let start = DispatchTime.now().uptimeNanoseconds
    defer { allreduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    let withGrad = parameters.filter { $0.grad != nil }
    var flat = Self.flatten(withGrad.map { $0.grad! })
    let n = flat.count
    try flat.withUnsafeMutableBytes { try mpi.allreduce($0.baseAddress!, count: n, type: mpi.float, op: mpi.sum) }
    let scale = 1 / Float(size)
    for k in flat.indices { flat[k] *= scale }
    var offset = 0
    for p in withGrad {
      p.grad = Self.unflatten(flat, at: &offset, like: p.grad!)
    }
  }

  /// Rank 0's values of `parameters` on every rank.
  public func broadcast(_ parameters: [Parameter]) throws {
    let values = try broadcast(parameters.map(\.value))
    for (p, v) in zip(parameters, values) { p.value = v }
  }

  /// Rank 0's `tensors` (one `MPI_Bcast` for all).
  func broadcast(_ tensors: [Tensor]) throws -> [Tensor] {
    var flat = Self.flatten(tensors)
    let n = flat.count
    try flat.withUnsafeMutableBytes { try mpi.broadcast($0.baseAddress!, count: n, type: mpi.float) }
    var offset = 0
    return tensors.map { Self.unflatten(flat, at: &offset, like: $0) }
  }

  /// The mean of `value` over the ranks.
  public func mean(_ value: Double) throws -> Double {
    var v = value
    try withUnsafeMutableBytes(of: &v) { try mpi.allreduce($0.baseAddress!, count: 1, type: mpi.double, op: mpi.sum) }
    return v / Double(size)
  }

  /// Whether `flag` is set on any rank: ranks agree to stop at the same step.
  public func any(_ flag: Bool) throws -> Bool {
    var v: Int32 = flag ? 1 : 0
    try withUnsafeMutableBytes(of: &v) { try mpi.allreduce($0.baseAddress!, count: 1, type: mpi.int32, op: mpi.max) }
    return v != 0
  }

  /// Ends MPI (`MPI_Finalize`) once the run is over.
  public func finish() { mpi.finalize() }

  static func flatten(_ tensors: [Tensor]) -> [Float] {
    var flat: [Float] = []
    flat.reserveCapacity(tensors.reduce(0) { $0 + $1.count })
    for t in tensors { t.withUnsafeBufferPointer { flat.append(contentsOf: $0) } }
    return flat
  }

  static func unflatten(_ flat: [Float], at offset: inout Int, like t: Tensor) -> Tensor {
    let n = t.count
    let base = offset
    let out = Tensor(shape: t.shape, generator: { flat[base + $0] })
    offset += n
    return out
  }
}
