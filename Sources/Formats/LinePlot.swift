import Foundation

/// A small line-plot renderer for training curves (loss and Dice over steps) to PNG:
/// axes with ticks and labels, light grid lines, one coloured line per series, a legend.
public struct LinePlot {
  /// One named line.
  public struct Series {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    public var color: RGB
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [Series] = []
  public var width: Int
  public var height: Int
  /// Fixed y range (e.g. 0…1 for Dice); nil fits the data.
  public var yRange: ClosedRange<Double>?

  public init(title: String = "", xLabel: String = "step", yLabel: String = "",
              width: Int = 560, height: Int = 360, yRange: ClosedRange<Double>? = nil) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.width = max(120, width)
    self.height = max(100, height)
    self.yRange = yRange
  }

  /// Adds a line; non-finite points break it. The colour defaults to the next palette entry.
  public mutating func add(_ name: String, x: [Double], y: [Double], color: RGB? = nil) {
    let n = min(x.count, y.count)
    series.append(Series(name: name, x: Array(x.prefix(n)), y: Array(y.prefix(n)),
                         color: color ?? RGB.palette[series.count % RGB.palette.count]))
  }

  /// Draws the plot.
  public func render() -> PNGImage {
    var img = PNGImage(width: width, height: height)
    let left = 52, right = width - 14, top = 24, bottom = height - 30
    let pts = series.flatMap { s in zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite } }
    var (x0, x1) = (pts.map(\.0).min() ?? 0, pts.map(\.0).max() ?? 1)
    var (y0, y1) = yRange.map { ($0.lowerBound, $0.upperBound) } ?? (pts.map(\.1).min() ?? 0, pts.map(\.1).max() ?? 1)
    if x1 <= x0 { x0 -= 0.5; x1 += 0.5 }
    if y1 <= y0 { y0 -= 0.5; y1 += 0.5 }
    if yRange == nil { let pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad }
    func px(_ x: Double) -> Int { left + Int(((x - x0) / (x1 - x0) * Double(right - left)).rounded()) }
    func py(_ y: Double) -> Int { bottom - Int(((y - y0) / (y1 - y0) * Double(bottom - top)).rounded()) }

    for t in Self.ticks(y0, y1) {
      let y = py(t)
      line(&img, left, y, right, y, .lightGray)
      let label = Self.format(t)
      BitmapFont.draw(label, at: left - 5 - BitmapFont.width(of: label), y - 3, color: .black, into: &img)
    }
    for t in Self.ticks(x0, x1) {
      let x = px(t)
      line(&img, x, top, x, bottom, .lightGray)
      let label = Self.format(t)
      BitmapFont.draw(label, at: x - BitmapFont.width(of: label) / 2, bottom + 5, color: .black, into: &img)
    }
    line(&img, left, top, left, bottom, .black)
    line(&img, left, bottom, right, bottom, .black)
    BitmapFont.draw(title, at: (width - BitmapFont.width(of: title, scale: 2)) / 2, 4, color: .black, scale: 2, into: &img)
    BitmapFont.draw(xLabel, at: (left + right - BitmapFont.width(of: xLabel)) / 2, bottom + 16, color: .black, into: &img)
    BitmapFont.draw(yLabel, at: 4, 8, color: .black, into: &img)

    for s in series {
      var prev: (Int, Int)?
      for (x, y) in zip(s.x, s.y) {
        guard x.isFinite, y.isFinite else { prev = nil; continue }
        let p = (px(x), min(bottom, max(top, py(y))))
        if let q = prev { line(&img, q.0, q.1, p.0, p.1, s.color, thick: true) } else { line(&img, p.0, p.1, p.0, p.1, s.color, thick: true) }
        prev = p
      }
    }
    // Legend, top right inside the axes.
    let legendWidth = (series.map { BitmapFont.width(of: $0.name) }.max() ?? 0) + 22
    for (k, s) in series.enumerated() {
      let lx = right - legendWidth - 4, ly = top + 6 + 11 * k
      for y in (ly - 1)...(ly + 8) { for x in (lx - 3)...(right - 2) { img.set(x, y, .white) } }
      for y in (ly + 2)...(ly + 4) { for x in lx..<(lx + 14) { img.set(x, y, s.color) } }
      BitmapFont.draw(s.name, at: lx + 18, ly, color: .black, into: &img)
    }
    return img
  }

  /// Renders and writes the plot to `url` atomically.
  public func write(to url: URL) throws {
    try PNG.write(render(), to: url)
  }

  /// About five round tick values inside `lo…hi` (steps of 1, 2 or 5 × 10^k).
  static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
    let raw = (hi - lo) / 5
    guard raw > 0, raw.isFinite else { return [] }
    let mag = pow(10, (log10(raw)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
    var t = (lo / step).rounded(.up) * step
    var out: [Double] = []
    while t <= hi + step * 1e-9 && out.count < 20 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
    return out
  }

  /// A short label for a tick value.
  static func format(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
    if abs(v) >= 1e-3 && abs(v) < 1e6 {
      var s = String(format: "%.4f", v)
      while s.hasSuffix("0") { s.removeLast() }
      return s
    }
    return String(format: "%.1e", v)
  }

  /// Bresenham line, optionally 2 px thick.
  private func line(_ img: inout PNGImage, _ xa: Int, _ ya: Int, _ xb: Int, _ yb: Int, _ c: RGB, thick: Bool = false) {
    var x = xa, y = ya
    let dx = abs(xb - xa), dy = -abs(yb - ya), sx = xa < xb ? 1 : -1, sy = ya < yb ? 1 : -1
    var err = dx + dy
    while true {
      img.set(x, y, c)
      if thick { img.set(x + 1, y, c); img.set(x, y + 1, c); img.set(x + 1, y + 1, c) }
      if x == xb && y == yb { break }
      let e2 = 2 * err
      if e2 >= dy { err += dy; x += sx }
      if e2 <= dx { err += dx; y += sy }
    }
  }
}
