import Foundation
import Testing
@testable import Runtime
@testable import RunOutput

/// Full-image Dice and the predicted centre (`programs/edpcnn.dpl --set centre=predicted`)
/// at a tiny scale on the synthetic set.
@Suite("EDPCNN full-image Dice and predicted centre", .serialized)
struct EDPCNNCentreTests {
  static func summary(_ program: String, _ name: String, _ extra: [String: String]) throws -> [String: Any] {
    var set = ["steps": "3", "eval_every": "1", "samples": "2", "fit_steps": "1"].merging(extra) { $1 }
    if program != "programs/edpcnn.dpl" { set.removeValue(forKey: "fit_steps") }
    if !program.hasPrefix("programs/edpcnn") { set.removeValue(forKey: "samples") }
    return RunLog(folder: try EDPCNNTests.tinyRun(name, program: program, set).out).summary()
  }

  static func fraction(_ s: [String: Any], _ key: String) -> Double? {
    (s[key] as? Double).flatMap { $0 >= 0 && $0 <= 1 ? $0 : nil }
  }

  @Test("metrics.json has the best full-image Dice beside the box Dice",
        arguments: ["programs/edpcnn.dpl", "programs/edpcnn_es.dpl", "programs/unet.dpl", "programs/unet_dp.dpl"])
  func fullImageDice(program: String) throws {
    let s = try Self.summary(program, "full-" + URL(fileURLWithPath: program).lastPathComponent, [:])
    #expect(Self.fraction(s, "best_val_dice") != nil && Self.fraction(s, "best_val_dice_full") != nil, "\(s)")
    #expect(s["centre_miss_rate"] == nil)
    if program == "programs/unet.dpl" { #expect(Self.fraction(s, "best_val_dice_dp_full") != nil) }
    if program == "programs/unet_dp.dpl" { #expect(Self.fraction(s, "best_val_dice_cnn_full") != nil) }
  }

  @Test("centre=predicted reports the full-image Dice and the fraction of missed centres; evaluate.dpl agrees")
  func predictedCentre() throws {
    let out = try EDPCNNTests.tinyRun("predicted", ["steps": "2", "eval_every": "2", "samples": "2", "fit_steps": "1", "centre": "predicted"]).out
    let s = RunLog(folder: out).summary()
    let full = try #require(Self.fraction(s, "best_val_dice_full"), "\(s)")
    #expect(Self.fraction(s, "best_val_dice") != nil && Self.fraction(s, "centre_miss_rate") != nil, "\(s)")
    #expect(s["centre"] as? String == "predicted")

    var ev = EDPCNNTests.tiny
    ev.removeValue(forKey: "train_images")
    ev["checkpoint"] = out.appendingPathComponent("best.safetensors").path
    ev["centre"] = "predicted"
    let evOut = EDPCNNTests.tempFolder("predicted-eval")
    try? FileManager.default.removeItem(at: evOut)
    _ = try EDPCNNTests.run("programs/evaluate.dpl", set: ev, out: evOut)
    let e = RunLog(folder: evOut).summary()
    let evFull = try #require(e["val_dice_full"] as? Double, "\(e)")
    #expect(abs(evFull - full) < 1e-4 && e["centre_miss_rate"] as? Double == s["centre_miss_rate"] as? Double, "\(e) vs \(s)")
  }

  /// `edpcnn_common.augment` moves image and mask by the same roll (numpy's, checked against
  /// index arithmetic), scales the intensity by a factor within 1 ± contrast, draws the same
  /// for the same seed and step, and leaves the batch alone at shift 0, contrast 0.
  @Test("augment rolls image and mask together, scales the intensity, repeats for a step")
  func augment() throws {
    let src = """
    import cardiac
    import edpcnn_common
    fn same(a: Tensor, b: Tensor) -> Bool { item(sum(abs(a - b))) == 0.0 }
    let t = reshape(arange(12), [1, 3, 4])
    let i = int(arange(12))
    print(same(edpcnn_common.roll(t, 1, 2), float(reshape(i - i % 4 + (i + 3) % 4, [1, 3, 4]))))
    print(same(edpcnn_common.roll(t, -4, 1), float(reshape((i + 4) % 12, [1, 3, 4]))))
    let (x, y, _, _) = cardiac.load_data("", size: 16, train_images: 3, validation: 1)
    let m = cardiac.lv_mask(y)
    let (xa, ma) = edpcnn_common.augment(x, m, 5, 0.2, 3, 7)
    let (xb, mb) = edpcnn_common.augment(x, m, 5, 0.2, 3, 7)
    let (x0, m0) = edpcnn_common.augment(x, m, 0, 0.0, 3, 7)
    print(same(xa, xb), same(ma, mb), same(x0, x), same(m0, m))
    print(item(sum(ma)) == item(sum(m)), same(ma, m))
    let scale = item(sum(xa[:, 0] * ma)) / item(sum(x[:, 0] * m))
    print(scale > 0.8 && scale < 1.2, scale != 1.0)
    """
    let out = try EDPCNNTests.run("programs/augment_check.dpl", source: src, set: [:], out: EDPCNNTests.tempFolder("augment"))
    #expect(out.split(separator: "\n") == ["true", "true", "true true true true", "true false", "true true"], "\(out)")
  }

  /// `edpcnn_common.with_volume` mixes each slice's probabilities with the mean of its
  /// patient's slices (the runs of equal ids), nothing across patients, and leaves them
  /// alone at volume 0 — checked against the mixing written out by hand.
  @Test("with_volume mixes each slice with its own patient's mean map")
  func volumeMixing() throws {
    let src = """
    import edpcnn_common
    fn same(a: Tensor, b: Tensor) -> Bool { item(max(abs(a - b))) < 0.000001 }
    let p = reshape(arange(12), [3, 2, 2])
    let ids = int(tensor([5.0, 5.0, 10.0]))
    let v = edpcnn_common.with_volume(p, ids, 0.25)
    let mean5 = (p[0] + p[1]) / 2.0
    print(same(v[0], 0.75 * p[0] + 0.25 * mean5), same(v[1], 0.75 * p[1] + 0.25 * mean5), same(v[2], p[2]))
    print(same(edpcnn_common.with_volume(p, ids, 0.0), p), same(edpcnn_common.with_volume(p, int(tensor([1.0, 2.0, 3.0])), 0.9), p))
    """
    let out = try EDPCNNTests.run("programs/volume_check.dpl", source: src, set: [:], out: EDPCNNTests.tempFolder("volume"))
    #expect(out.split(separator: "\n") == ["true true true", "true true"], "\(out)")
  }

  /// The validation centres edpcnn.dpl loads are replaced by garbage (a corner of the
  /// image): with centre=predicted the masks, so the full-image Dice and the missed
  /// centres, do not change; with the given centre they do (the check can fail).
  @Test("centre=predicted reads no ground-truth centre at validation")
  func noGroundTruthCentre() throws {
    let path = EDPCNNTests.root.appendingPathComponent("programs/edpcnn.dpl")
    let source = try String(contentsOf: path, encoding: .utf8)
    let load = "let (train_x, train_mask, val_x, val_mask, val_centers) = edpcnn_common.load(data, size, train_images, validation)"
    try #require(source.contains(load))
    let garbage = source.replacingOccurrences(of: load, with: """
      let (train_x, train_mask, val_x, val_mask, true_centers) = edpcnn_common.load(data, size, train_images, validation)
      let val_centers = full(true_centers.shape, 2.0)
      """)
    func columns(_ src: String?, _ name: String, centre: String) throws -> [[String]] {
      let out = try EDPCNNTests.tinyRun(name, source: src, ["steps": "4", "eval_every": "2", "samples": "2", "fit_steps": "1", "centre": centre]).out
      let rows = try EDPCNNSoftDPTests.metrics(out).filter { $0["val_dice"] != "" }
      return rows.map { r in ["loss", "val_dice_full", "centre_miss_rate"].compactMap { r[$0] } }
    }
    let truth = try columns(nil, "truth", centre: "predicted"), junk = try columns(garbage, "junk", centre: "predicted")
    #expect(truth.count == 2 && truth.allSatisfy { $0.count == 3 } && truth == junk, "\(truth) vs \(junk)")
    let given = try columns(nil, "given", centre: "given"), givenJunk = try columns(garbage, "given-junk", centre: "given")
    #expect(given.map { $0[1] } != givenJunk.map { $0[1] }, "the given centre is read: \(given) vs \(givenJunk)")
  }
}
