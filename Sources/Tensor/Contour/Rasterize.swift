import Foundation

/// Fills the closed star contour given by edge indices into a mask (thesis Fig. 4.3(e)).
///
/// Ray `n`'s vertex lies at radius `radius·(e_n + ½)/(points−1)` (the middle of edge
/// `e_n`, see `StarPattern`) and angle `θ_n`; the polygon joins the vertices in ray
/// order and closes. A pixel is inside when its centre `(x, y)` (integer coordinates)
/// is: on each row `y` the polygon's edges are cut by the line at height `y` (an edge
/// counts when one end is ≤ y and the other > y), and pixels with `x_a ≤ x < x_b`
/// between successive crossings are filled (even-odd rule; a star polygon is simple).
/// - Parameters:
///   - indices: `[B, lines]` edge indices, real (e.g. smoothed) or integer.
///   - centers: `[B, 2]` `(x, y)`; `rotation`: `[B]` or `nil`.
/// - Returns: `[B, height, width]`, 1 inside and 0 outside.
public func rasterizeStar(_ indices: Tensor, centers: Tensor, rotation: Tensor? = nil, pattern: StarPattern,
                          height: Int, width: Int) throws -> Tensor {
  let op = "rasterize"
  try pattern.validate(op)
  guard indices.shape == [indices.shape.first ?? 0, pattern.lines], indices.rank == 2 else {
    throw TensorError(op, "expected indices of shape [B, \(pattern.lines)], got \(shapeString(indices.shape))")
  }
  guard height >= 0, width >= 0 else { throw TensorError(op, "bad mask size \(height)×\(width)") }
  let b = indices.shape[0]
  try TensorSize.check([b, height, width], op: op)
  let place = try starPlacement(op, centers: centers, rotation: rotation, batch: b)
  let idx = indices.scalars
  guard idx.allSatisfy(\.isFinite), place.centers.allSatisfy(\.isFinite), place.rotation.allSatisfy(\.isFinite) else {
    throw TensorError(op, "indices, centers and rotation must be finite")
  }
  let out = Tensor(shape: [b, height, width], repeating: 0)
  let dst = out.buffer.pointer
  let n = pattern.lines
  Parallel.forEach(b, cost: height * width) { bi in
    let cx = Double(place.centers[2 * bi]), cy = Double(place.centers[2 * bi + 1])
    var xs = [Double](repeating: 0, count: n), ys = xs
    for r in 0..<n {
      let rho = Swift.max(pattern.radius(at: Double(idx[bi * n + r]) + 0.5), 0)
      let theta = pattern.angle(r, rotation: place.rotation[bi])
      xs[r] = cx + rho * cos(theta)
      ys[r] = cy + rho * sin(theta)
    }
    fillPolygon(xs, ys, into: dst + bi * height * width, height: height, width: width)
  }
  return out
}

/// Scanline fill of a closed polygon at pixel centres (even-odd rule).
func fillPolygon(_ xs: [Double], _ ys: [Double], into plane: UnsafeMutablePointer<Float>, height: Int, width: Int) {
  let n = xs.count
  guard n >= 3, let top = ys.min(), let bottom = ys.max() else { return }
  let y0 = clampedInt(top.rounded(.down), 0, height), y1 = clampedInt(bottom.rounded(.up), -1, height - 1)
  guard y0 <= y1 else { return }
  var cuts: [Double] = []
  for y in y0...y1 {
    let fy = Double(y)
    cuts.removeAll(keepingCapacity: true)
    for i in 0..<n {
      let j = (i + 1) % n
      let (ya, yb) = (ys[i], ys[j])
      if (ya <= fy) != (yb <= fy) {
        cuts.append(xs[i] + (fy - ya) / (yb - ya) * (xs[j] - xs[i]))
      }
    }
    cuts.sort()
    var k = 0
    while k + 1 < cuts.count {
      let a = clampedInt(cuts[k].rounded(.up), 0, width)
      let e = clampedInt(cuts[k + 1].rounded(.up), 0, width) - 1
      if a <= e { for x in a...e { plane[y * width + x] = 1 } }
      k += 2
    }
  }
}
