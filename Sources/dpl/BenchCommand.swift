import ArgumentParser
import Foundation
import Tensor

/// `dpl bench [NAME] [--json]`: runs the benchmarks whose names start with NAME.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Run speed benchmarks (release builds give meaningful numbers).",
    discussion: "Benchmarks: " + allBenchmarks.map(\.name).joined(separator: ", "))

  @Argument(help: "Run only benchmarks whose names start with this prefix.")
  var name: String = ""

  @Flag(help: "Print a JSON list of records instead of a table.")
  var json = false

  @Flag(help: "List the benchmark names and exit.")
  var list = false

  @Option(name: .customLong("conv-off"),
          help: "Convolution strategies to switch off, comma-separated (\(ConvStrategies.names.joined(separator: ", "))), to time one against another.")
  var convOff: String?

  func run() throws {
    let chosen = allBenchmarks.filter { $0.name.hasPrefix(name) }
    if list { chosen.forEach { print($0.name) }; return }
    try requireBLAS()
    guard !chosen.isEmpty else {
      throw ValidationError("no benchmark name starts with '\(name)'; try `dpl bench --list`")
    }
    let strategies: ConvStrategies
    do { strategies = try ConvStrategies(off: (convOff ?? "").split(separator: ",").map(String.init)) } catch let e as TensorError {
      throw ValidationError("--conv-off: \(e.message)")
    }
    try ConvStrategies.$current.withValue(strategies) { try run(chosen) }
  }

  func run(_ chosen: [Benchmark]) throws {
    var records: [[String: Any]] = []
    if !json { print(pad("benchmark", 34) + pad("median ms", 12) + "figures") }
    for b in chosen {
      let r = try b.run()
      var rec: [String: Any] = ["name": b.name, "median_ms": round3(r.medianMs), "iterations": r.iterations]
      for (k, v) in r.figures { rec[k] = round3(v) }
      records.append(rec)
      if !json {
        let figs = r.figures.map { "\($0.0)=\(format($0.1))" }.joined(separator: "  ")
        print(pad(b.name, 34) + pad(format(r.medianMs), 12) + figs)
        fflush(nil)
      }
    }
    if json {
      let data = try JSONSerialization.data(withJSONObject: records, options: [.prettyPrinted, .sortedKeys])
      print(String(decoding: data, as: UTF8.self))
    }
  }

  private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
  private func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
  private func format(_ x: Double) -> String { String(format: x >= 100 ? "%.1f" : "%.3f", x) }
}
