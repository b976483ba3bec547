import Foundation
import Testing

/// `mpirun -n 2 dpl run …`: two ranks, each on its shard of the batch, train as one process
/// does on the whole batch (up to the order of the sums), stop together at a checkpoint and
/// resume bit-identically. Skipped where Open MPI's mpirun is missing
/// (scripts/cluster-local.sh start installs it), unless DPL_REQUIRE_CLUSTER=1.
@Suite("dpl run under mpirun", .serialized,
       .enabled(if: ReplTerminalTests.executable != nil, "needs a built dpl (swift build --product dpl)"),
       .enabled(if: Cluster.mpirun != nil || Cluster.required, "mpirun not found (scripts/cluster-local.sh start installs Open MPI)"))
struct DataParallelTests {
  let dpl = ReplTerminalTests.executable ?? ""

  /// The cluster tests' program with each step on this rank's shard of the batch.
  static let program = Cluster.program.replacingOccurrences(of: "mse(net(x), y)", with: "mse(net(run.shard(x)), run.shard(y))")

  /// A started mpirun: its pid and the file its stderr goes to.
  struct Launch {
    let pid: pid_t
    let err: URL
    /// Waits for mpirun to end; returns its exit status.
    func wait() -> Int32 {
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
      return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
  }

  /// Starts `mpirun -n ranks dpl args` in `dir` (root allowed, ranks may share a core) with
  /// no signal blocked (Foundation's Process would pass on its blocked SIGTERM), stderr to
  /// a file.
  func start(ranks: Int, _ args: [String], in dir: URL) throws -> Launch {
    let mpirun = try #require(Cluster.mpirun, "mpirun not found")
    let err = dir.appendingPathComponent("mpirun-\(UInt32.random(in: 0...UInt32.max)).txt")
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, err.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
    let words: [String] = [mpirun, "--oversubscribe", "--wdir", dir.path, "-n", String(ranks), dpl] + args
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let env = ProcessInfo.processInfo.environment.merging(["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]) { $1 }
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { envp.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, mpirun, &actions, &attributes, argv, envp)
    guard rc == 0 else { throw ResumeTests.Failure("cannot start mpirun: \(String(cString: strerror(rc)))") }
    return Launch(pid: pid, err: err)
  }

  func scratch() throws -> URL {
    let dir = try Cluster.scratch("mpi")
    try Data(Self.program.utf8).write(to: dir.appendingPathComponent("tiny.dpl"))
    return dir
  }

  /// The loss column of a run's metrics.csv.
  func losses(_ run: URL) -> [Double] {
    Cluster.text(run.appendingPathComponent("metrics.csv")).split(separator: "\n").dropFirst().compactMap { Double($0.split(separator: ",")[1]) }
  }

  @Test("two ranks on half the batch each give one process' losses up to rounding; metrics.json records world_size")
  func twoRanksMatchOneProcess() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let settings = ["--set", "steps=12", "width=16"]
    let (one, oneErr) = try DplProcess.run(dpl, ["run", "tiny.dpl", "--out", "one"] + settings, in: dir)
    #expect(one == 0, "\(oneErr)")
    let two = try start(ranks: 2, ["run", "tiny.dpl", "--out", "two"] + settings, in: dir)
    #expect(two.wait() == 0, "\(Cluster.text(two.err))")
    let (a, b) = (losses(dir.appendingPathComponent("one")), losses(dir.appendingPathComponent("two")))
    #expect(a.count == 12 && b.count == 12, "\(a) \(b)")
    for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-5 * abs(x), "one process \(x), two ranks \(y)") }
    // The shards are halves: the first step's loss is the mean of two different halves.
    #expect(a.first != nil && a.first != a.last)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("two/metrics.json"))) as? [String: Any])
    #expect(json["world_size"] as? Int == 2, "\(json)")
    let oneJSON = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("one/metrics.json"))) as? [String: Any])
    #expect(oneJSON["world_size"] == nil, "a plain run records no world_size")
  }

  @Test("two ranks stopped by SIGTERM stop at the same checkpoint and resume to the run never stopped")
  func twoRanksResume() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let settings = ["--set", "steps=150", "width=64"]
    let whole = try start(ranks: 2, ["run", "tiny.dpl", "--out", "whole"] + settings, in: dir)
    let stopped = try start(ranks: 2, ["run", "tiny.dpl", "--out", "stopped"] + settings, in: dir)
    try Cluster.waitForCheckpoint(dir.appendingPathComponent("stopped"))
    kill(stopped.pid, SIGTERM)  // mpirun passes it to both ranks
    #expect(stopped.wait() != 0)
    let text = Cluster.text(stopped.err)
    let hints = text.components(separatedBy: "resume with: mpirun -n 2 dpl run tiny.dpl --resume stopped\n").count - 1
    #expect(hints == 1, "rank 0 alone names the run folder: \(text)")
    let again = try start(ranks: 2, ["run", "tiny.dpl", "--resume", "stopped"], in: dir)
    #expect(again.wait() == 0, "\(Cluster.text(again.err))")
    #expect(whole.wait() == 0, "\(Cluster.text(whole.err))")
    Cluster.expectSameRun(dir.appendingPathComponent("whole"), dir.appendingPathComponent("stopped"), "two ranks stopped and resumed")
  }
}

extension Cluster {
  /// Open MPI's launcher, if installed.
  static var mpirun: String? {
    ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }
}
