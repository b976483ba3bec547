import Foundation
import Fuzz
import IR
import Language
import Runtime

/// The interpreter on a user's own scalar code (issue 31): whole runs of small programs —
/// loops, recursion, dynamic programs over `var` lists, list building, small tensors — plus
/// `check_grad` on a 1,000-element input and the program fuzzer's rate. Each program is
/// compiled once and run from `main` in a fresh interpreter per iteration; what it prints
/// goes to a sink but must equal its expected line, so a broken interpreter fails the
/// benchmark instead of timing something else.
enum ScalarBench {
  /// A program, the one line it must print, and optionally a rate to report: `rate.count`
  /// things done per run, as `rate.name` per second.
  struct Workload {
    let name: String
    let source: String
    let expected: String
    var rate: (name: String, count: Double)? = nil
  }

  static let all: [Benchmark] = workloads.map { w in
    Benchmark(name: "interp/\(w.name)") { try measure(w) }
  } + [
    Benchmark(name: "interp/fuzz_programs") {
      // Programs 0..<200 of seed 1, as `dpl fuzz --seed 1 --programs 200` runs them: generated,
      // compiled under every pass setting, run and checked against the Double reference.
      let count = 200
      let (ms, n) = try wholeRuns(seconds: 2) {
        let r = DifferentialFuzzer().run(seed: 1, count: count)
        if let f = r.failures.first { throw BenchError("interp/fuzz_programs: \(r.failures.count) failed; first: \(f)") }
      }
      return BenchResult(medianMs: ms, figures: [("programs_per_s", Double(count) / (ms / 1000))], iterations: n)
    },
  ]

  /// Compiles `w` once and times whole runs of it.
  static func measure(_ w: Workload) throws -> BenchResult {
    let (module, compilation) = Compiler.compile(source: w.source, path: "\(w.name).dpl", options: FrontEnd.options())
    guard let module else { throw BenchError(compilation.renderDiagnostics()) }
    let (ms, n) = try wholeRuns(seconds: 2) {
      let interpreter = Interpreter(module: module)
      var printed = ""
      interpreter.output = { printed += $0 }
      try interpreter.run()
      guard printed == w.expected + "\n" else {
        throw BenchError("interp/\(w.name) printed \(printed.debugDescription), expected \(w.expected.debugDescription)")
      }
    }
    let figures = w.rate.map { [($0.name, $0.count / (ms / 1000))] } ?? []
    return BenchResult(medianMs: ms, figures: figures, iterations: n)
  }

  /// Times whole runs of `body`: a first run (the warm-up; the only one when it takes
  /// `seconds` or more, as the slow programs do on a tree-walking interpreter), then at
  /// least 3 more and as many as fit in `seconds`. The median in milliseconds and the count.
  static func wholeRuns(seconds: Double, _ body: () throws -> Void) throws -> (Double, Int) {
    let first = try InterpreterBench.time(body)
    if first / 1000 >= seconds { return (first, 1) }
    return try Measure.median(warmup: 0, iterations: 3, seconds: seconds, body)
  }

