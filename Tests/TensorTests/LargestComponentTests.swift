import Foundation
import Testing
@testable import Tensor

/// `largestComponent` against a brute-force labelling: every object pixel starts with its
/// own row-major index and takes the smallest label among its neighbours until nothing
/// changes, so each component ends labelled by its first pixel.
@Suite struct LargestComponentTests {
  static func bruteForce(_ plane: [Bool], h: Int, w: Int, connectivity: Int) -> [Float] {
    var label = plane.indices.map { plane[$0] ? $0 : -1 }
    var changed = true
    while changed {
      changed = false
      for y in 0..<h {
        for x in 0..<w where label[y * w + x] >= 0 {
          for dy in -1...1 {
            for dx in -1...1 where (dx != 0 || dy != 0) && (connectivity == 8 || dx == 0 || dy == 0) {
              let (nx, ny) = (x + dx, y + dy)
              guard nx >= 0, nx < w, ny >= 0, ny < h, label[ny * w + nx] >= 0, label[ny * w + nx] < label[y * w + x] else { continue }
              label[y * w + x] = label[ny * w + nx]
              changed = true
            }
          }
        }
      }
    }
    var size: [Int: Int] = [:]
    for l in label where l >= 0 { size[l, default: 0] += 1 }
    // The largest; among equal sizes the one whose first pixel (its label) comes first.
    guard let best = size.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key })?.key else {
      return [Float](repeating: 0, count: h * w)
    }
    return label.map { $0 == best ? 1 : 0 }
  }

  @Test("matches a brute-force labelling on random masks", arguments: [4, 8])
  func randomMasks(connectivity: Int) throws {
    var rng = RNG(seed: UInt64(connectivity))
    let (b, h, w) = (40, 11, 13)
    // Densities from sparse (many small components, frequent ties) to dense.
    let values = (0..<(b * h * w)).map { k in Float(rng.uniform() < 0.15 + 0.6 * Double(k / (h * w)) / Double(b) ? 1 : 0) }
    let mask = try Tensor(shape: [b, h, w], scalars: values)
    let got = try largestComponent(mask, connectivity: connectivity)
    #expect(got.shape == [b, h, w])
    for i in 0..<b {
      let plane = (0..<(h * w)).map { values[i * h * w + $0] > 0.5 }
      let want = Self.bruteForce(plane, h: h, w: w, connectivity: connectivity)
      #expect(Array(got.scalars[(i * h * w)..<((i + 1) * h * w)]) == want, "item \(i)")
    }
  }

  @Test("diagonal neighbours join only under 8-connectivity; [B, 1, H, W] and empty masks")
  func connectivityAndShapes() throws {
    // Two diagonal pixels (a component of 2 under 8-connectivity) and a pair of pixels
    // side by side; a third item is empty.
    var m = Tensor.zeros([3, 1, 4, 5])
    m[0, 0, 0, 0] = 1; m[0, 0, 1, 1] = 1; m[0, 0, 2, 1] = 1
    m[1, 0, 3, 3] = 1; m[1, 0, 3, 4] = 1; m[1, 0, 0, 0] = 1
    let eight = try largestComponent(m, connectivity: 8), four = try largestComponent(m, connectivity: 4)
    #expect(eight.shape == [3, 1, 4, 5])
    #expect(eight.scalars[0..<20].reduce(0, +) == 3 && four.scalars[0..<20].reduce(0, +) == 2)
    #expect(four[0, 0, 1, 1] == 1 && four[0, 0, 2, 1] == 1 && four[0, 0, 0, 0] == 0)
    #expect(eight[1, 0, 3, 3] == 1 && eight[1, 0, 3, 4] == 1 && eight[1, 0, 0, 0] == 0)
    #expect(eight.scalars[40..<60].allSatisfy { $0 == 0 })
    #expect(throws: TensorError.self) { try largestComponent(m, connectivity: 6) }
    #expect(throws: TensorError.self) { try largestComponent(Tensor.zeros([2, 3, 4, 5])) }
  }
}
