import Foundation
import Testing
@testable import Runtime
@testable import RunOutput

/// `programs/edpcnn.dpl`'s estimators at a tiny scale: `softdp` (through `dp_contour_soft`,
/// no bypass) trains, and the DiffBypass run logs its surrogate's fidelity.
@Suite("EDPCNN estimators", .serialized)
struct EDPCNNSoftDPTests {
  static func metrics(_ out: URL) throws -> [[String: String]] {
    let text = try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8)
    let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    guard let header = lines.first else { return [] }
    return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
  }

  /// 30 steps on 4 images of 32²: the loss falls (squared error of the expected, smoothed
  /// contour in edges: 1.59 to 0.37; the marginals' cross-entropy: 1.25 to 0.44) and the
  /// validation Dice (hard DP) beats the circle (0.77 and 0.86 against 0.54).
  @Test("estimator=softdp trains through the smoothed DP", arguments: ["mse", "nll"])
  func softDP(loss: String) throws {
    let (out, printed) = try EDPCNNTests.tinyRun("softdp-\(loss)", ["steps": "30", "eval_every": "10", "estimator": "softdp", "soft_loss": loss])
    #expect(printed.hasPrefix("edpcnn: best validation Dice"))
    let rows = try Self.metrics(out)
    #expect(rows.first?.keys.sorted() == ["loss", "seconds", "step", "val_dice", "val_dice_full"])  // no surrogate columns
    let losses = rows.compactMap { $0["loss"].flatMap(Double.init) }
    #expect(losses.count == 6 && losses.last! < losses.first! / 2, "\(losses)")
    let summary = RunLog(folder: out).summary()
    #expect(summary["program"] as? String == "edpcnn_softdp")
    let best = try #require(summary["best_val_dice"] as? Double), circle = try #require(summary["circle_dice"] as? Double)
    #expect(best > circle + 0.1, "best \(best), circle \(circle)")
  }

  @Test("the DiffBypass run logs the surrogate's agreement and index error at each evaluation")
  func bypassFidelityMetrics() throws {
    let out = try EDPCNNTests.tinyRun("fidelity", ["steps": "4", "eval_every": "2", "samples": "2", "fit_steps": "1"]).out
    let evaluations = try Self.metrics(out).filter { $0["val_dice"] != "" }
    #expect(evaluations.count == 2)
    for row in evaluations {
      let agreement = try #require(row["surrogate_agreement"].flatMap(Double.init))
      let error = try #require(row["surrogate_index_error"].flatMap(Double.init))
      #expect(agreement >= 0 && agreement <= 1 && error >= 0 && error < 9, "\(row)")
    }
  }

  @Test("an unknown estimator or soft loss stops the run", arguments: [("estimator", "es"), ("soft_loss", "l1")])
  func unknownChoice(field: String, value: String) {
    var set = EDPCNNTests.tiny
    set[field] = value
    let failure = #expect(throws: EDPCNNTests.TestFailure.self) {
      _ = try EDPCNNTests.run("programs/edpcnn.dpl", set: set, out: EDPCNNTests.tempFolder("unknown"))
    }
    #expect(failure?.description.contains("error: \(field) must be") == true, "\(failure?.description ?? "")")
  }
}