  // The first five programs mirror ../shared/bench/peer/scalar/*.dpl (each there beside a
  // Python program that prints the same line; `scripts/bench-peers.py --groups scalar` runs
  // the pairs). Keep the two copies the same.
  static let workloads = [
    Workload(name: "loop", source: """
      // A while loop of integer arithmetic: 3,000,000 iterations.
      var s = 0
      var i = 0
      while i < 3000000 {
        s = (s + i * i) % 1000003
        i = i + 1
      }
      print(s)
      """, expected: "999718"),
    Workload(name: "fib", source: """
      // Recursive calls: fib(32), about 7 million calls.
      fn fib(n: Int) -> Int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
      print(fib(32))
      """, expected: "2178309"),
    Workload(name: "edit_distance", source: """
      // A user-written dynamic program: edit distance of two pseudo-random sequences of 1,000
      // symbols over 4 letters, on two preallocated rows (1,000,000 cell updates).
      fn sequence(n: Int, seed: Int) -> [Int] {
        var xs: [Int] = []
        var s = seed
        for i in 0..<n {
          s = (s * 1103515245 + 12345) % 2147483648
          xs = xs + [(s / 65536) % 4]
        }
        xs
      }
      let n = 1000
      let a = sequence(n, 1)
      let b = sequence(n, 2)
      var prev: [Int] = []
      var cur: [Int] = []
      for j in 0..<n + 1 {
        prev = prev + [j]
        cur = cur + [0]
      }
      for i in 1..<n + 1 {
        cur[0] = i
        for j in 1..<n + 1 {
          var best = prev[j - 1]
          if a[i - 1] != b[j - 1] { best = best + 1 }
          if prev[j] + 1 < best { best = prev[j] + 1 }
          if cur[j - 1] + 1 < best { best = cur[j - 1] + 1 }
          cur[j] = best
        }
        let t = prev
        prev = cur
        cur = t
      }
      print(prev[n])
      """, expected: "532"),
    Workload(name: "knapsack", source: """
      // A user-written solver: 0/1 knapsack by dynamic programming over Float values,
      // 1,000 items, capacity 3,000 (3,000,000 cell updates, one row updated in place).
      let n = 1000
      let cap = 3000
      var weights: [Int] = []
      var values: [Float] = []
      var s = 7
      for i in 0..<n {
        s = (s * 1103515245 + 12345) % 2147483648
        weights = weights + [1 + (s / 65536) % 50]
        s = (s * 1103515245 + 12345) % 2147483648
        values = values + [float((s / 65536) % 1000) / 10.0]
      }
      var best: [Float] = []
      for c in 0..<cap + 1 { best = best + [0.0] }
      for i in 0..<n {
        let w = weights[i]
        let v = values[i]
        var c = cap
        while c >= w {
          let take = best[c - w] + v
          if take > best[c] { best[c] = take }
          c = c - 1
        }
      }
      print(best[cap])
      """, expected: "19689.29999999999"),
    // numpy's peer prints 1.0960447788238525: its float32 sin and sum round differently.
    Workload(name: "small_tensors", source: """
      // Interpreter overhead on small tensors: 100,000 steps of three elementwise ops on 8 values.
      var x = linspace(0.0, 1.0, 8)
      for i in 0..<100000 {
        x = x * 0.999 + sin(x) * 0.001
      }
      print(item(sum(x)))
      """, expected: "1.096044898033142"),
    // Not in that folder: list building. At 37dbc44 each `xs = xs + [x]` copied the list, so
    // the run was quadratic in n (n = 20,000: about 4.5 s of CPU); the compiled interpreter
    // appends in place (76 ms). The checksum is Python's for the same sort and draws.
    Workload(name: "quicksort", source: """
      // A recursive quicksort that builds its lists with `xs = xs + [x]`: 20,000 pseudo-random Ints.
      fn quicksort(xs: [Int]) -> [Int] {
        if len(xs) < 2 { return xs }
        let pivot = xs[len(xs) / 2]
        var less: [Int] = []
        var same: [Int] = []
        var more: [Int] = []
        for x in xs {
          if x < pivot { less = less + [x] } else if x > pivot { more = more + [x] } else { same = same + [x] }
        }
        quicksort(less) + same + quicksort(more)
      }
      let n = 20000
      var xs: [Int] = []
      var s = 3
      for i in 0..<n {
        s = (s * 1103515245 + 12345) % 2147483648
        xs = xs + [(s / 65536) % 100000]
      }
      let sorted = quicksort(xs)
      var check = 0
      for i in 0..<n {
        if i > 0 && sorted[i - 1] > sorted[i] { check = check - 1000000007 }
        check = (check + (i + 1) * sorted[i]) % 1000000007
      }
      print(check)
      """, expected: "951122879"),
    // 2,001 runs of the block: one on the tape, two per element for the central differences.
    Workload(name: "check_grad_1000", source: """
      // check_grad of a small smooth loss on a 1,000-element input.
      fn loss(x: Tensor) -> Tensor { sum(tanh(x) * x + 0.5 * x * x) }
      let x = randn([1000], seed: 1)
      print(check_grad(x) { loss(x) } < 0.01)
      """, expected: "true", rate: ("block_runs_per_s", 2001)),
  ]
}
