import Foundation

/// The few MPI calls data-parallel training needs, from Open MPI's `libmpi` loaded with
/// `dlopen` when a run is started by `mpirun` or `srun` — so dpl links no MPI library and a
/// machine without one runs everything else. Open MPI's handles (`MPI_COMM_WORLD`,
/// `MPI_FLOAT`, `MPI_SUM`, …) are the addresses of its predefined objects, found by name.
final class MPI {
  typealias Handle = UnsafeMutableRawPointer
  private typealias InitFn = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32
  private typealias CommIntFn = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
  private typealias AllreduceFn = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
  private typealias BcastFn = @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
  private typealias FinalizeFn = @convention(c) () -> Int32

  private let allreduceFn: AllreduceFn
  private let bcastFn: BcastFn
  private let finalizeFn: FinalizeFn
  let world, float, double, int32, sum, max: Handle
  let rank: Int
  let size: Int

  /// Whether this process was started by an MPI launcher (Open MPI's mpirun, or srun with PMIx).
  static var launched: Bool {
    let env = ProcessInfo.processInfo.environment
    return env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMIX_RANK"] != nil
  }

  /// Loads libmpi and calls `MPI_Init`; throws a message naming what is missing.
  init() throws {
    let names = ["libmpi.so.40", "libmpi.so", "libmpi.dylib"]
    // RTLD_GLOBAL: Open MPI's own plugins resolve libmpi's symbols through it.
    guard let lib = names.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_GLOBAL) }).first else {
      throw MPIError("launched under MPI, but no Open MPI library could be loaded (\(names.joined(separator: ", ")); on Debian: apt-get install libopenmpi-dev)")
    }
    func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
      guard let p = dlsym(lib, name) else { throw MPIError("libmpi has no \(name) (dpl needs Open MPI's library)") }
      return p
    }
    let initFn = unsafeBitCast(try symbol("MPI_Init"), to: InitFn.self)
    let rankFn = unsafeBitCast(try symbol("MPI_Comm_rank"), to: CommIntFn.self)
    let sizeFn = unsafeBitCast(try symbol("MPI_Comm_size"), to: CommIntFn.self)
    allreduceFn = unsafeBitCast(try symbol("MPI_Allreduce"), to: AllreduceFn.self)
    bcastFn = unsafeBitCast(try symbol("MPI_Bcast"), to: BcastFn.self)
    finalizeFn = unsafeBitCast(try symbol("MPI_Finalize"), to: FinalizeFn.self)
    world = try symbol("ompi_mpi_comm_world")
    float = try symbol("ompi_mpi_float")
    double = try symbol("ompi_mpi_double")
    int32 = try symbol("ompi_mpi_int")
    sum = try symbol("ompi_mpi_op_sum")
    max = try symbol("ompi_mpi_op_max")
    guard initFn(nil, nil) == 0 else { throw MPIError("MPI_Init failed") }
    var r: Int32 = 0, s: Int32 = 0
    guard rankFn(world, &r) == 0, sizeFn(world, &s) == 0 else { throw MPIError("MPI_Comm_rank or MPI_Comm_size failed") }
    rank = Int(r)
    size = Int(s)
  }

  /// Open MPI's `MPI_IN_PLACE`.
  private static var inPlace: UnsafeRawPointer? { UnsafeRawPointer(bitPattern: 1) }

  /// Sums `buffer` over all ranks, in place (`MPI_Allreduce` with `MPI_IN_PLACE`).
  func allreduce(_ buffer: UnsafeMutableRawPointer, count: Int, type: Handle, op: Handle) throws {
    guard count > 0 else { return }
    guard allreduceFn(Self.inPlace, buffer, Int32(count), type, op, world) == 0 else { throw MPIError("MPI_Allreduce failed") }
  }

  /// Rank 0's `buffer` to every rank.
  func broadcast(_ buffer: UnsafeMutableRawPointer, count: Int, type: Handle) throws {
    guard count > 0 else { return }
    guard bcastFn(buffer, Int32(count), type, 0, world) == 0 else { throw MPIError("MPI_Bcast failed") }
  }

  func finalize() { _ = finalizeFn() }
}

/// An MPI call that failed, or an MPI that cannot be loaded.
public struct MPIError: Error, CustomStringConvertible {
  public let description: String
  init(_ d: String) { description = d }
}
