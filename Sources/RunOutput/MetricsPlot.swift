import Formats
import Foundation

extension RunLog {
  /// A PNG of the logged curves: losses (columns whose name contains "loss") on top,
  /// Dice scores (names containing "dice") below, against the step. Returns whether it
  /// wrote one (not when no column has a logged number).
  @discardableResult
  public func plot(to url: URL) throws -> Bool {
    let (columns, rows) = table()
    func series(_ k: Int) -> (x: [Double], y: [Double]) {
      var xs: [Double] = [], ys: [Double] = []
      for r in rows {
        if k - 1 < r.values.count, let v = r.values[k - 1], v.isFinite { xs.append(Double(r.step)); ys.append(v) }
      }
      return (xs, ys)
    }
    var panels: [PNGImage] = []
    for (word, title, range) in [("loss", "loss", nil as ClosedRange<Double>?), ("dice", "validation Dice", 0...1)] {
      var plot = LinePlot(title: title, xLabel: "step", yLabel: word)
      if let range { plot.yRange = range }
      for (k, name) in columns.enumerated() where k > 0 && name.lowercased().contains(word) {
        let s = series(k)
        if !s.x.isEmpty { plot.add(name, x: s.x, y: s.y) }
      }
      if !plot.series.isEmpty { panels.append(plot.render()) }
    }
    guard !panels.isEmpty else { return false }
    try PNG.write(PNGImage.grid(panels, columns: 1), to: url)
    return true
  }
}
