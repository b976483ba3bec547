import Formats
import Foundation
import Runtime
import Tensor

/// Tensors as pictures, for front ends that show images (the Jupyter kernel): a 2-D tensor
/// is a heatmap with a colour bar; a 3-D tensor shows its first slices side by side, each
/// on its own scale, as the text display does.
extension ValueDisplay {
  /// A heatmap's longest side, in pixels, when the tensor is small (cells are enlarged).
  static let imageSide = 256
  /// The largest heatmap drawn cell by cell; larger tensors are averaged over blocks.
  static let maxImageSide = 512
  /// A heatmap's shortest side, in pixels: a `[2, 500]` tensor still shows as a strip.
  static let minImageSide = 32

  /// The picture of a value: a 2-D tensor (more than one element), or the first
  /// `maxSlices` slices of a 3-D one; nil for anything else.
  public static func image(_ v: Value) -> PNGImage? {
    let shape: [Int], xs: [Double]
    switch v {
    case .tensor(let t, _): (shape, xs) = (t.value.shape, t.value.scalars.map(Double.init))
    case .intTensor(let t, _): (shape, xs) = (t.shape, t.scalars.map(Double.init))
    default: return nil
    }
    if shape.count == 2, shape[0] > 1 || shape[1] > 1 { return heatmapImage(shape[0], shape[1], xs) }
    guard shape.count == 3, shape[1] > 1 || shape[2] > 1, shape[0] > 0 else { return nil }
    let n = shape[1] * shape[2]
    let slices = (0..<min(shape[0], maxSlices)).map { k in heatmapImage(shape[1], shape[2], Array(xs[(k * n)..<((k + 1) * n)])) }
    return PNGImage.grid(slices, columns: slices.count, gap: 8)
  }

  /// `rows × cols` values as viridis-coloured cells (non-finite cells red), with a colour bar
  /// labelled with the smallest and largest value on the right.
  static func heatmapImage(_ rows: Int, _ cols: Int, _ xs: [Double]) -> PNGImage {
    let (r, c, cells) = blockAverages(rows, cols, xs)
    let finite = cells.filter(\.isFinite)
    let lo = finite.min() ?? 0, hi = finite.max() ?? 0
    let cell = max(1, imageSide / max(r, c))
    let (cellW, cellH) = (max(cell, (minImageSide + c - 1) / c), max(cell, (minImageSide + r - 1) / r))
    let lowLabel = number(lo), highLabel = number(hi)
    let barX = c * cellW + 8, barWidth = 12
    let labelWidth = max(BitmapFont.width(of: lowLabel), BitmapFont.width(of: highLabel))
    let height = r * cellH
    var img = PNGImage(width: barX + barWidth + 4 + labelWidth + 2, height: height)
    for i in 0..<r {
      for j in 0..<c {
        let v = cells[i * c + j]
        let colour = v.isFinite ? viridis(hi > lo ? (v - lo) / (hi - lo) : 0.5) : RGB.red
        for y in (i * cellH)..<((i + 1) * cellH) { for x in (j * cellW)..<((j + 1) * cellW) { img.set(x, y, colour) } }
      }
    }
    for y in 0..<height {
      let colour = viridis(1 - Double(y) / Double(max(1, height - 1)))
      for x in barX..<(barX + barWidth) { img.set(x, y, colour) }
    }
    BitmapFont.draw(highLabel, at: barX + barWidth + 4, 0, color: .black, into: &img)
    BitmapFont.draw(lowLabel, at: barX + barWidth + 4, height - BitmapFont.height, color: .black, into: &img)
    return img
  }

  /// The values averaged over blocks so that neither side exceeds `maxImageSide` (a block
  /// holding a NaN or an infinity averages to NaN).
  static func blockAverages(_ rows: Int, _ cols: Int, _ xs: [Double]) -> (Int, Int, [Double]) {
    let r = min(rows, maxImageSide), c = min(cols, maxImageSide)
    if r == rows && c == cols { return (r, c, xs) }
    var cells = [Double](repeating: 0, count: r * c)
    for i in 0..<r {
      for j in 0..<c {
        var acc = 0.0, n = 0.0
        for a in (i * rows / r)..<((i + 1) * rows / r) { for b in (j * cols / c)..<((j + 1) * cols / c) { acc += xs[a * cols + b]; n += 1 } }
        cells[i * c + j] = acc / n
      }
    }
    return (r, c, cells)
  }

  /// Matplotlib's viridis at `t` in 0…1 (linear between nine of its colours).
  static func viridis(_ t: Double) -> RGB {
    let stops: [(Double, Double, Double)] = [
      (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
      (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]
    let x = max(0, min(1, t.isFinite ? t : 0)) * Double(stops.count - 1)
    let k = min(stops.count - 2, Int(x)), f = x - Double(k)
    let (a, b) = (stops[k], stops[k + 1])
    func mix(_ p: Double, _ q: Double) -> UInt8 { UInt8((p + (q - p) * f).rounded()) }
    return RGB(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
  }
}
