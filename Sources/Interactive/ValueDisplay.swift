import Foundation
import Language
import Runtime
import Tensor

/// How the REPL shows values: scalars plainly; tensors with shape, dtype and
/// min/mean/max, small ones in full, 2-D ones also as a heatmap; long output truncated.
public enum ValueDisplay {
  /// Tensors with at most this many elements are printed in full.
  static let fullLimit = 64
  /// Shades of the heatmap, from the minimum to the maximum.
  static let shades: [Character] = [" ", "░", "▒", "▓", "█"]
  /// The heatmap's largest size; bigger tensors are averaged over blocks.
  static let maxHeatmap = (rows: 16, cols: 48)

  /// The text for a value (ends with a newline unless empty); `heatmaps: false` leaves out
  /// the shade heatmaps of 2-D and 3-D tensors (for front ends that draw `image(_:)`).
  public static func show(_ v: Value, type: ValueType? = nil, heatmaps: Bool = true) -> String {
    switch v {
    case .void: return ""
    case .float(let f): return ValueText.float(f) + "\n"
    case .string(let s): return String(reflecting: s) + "\n"
    case .tensor(let t, _): return tensor(t.value.shape, t.value.scalars.map(Double.init), dtype: "float32", heatmaps: heatmaps)
    case .intTensor(let t, _): return tensor(t.shape, t.scalars.map(Double.init), dtype: "int32", integer: true, heatmaps: heatmaps)
    case .model(let m):
      let n = m.parameters.reduce(0) { $0 + $1.value.count }
      return "\(m.typeName) (model with \(m.parameters.count) parameter tensors, \(n) numbers)\n"
    case .gradient(let g): return g.description + "\n"  // every parameter's line, however many
    default: return truncate(ValueText.text(v), 600) + "\n"
    }
  }

  static func truncate(_ s: String, _ n: Int) -> String {
    s.count <= n ? s : String(s.prefix(n)) + " …"
  }

  /// A number in at most 4 significant digits.
  static func number(_ x: Double, integer: Bool = false) -> String {
    if integer { return String(Int(x)) }
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == 0 { return "0" }
    return String(format: "%.4g", x)
  }

  static func tensor(_ shape: [Int], _ xs: [Double], dtype: String, integer: Bool = false, heatmaps: Bool = true) -> String {
    let kind = integer ? "IntTensor" : "Tensor"
    if xs.isEmpty { return "\(kind)\(shapeString(shape)) \(dtype) (empty)\n" }
    if shape.isEmpty { return "\(kind)[] \(dtype) = \(number(xs[0], integer: integer))\n" }
    let finite = xs.filter(\.isFinite)
    let lo = finite.min() ?? .nan, hi = finite.max() ?? .nan
    let mean = finite.isEmpty ? Double.nan : finite.reduce(0, +) / Double(finite.count)
    var out = "\(kind)\(shapeString(shape)) \(dtype)  min \(number(lo))  mean \(number(mean))  max \(number(hi))"
    if finite.count < xs.count { out += "  (\(xs.count - finite.count) not finite)" }
    out += "\n"
    if xs.count <= fullLimit {
      out += grid(shape, xs, integer: integer)
    } else {
      let head = xs.prefix(8).map { number($0, integer: integer) }.joined(separator: ", ")
      out += "  [\(head), … \(xs.count - 8) more]\n"
    }
    guard heatmaps else { return out }
    if shape.count == 2, shape[0] > 1 || shape[1] > 1 {
      out += heatmap(shape[0], shape[1], xs)
    } else if shape.count == 3, shape[1] > 1 || shape[2] > 1 {
      // A stack of maps: each of the first few slices as a heatmap of its own.
      let n = shape[1] * shape[2], shown = min(shape[0], maxSlices)
      for k in 0..<shown {
        out += "  [\(k), :, :]\n" + heatmap(shape[1], shape[2], Array(xs[(k * n)..<((k + 1) * n)]))
      }
      if shape[0] > shown { out += "  … \(shape[0] - shown) more slices\n" }
    }
    return out
  }

  /// Slices of a 3-D tensor shown as heatmaps.
  static let maxSlices = 4

  /// The values as aligned rows (the last axis across; leading axes as blocks).
  static func grid(_ shape: [Int], _ xs: [Double], integer: Bool) -> String {
    let cells = xs.map { number($0, integer: integer) }
    let width = cells.map(\.count).max() ?? 1
    let cols = shape.last ?? 1
    var out = ""
    let rowsPerBlock = shape.count > 2 ? shape[shape.count - 2] : 0
    for row in 0..<(xs.count / cols) {
      // Leading axes as labelled blocks: `[1, :, :]`.
      if shape.count > 2, row % rowsPerBlock == 0 {
        var rest = row / rowsPerBlock, index: [Int] = []
        for d in shape.dropLast(2).reversed() { index.insert(rest % d, at: 0); rest /= d }
        out += (row > 0 ? "\n" : "") + "  [" + (index.map(String.init) + [":", ":"]).joined(separator: ", ") + "]\n"
      }
      let items = cells[(row * cols)..<((row + 1) * cols)].map { String(repeating: " ", count: width - $0.count) + $0 }
      out += "  " + items.joined(separator: " ") + "\n"
    }
    return out
  }

  /// Shown for a cell that holds a NaN or an infinity.
  static let notFinite: Character = "×"

  /// Rows of shade characters, averaged over blocks when the tensor is larger than
  /// `maxHeatmap`. The shades run from the smallest shown cell (blank) to the largest (full),
  /// so an averaged map uses the whole scale; a cell with a NaN or Inf in it is `×`.
  static func heatmap(_ rows: Int, _ cols: Int, _ xs: [Double]) -> String {
    let r = min(rows, maxHeatmap.rows), c = min(cols, maxHeatmap.cols)
    var cells = [Double](repeating: .nan, count: r * c)
    for i in 0..<r {
      for j in 0..<c {
        let (r0, r1) = (i * rows / r, max(i * rows / r + 1, (i + 1) * rows / r))
        let (c0, c1) = (j * cols / c, max(j * cols / c + 1, (j + 1) * cols / c))
        var acc = 0.0, n = 0.0
        for a in r0..<r1 { for b in c0..<c1 { acc += xs[a * cols + b]; n += 1 } }
        cells[i * c + j] = acc / n  // NaN when any value of the block is not finite
      }
    }
    let finite = cells.filter(\.isFinite)
    let lo = finite.min() ?? 0, hi = finite.max() ?? 0
    var out = ""
    for i in 0..<r {
      var line = "  │"
      for j in 0..<c {
        let v = cells[i * c + j]
        guard v.isFinite else { line.append(notFinite); line.append(notFinite); continue }
        let t = hi > lo ? (v - lo) / (hi - lo) : 0.5
        let k = min(shades.count - 1, max(0, Int((t * Double(shades.count)).rounded(.down))))
        line.append(shades[k])
        line.append(shades[k])
      }
      out += line + "│\n"
    }
    let note = rows > r || cols > c ? "  (\(rows)×\(cols) averaged to \(r)×\(c))" : ""
    let marks = finite.count < cells.count ? "  '\(notFinite)' not finite" : ""
    return out + "  heatmap: ' ' \(number(lo)) … '█' \(number(hi))\(note)\(marks)\n"
  }
}
