import Foundation
import Testing
@testable import Runtime
@testable import Datasets
@testable import Formats

@Suite("Synthetic cardiac MRI")
struct DataSyntheticTests {
  @Test("same seed and index give the same image, whatever else was generated")
  func determinism() throws {
    let g = SyntheticCardiac(seed: 7, size: 64)
    let a = g.sample(5)
    let set = try g.dataset(count: 8)
    #expect(set.images[5] == a.image && set.labels[5] == a.labels)
    let later = try g.dataset(count: 3, first: 4)
    #expect(later.images[1] == a.image)
    #expect(g.sample(6).image != a.image)
    #expect(SyntheticCardiac(seed: 8, size: 64).sample(5).image != a.image)
  }

  @Test("ACDC label convention: 0…3, LV everywhere, myocardium around it, RV mostly present")
  func labels() throws {
    let d = try SyntheticCardiac(seed: 1, size: 96).dataset(count: 40)
    var withRV = 0
    for i in 0..<d.count {
      let l = d.labels[i].scalars
      #expect(Set(l).isSubset(of: [0, 1, 2, 3]))
      #expect(l.contains(3) && l.contains(2))
      if l.contains(1) { withRV += 1 }
      let c = try #require(d.lvCenter(i))
      #expect(d.labels[i][Int(c.row.rounded()), Int(c.col.rounded())] == 3)
      // LV cavity touches no background or RV pixel: the myocardium encloses it.
      for r in 1..<95 { for k in 1..<95 where l[r * 96 + k] == 3 {
        for n in [l[r * 96 + k - 1], l[r * 96 + k + 1], l[(r - 1) * 96 + k], l[(r + 1) * 96 + k]] {
          #expect(n == 3 || n == 2)
        }
      } }
      let x = d.images[i].scalars
      let mean = x.reduce(0, +) / Float(x.count)
      #expect(abs(mean) < 1e-3 && x.allSatisfy { $0.isFinite })
    }
    #expect(withRV > 25)
    // The LV size varies from apex to base.
    let areas = (0..<d.count).map { i in d.labels[i].scalars.filter { $0 == 3 }.count }
    #expect((areas.max() ?? 0) > 4 * (areas.min() ?? 0))
  }

  @Test("validation images come from a disjoint index range")
  func split() throws {
    let s = try SyntheticCardiac(seed: 3, size: 32).split(train: 4, validation: 2)
    #expect(s.train.count == 4 && s.validation.count == 2)
    #expect(s.validation.info[0].patient == SyntheticCardiac.validationOffset)
    #expect(s.train.images.allSatisfy { t in !s.validation.images.contains(t) })
  }

  @Test("a sheet of examples (written when DPL_DUMP_DIR is set)",
        .enabled(if: ProcessInfo.processInfo.environment["DPL_DUMP_DIR"] != nil, "set DPL_DUMP_DIR to write it"))
  func dump() throws {
    let dir = ProcessInfo.processInfo.environment["DPL_DUMP_DIR"] ?? "."
    let d = try SyntheticCardiac(seed: 11, size: 128).dataset(count: 16)
    var tiles: [PNGImage] = []
    for i in 0..<d.count {
      tiles.append(try PNGImage.gray(d.images[i], range: -2.5...3))
      tiles.append(try PNGImage.overlay(d.images[i], labels: d.labels[i]))
    }
    try PNG.write(PNGImage.grid(tiles.map { $0.rgb }, columns: 8), to: URL(fileURLWithPath: dir).appendingPathComponent("synthetic.png"))
    if acdcAvailable {
      let a = try ACDC.load(acdcRoot, options: .init(size: 128, patients: [1, 2, 3, 4]))
      var t: [PNGImage] = []
      for i in stride(from: 0, to: min(a.train.count, 64), by: 4) {
        t.append(try PNGImage.gray(a.train.images[i], range: -2.5...3).rgb)
        t.append(try PNGImage.overlay(a.train.images[i], labels: a.train.labels[i]))
      }
      try PNG.write(PNGImage.grid(t, columns: 8), to: URL(fileURLWithPath: dir).appendingPathComponent("acdc.png"))
    }
  }
}

/// Speed report, run by hand in release: `DPL_SPEED=1 swift test -c release --filter DataSpeed`.
@Suite("data speed (DPL_SPEED=1)")
struct DataSpeed {
  @Test("generator images per second and ACDC load time at 128",
        .enabled(if: ProcessInfo.processInfo.environment["DPL_SPEED"] == "1", "set DPL_SPEED=1 to measure"))
  func speed() throws {
    let g = SyntheticCardiac(seed: 1, size: 128)
    _ = try g.dataset(count: 50)
    var t = Date()
    let n = 4000
    _ = try g.dataset(count: n)
    let dt = Date().timeIntervalSince(t)
    print("synthetic 128²: \(n) images in \(String(format: "%.2f", dt)) s = \(Int(Double(n) / dt)) images/s on \(Parallel.workers) workers")
    guard acdcAvailable else { print("ACDC load time: skipped, no data at \(acdcRoot.path)"); return }
    t = Date()
    let s = try ACDC.load(acdcRoot, options: .init(size: 128))
    print("ACDC 128²: \(s.train.count) + \(s.validation.count) slices in \(String(format: "%.2f", Date().timeIntervalSince(t))) s")
    t = Date()
    let s212 = try ACDC.load(acdcRoot, options: .init(size: 212))
    print("ACDC 212²: \(s212.train.count) + \(s212.validation.count) slices in \(String(format: "%.2f", Date().timeIntervalSince(t))) s")
  }
}
