import Foundation
import IR
import Language
import Testing
@testable import Runtime
@testable import RunOutput
@testable import Datasets

/// EDPCNN end to end at a tiny scale: the programs in `programs/` run through the
/// interpreter with small settings.
@Suite("EDPCNN programs", .serialized)
struct EDPCNNTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// Runs a program file (or source) with config overrides; returns stdout and the run folder.
  static func run(_ file: String, source: String? = nil, set: [String: String], out: URL) throws -> String {
    let options = CompileOptions(searchPaths: [root.appendingPathComponent("stdlib").path])
    let path = root.appendingPathComponent(file).path
    let (module, compilation) = source.map { Compiler.compile(source: $0, path: path, options: options) }
      ?? Compiler.compile(path: path, options: options)
    guard let module else { throw TestFailure(compilation.renderDiagnostics()) }
    let i = Interpreter(module: module, seed: 0, configOverrides: set)
    var printed = ""
    i.output = { printed += $0 }
    i.log = { _ in }
    i.outputDirectory = out
    i.workingDirectory = root
    do { try i.run() } catch let e as RuntimeError { throw TestFailure(e.render(files: module.files)) }
    return printed
  }

  struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
  }

  static func tempFolder(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("dpl-edpcnn-\(name)-\(getpid())")
  }

  /// Runs `program` on the tiny settings with `settings` over them, in a fresh temporary
  /// folder `name`: the folder, and what the program printed.
  static func tinyRun(_ name: String, program: String = "programs/edpcnn.dpl", source: String? = nil,
                      _ settings: [String: String]) throws -> (out: URL, printed: String) {
    let out = tempFolder(name)
    try? FileManager.default.removeItem(at: out)
    let printed = try run(program, source: source, set: tiny.merging(settings) { $1 }, out: out)
    return (out, printed)
  }

  static let tiny = ["size": "32", "train_images": "4", "validation": "4", "batch": "4", "base": "4",
                     "lines": "12", "points": "10", "radius": "9.0", "window": "3"]

  /// The smoke test: a few steps on one fixed batch of tiny images; the surrogate learns to
  /// mimic DP + smoothing (`fit_losses`: within each fit of K = 10 steps the loss falls, to
  /// 0.37–0.53 of its first step on average at seeds 0–5), the outer loss falls, and the
  /// pipeline gives a valid mask. (An earlier check — the eval-mode loss on one noise draw,
  /// before vs after training — flipped with rounding changes: averaged over 8 draws it rose
  /// at 4 of seeds 0–5 on this 12 × 9 map, where the surrogate chases a moving U-Net.)
  @Test("surrogate fit loss and outer loss go down; a valid mask comes out")
  func smoke() throws {
    let src = """
    import cardiac
    import contour
    import nets
    import nn
    config {
      data: String = ""
      size: Int = 32
      train_images: Int = 4
      validation: Int = 4
      steps: Int = 12
      batch: Int = 4
      seed: Int = 0
      base: Int = 4
      lines: Int = 12
      points: Int = 10
      radius: Float = 9.0
      window: Int = 3
    }
    let (x, y, _, _) = cardiac.load_data(data, size: size, train_images: train_images, validation: validation)
    let mask = cardiac.lv_mask(y)
    let c = cardiac.center_of_mass(mask)
    seed_all(seed)
    let net = nn.UNet(1, 1, depth: 3, base: base)
    let sur = nets.Surrogate(4)
    let opt = adam(net, lr: 0.01)
    let t = contour.targets(mask, c, lines, points, radius)
    var fit_first = 0.0
    var fit_last = 0.0
    var first = 0.0
    var last = 0.0
    for step in 0..<steps {
      last = opt.minimize {
        let g = contour.warp(net(x), c, lines, points, radius)
        let idx = @bypass(sur, sigma: 1.0, samples: 4, fit_steps: 10, fit_lr: 0.01) contour.contour(g, window: window)
        cross_entropy(surrogate(idx), t)
      }
      if step == 0 { first = last }
      let fl = fit_losses(sur)
      fit_first = fit_first + item(fl[0])
      fit_last = fit_last + item(fl[9])
    }
    let pred = contour.fill(contour.contour(contour.warp(eval { net(x) }, c, lines, points, radius), window: window), c, points, radius, size)
    print(fit_first / float(steps), fit_last / float(steps), first, last, item(min(pred)), item(max(pred)), item(sum(pred)), contour.box_dice(pred, mask, c, radius))
    """
    let out = try Self.run("programs/edpcnn_smoke.dpl", source: src, set: [:], out: Self.tempFolder("smoke"))
    let v = out.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
    try #require(v.count == 8, "printed: \(out)")
    #expect(v[1] < 0.8 * v[0], "surrogate fit loss, first → last fit step, mean over the outer steps: \(v[0]) → \(v[1])")
    #expect(v[3] < v[2], "outer loss \(v[2]) → \(v[3])")
    #expect(v[4] == 0 && v[5] == 1 && v[6] > 0, "mask values \(v[4])…\(v[5]), area \(v[6])")
    #expect(v[7] > 0 && v[7] <= 1)
  }

  /// edpcnn.dpl writes the run folder; evaluate.dpl scores its best checkpoint.
  @Test("edpcnn.dpl writes metrics, plots and a checkpoint that evaluate.dpl scores")
  func programAndEvaluate() throws {
    let out = try Self.tinyRun("run", ["steps": "2", "eval_every": "1", "samples": "2", "fit_steps": "1"]).out
    for f in ["metrics.csv", "metrics.json", "metrics.png", "overlays.png", "best.safetensors", "last.safetensors"] {
      #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), "missing \(f)")
    }
    let summary = RunLog(folder: out).summary()
    let best = try #require(summary["best_val_dice"] as? Double)
    #expect(summary["val_dice"] is Double && summary["steps"] as? Int == 2 && summary["data"] as? String == "synthetic")

    var ev = Self.tiny
    ev["checkpoint"] = out.appendingPathComponent("best.safetensors").path
    ev["validation"] = "4"
    ev.removeValue(forKey: "train_images")
    let evOut = Self.tempFolder("eval")
    let printed = try Self.run("programs/evaluate.dpl", set: ev, out: evOut)
    let dice = try #require(printed.split(separator: " ").dropFirst().first.flatMap { Double($0) }, "printed: \(printed)")
    #expect(abs(dice - best) < 1e-4, "evaluate \(dice) vs training's best \(best)")

    // Per patient: a synthetic image is its own patient, so the four patients' scores are the
    // four slices' and their mean is the full-image Dice; the quantiles are order statistics.
    let perPatient = printed.split(separator: "\n").filter { $0.hasPrefix("patient ") }.compactMap { line in
      line.split(separator: " ").dropFirst(4).first.flatMap { Double($0) }
    }
    let m = RunLog(folder: evOut).summary()
    let full = try #require(m["val_dice_full"] as? Double), median = try #require(m["patient_dice_full_median"] as? Double)
    #expect(perPatient.count == 4 && m["patients"] as? Double == 4, "printed: \(printed)")
    #expect(abs(perPatient.reduce(0, +) / 4 - full) < 1e-5, "patients \(perPatient) vs full-image Dice \(full)")
    let sorted = perPatient.sorted()
    func near(_ key: String, _ want: Double?) -> Bool { abs((m[key] as? Double ?? -1) - (want ?? -2)) < 1e-6 }
    #expect(near("patient_dice_full_min", sorted.first) && near("patient_dice_full_max", sorted.last), "\(m)")
    #expect(near("patient_dice_full_median", sorted.count == 4 ? sorted[2] : nil), "median \(median) of \(perPatient)")  // rank round(0.5 · 3)
  }

  @Test("telescopic training sets and epoch batches")
  func dataBuiltins() throws {
    let a = try DataSource.load("", size: 32, trainImages: 3, validation: 2, seed: 0, relativeTo: Self.root)
    let b = try DataSource.load("", size: 32, trainImages: 5, validation: 2, seed: 0, relativeTo: Self.root)
    #expect(a.train.images == Array(b.train.images.prefix(3)) && a.validation.images == b.validation.images)
    // `cardiac.patients`: a synthetic image is its own patient, numbered from 0 in its set.
    #expect(a.train.patientNumbers == [0, 1, 2] && a.validation.patientNumbers == [0, 1])
    let epoch = (0..<5).flatMap { BuiltinTable.batchIndices(count: 10, batch: 2, step: $0, seed: 1).scalars }
    #expect(Set(epoch) == Set(0..<10))
  }
}
