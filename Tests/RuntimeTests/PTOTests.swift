import Foundation
import Testing
@testable import Runtime
@testable import RunOutput
@testable import Formats
import Tensor

/// `import pto` and `programs/pto/shortest_path.dpl`: the solver models against brute force,
/// the losses' gradients against their closed forms, and every method of the program end
/// to end on a small data set written in PyEPO's layout.
@Suite("pto: solvers, losses, the shortest-path program")
struct PTOTests {
  func run(_ source: String) -> RunOutcome { runProgram(source: "import pto\n" + source) }

  @Test("grid_edges is PyEPO's edge order")
  func gridEdges() {
    let out = run("print(pto.grid_edges(3, 3))")
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["[[0, 1], [1, 2], [0, 3], [1, 4], [2, 5], [3, 4], [4, 5], [3, 6], [4, 7], [5, 8], [6, 7], [7, 8]]"])
  }

  @Test("Ranking, TopK and Knapsack give the optimal solutions of small cases")
  func rankingAndTopK() {
    let out = run("""
      let s = tensor([[0.3, -1.0, 2.0, 0.5], [1.0, 0.9, -0.2, 3.0]])
      print(pto.Ranking()(s))
      print(pto.TopK(2)(s))
      print(pto.Knapsack(int(tensor([2, 3, 4, 1])), 5)(s))
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["[[1.0, 0.0, 3.0, 2.0], [2.0, 1.0, 0.0, 3.0]]", "[[0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0]]",
                          "[[0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0]]"])
  }

  /// SPO+'s gradient is 2(w* − w(2ĉ − c)) / B for a minimiser and its negative for a
  /// maximiser; Fenchel–Young's is sense · (w* − mean of the perturbed solutions) / B.
  @Test("the losses' gradients are their closed forms")
  func lossGradients() {
    let out = run("""
      let sp = pto.ShortestPath(pto.grid_edges(3, 3))
      let c = rand([4, 12]) + 0.1
      let pred = randn([4, 12])
      let w = sp(c)
      let z = pto.objective(c, w)
      let g = grad(pred) { pto.spo_plus(sp, pred, c, w, z) }
      print(item(max(abs(g - 2.0 * (w - sp(2.0 * pred - c)) / 4.0))))
      let ks = pto.Knapsack(int(tensor([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8])), 12)
      let wk = ks(c)
      let gk = grad(pred) { pto.spo_plus(ks, pred, c, wk, pto.objective(c, wk)) }
      print(item(max(abs(gk + 2.0 * (wk - ks(2.0 * pred - c)) / 4.0))))
      seed(7)
      let gf = grad(pred) { pto.fenchel_young(sp, pred, w, sigma: 0.5, samples: 5) }
      seed(7)
      let noisy = reshape(pred, [1, 4, 12]) + 0.5 * randn([5, 4, 12])
      let mean_w = mean(reshape(sp(reshape(noisy, [20, 12])), [5, 4, 12]), axis: 0)
      print(item(max(abs(gf - (w - mean_w) / 4.0))))
      print(abs(item(pto.fenchel_young(sp, c, w, sigma: 0.01, samples: 2))) < 0.05)
      seed(3)
      let pm = pto.perturbed_mean(sp, pred, sigma: 0.5, samples: 5)
      seed(3)
      let noisy2 = reshape(pred, [1, 4, 12]) + 0.5 * randn([5, 4, 12])
      print(item(max(abs(pm - mean(reshape(sp(reshape(noisy2, [20, 12])), [5, 4, 12]), axis: 0)))))
      print(pto.normalized_regret(sp, c, c, z), pto.normalized_regret(sp, -c, c, z) > 0.0)
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["0.0", "0.0", "0.0", "true", "0.0", "0.0 true"])
  }

  /// The 70 monotone paths of a 5 × 5 grid are distinct 8-edge paths (two differ in at least 4 edges: a
  /// corner turned the other way), and the cheapest of
  /// them is the solver's path; a sharp SoftSolutions is the solver.
  @Test("grid_paths lists every path; SoftSolutions is a soft-min over them")
  func gridPathsAndSoftSolutions() {
    let out = run("""
      let sp = pto.ShortestPath(pto.grid_edges(5, 5))
      let paths = pto.grid_paths(5, 5)
      print(paths.shape, item(min(sum(paths, axis: 1))), item(max(sum(paths, axis: 1))))
      print(item(min(sum(abs(reshape(paths, [70, 1, 40]) - reshape(paths, [1, 70, 40])), axis: 2) + 100.0 * eye(70))))
      let c = rand([16, 40]) + 0.1
      let best = min(c @ transpose(paths), axis: 1)
      print(item(max(abs(best - pto.objective(c, sp(c))))) < 1.0e-5)
      print(item(max(abs(pto.SoftSolutions(paths, sharpness: 1000.0)(c) - sp(c)))) < 1.0e-3)
      print(item(max(abs(pto.SoftSolutions(paths, sense: -1.0, sharpness: 1000.0)(c) - sp(-c)))) < 1.0e-3)
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["[70, 40] 8.0 8.0", "4.0", "true", "true", "true"])
  }

  @Test("the solvers' argument errors are located")
  func solverErrors() {
    let edges = runProgram(source: "let c = shortest_path(ones([2, 4]), tensor([[0.0, 1.0]]))")
    #expect(edges.error?.contains("test.dpl:1:37: error: edges must be an IntTensor of (from, to) node pairs") == true, "\(edges.error ?? "")")
    let count = runProgram(source: "let c = shortest_path(ones([2, 4]), int(tensor([[0, 1], [1, 2]])))")
    #expect(count.error?.contains("test.dpl:1:23: error: the last axis has 4 entries but there are 2 edges") == true, "\(count.error ?? "")")
    let cycle = runProgram(source: "print(shortest_path(ones([1, 2]), int(tensor([[0, 1], [1, 0]]))))")
    #expect(cycle.error?.contains("edge 1 goes from node 1 to node 0") == true, "\(cycle.error ?? "")")
    let cap = runProgram(source: "let c = knapsack(ones([2, 3]), int(tensor([1, 2, 3])), 2.5)")
    #expect(cap.error?.contains("knapsack needs an integer capacity") == true, "\(cap.error ?? "")")
    let blocked = runProgram(source: "let x = ones([1, 2])\nlet g = grad(x) { sum(shortest_path(x, int(tensor([[0, 1], [1, 2]])))) }")
    #expect(blocked.error?.contains("error:") == true, "a solver on a gradient path without @bypass is an error: \(blocked.error ?? "none")")
  }

  /// PyEPO's data in its layout: x ~ N(0, I₅), c = ((x Bᵀ/√5 + 3)^4 + 1)/3.5^4 · U[0.5, 1.5].
  static func writeData(to url: URL, train: Int, test: Int) throws {
    var rng = RNG(seed: 42)
    var pairs: [Int32] = []  // PyEPO's order: each row's right edges, then its down edges
    for i in 0..<5 {
      for j in 0..<4 { pairs += [Int32(5 * i + j), Int32(5 * i + j + 1)] }
      if i < 4 { for j in 0..<5 { pairs += [Int32(5 * i + j), Int32(5 * i + j + 5)] } }
    }
    let dag = try EdgeDAG(try IntTensor(shape: [40, 2], scalars: pairs))
    let b = Tensor(shape: [40, 5]) { _ in rng.uniform() < 0.5 ? 1 : 0 }
    var tensors: [String: Tensor] = [:]
    for (split, n) in [("train", train), ("test", test)] {
      let x = rng.normal([n, 5])
      var c = Tensor(shape: [n, 40], repeating: 0)
      for i in 0..<n {
        for e in 0..<40 {
          let s = (0..<5).reduce(Float(0)) { $0 + x[flat: i * 5 + $1] * b[flat: e * 5 + $1] } / Float(5).squareRoot()
          c[flat: i * 40 + e] = (pow(s + 3, 4) + 1) / pow(3.5, 4) * Float(0.5 + rng.uniform())
        }
      }
      let w = try dag.shortestPaths(c)
      tensors["x_\(split)"] = x
      tensors["c_\(split)"] = c
      tensors["w_\(split)"] = w
      tensors["z_\(split)"] = Tensor(shape: [n]) { i in (0..<40).reduce(Float(0)) { $0 + c[flat: i * 40 + $1] * w[flat: i * 40 + $1] } }
    }
    try Safetensors.write(tensors, to: url)
  }

  /// Runs `programs/pto/NAME.dpl` with `data=` a file `write` makes in a fresh folder (removed
  /// afterwards) and `settings`; gives `check` the file, the outcome and the run's summary.
  func train(_ name: String, on write: (URL) throws -> Void, _ settings: [String: String],
             check: (URL, RunOutcome, [String: Any]) throws -> Void) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-pto-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = dir.appendingPathComponent("data.safetensors")
    try write(data)
    let out = try runProgram(file: repositoryRoot.appendingPathComponent("programs/pto/\(name).dpl"),
                             set: settings.merging(["data": data.path]) { $1 }) { $0.outputDirectory = dir.appendingPathComponent("run") }
    try check(data, out, RunLog(folder: dir.appendingPathComponent("run")).summary())
  }

  @Test("shortest_path.dpl trains with every method and writes metrics.json", arguments: ["2s", "spo+", "pfyl", "dbb", "nid", "dpo", "net"])
  func program(_ method: String) throws {
    try train("shortest_path", on: { try Self.writeData(to: $0, train: 96, test: 64) }, ["method": method, "epochs": "3"]) { _, out, summary in
      #expect(out.error == nil, "\(out.error ?? "")")
      #expect(out.lines.last?.hasPrefix("\(method) test regret ") == true, "\(out.lines)")
      let regret = try #require(summary["test_regret"] as? Double)
      let curve = try #require(summary["regret_curve"] as? [Double])
      #expect(curve.count == 4 && abs(curve[3] - regret) < 1e-6, "\(curve)")
      #expect(regret >= 0 && regret < 1, "\(regret)")
      #expect(summary["method"] as? String == method)
      if method == "2s" || method == "spo+" || method == "pfyl" { #expect(regret < curve[0], "training lowers the regret: \(curve)") }
    }
  }

  /// A knapsack data set in the layout of run_pyepo_knapsack.py --export: float32 x, c (integer
  /// values), w (optimal 0/1, by brute force over every subset) and z for train and test,
  /// `weights` [1, items] in units exact to the hundredth and `capacity` [1].
  static func writeKnapsackData(to url: URL, items: Int, train: Int, test: Int, capacity: Float) throws {
    var rng = RNG(seed: 7)
    let weights = (0..<items).map { _ in Float(300 + Int(rng.uniform() * 500)) / 100 }
    var tensors: [String: Tensor] = ["weights": try Tensor(shape: [1, items], scalars: weights),
                                     "capacity": try Tensor(shape: [1], scalars: [capacity])]
    for (split, n) in [("train", train), ("test", test)] {
      let x = rng.normal([n, 5])
      let c = Tensor(shape: [n, items]) { _ in Float(1 + Int(rng.uniform() * 9)) }
      var w = Tensor(shape: [n, items], repeating: 0)
      var z = Tensor(shape: [n], repeating: 0)
      for i in 0..<n {
        var best = (value: Float(-1), mask: 0)
        for mask in 0..<(1 << items) {
          let chosen = (0..<items).filter { mask & (1 << $0) != 0 }
          // Hundredths, as integers: a float sum of weights would round differently from the DP.
          guard chosen.reduce(0, { $0 + Int((weights[$1] * 100).rounded()) }) <= Int((capacity * 100).rounded()) else { continue }
          let value = chosen.reduce(Float(0)) { $0 + c[flat: i * items + $1] }
          if value > best.value { best = (value, mask) }
        }
        for j in 0..<items where best.mask & (1 << j) != 0 { w[flat: i * items + j] = 1 }
        z[flat: i] = best.value
      }
      tensors["x_\(split)"] = x
      tensors["c_\(split)"] = c
      tensors["w_\(split)"] = w
      tensors["z_\(split)"] = z
    }
    try Safetensors.write(tensors, to: url)
  }

  /// knapsack.dpl reads the peer's export: its solutions are optimal for the file's weights and
  /// capacity (zero regret at the true values), and every method trains on it.
  @Test("knapsack.dpl --set data= reads run_pyepo_knapsack.py's layout", arguments: ["2s", "spo+", "pfyl", "dbb", "nid", "dpo"])
  func knapsackFromFile(_ method: String) throws {
    let write = { try Self.writeKnapsackData(to: $0, items: 8, train: 48, test: 32, capacity: 12.5) }
    try train("knapsack", on: write, ["method": method, "epochs": "2"]) { data, out, summary in
      let exact = runProgram(source: """
        import pto
        let weights: Tensor = load("\(data.path)", "weights")
        let capacity: Tensor = load("\(data.path)", "capacity")
        let ks = pto.Knapsack(int(round(weights * 100.0)), int(round(capacity * 100.0)))
        let c: Tensor = load("\(data.path)", "c_test")
        print(pto.normalized_regret(ks, c, c, load("\(data.path)", "z_test")))
        """)
      #expect(exact.lines.count == 1 && Double(exact.lines[0]) == 0, "\(exact.lines) \(exact.error ?? "")")
      #expect(out.error == nil, "\(out.error ?? "")")
      let curve = try #require(summary["regret_curve"] as? [Double])
      #expect(curve.count == 3 && curve.allSatisfy { $0 >= 0 && $0 < 1 }, "\(curve)")
      #expect(summary["items"] as? Int == 8 && summary["data"] as? String == data.path, "\(summary)")
    }
  }

  @Test("knapsack.dpl and ranking.dpl generate their data and train", arguments: [
    ("knapsack", ["items": "8", "capacity": "12.5"]), ("ranking", [:]),
  ])
  func generatedPrograms(_ name: String, _ extra: [String: String]) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-pto-\(name)-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    for method in ["2s", "spo+", "pfyl", "dbb", "dpo"] {
      let settings = ["method": method, "epochs": "2", "train_items": "64", "test_items": "32"].merging(extra) { $1 }
      let out = try runProgram(file: repositoryRoot.appendingPathComponent("programs/pto/\(name).dpl"), set: settings) {
        $0.outputDirectory = dir.appendingPathComponent(method)
      }
      #expect(out.error == nil, "\(name) \(method): \(out.error ?? "")")
      let summary = RunLog(folder: dir.appendingPathComponent(method)).summary()
      let regret = try #require(summary["test_regret"] as? Double)
      #expect(regret >= 0 && regret < 1, "\(name) \(method): \(regret)")
      #expect((summary["regret_curve"] as? [Double])?.count == 3)
    }
  }
}
