import Foundation

/// Star centres and rotations drawn for training (thesis §5.2): the centre moves from the
/// object's centre of mass by a 2-D normal offset with standard deviation
/// `spread × object radius`, truncated to the disc of the object radius (the largest
/// disc around the centre of mass inside the object, so the centre stays inside); the
/// rotation is uniform in `±maxRotation` radians. Draws come from `rng` in batch order.
/// - Parameters:
///   - mask: `[B, H, W]` or `[B, 1, H, W]`, object where > ½.
/// - Returns: centres `[B, 2]` `(x, y)` and rotations `[B]`.
public func jitteredStarPlacement(_ mask: Tensor, rng: inout RNG, spread: Float = 1,
                                  maxRotation: Float = 0.5) throws -> (centers: Tensor, rotation: Tensor) {
  let (b, _, _) = try maskDims("star_jitter", mask.shape)
  let base = try objectCenters(mask)
  let start = base.centers.scalars
  var centers = [Float](repeating: 0, count: 2 * b), rotation = [Float](repeating: 0, count: b)
  for i in 0..<b {
    let (cx, cy, radius) = (start[2 * i], start[2 * i + 1], base.radius[i])
    var dx = 0.0, dy = 0.0
    if radius > 0, spread > 0 {
      let sigma = Double(spread * radius)
      repeat {
        dx = sigma * rng.normal()
        dy = sigma * rng.normal()
      } while dx * dx + dy * dy > Double(radius * radius)
    }
    centers[2 * i] = cx + Float(dx)
    centers[2 * i + 1] = cy + Float(dy)
    rotation[i] = Float(2 * rng.uniform() - 1) * maxRotation
  }
  return (try Tensor(shape: [b, 2], scalars: centers), try Tensor(shape: [b], scalars: rotation))
}

/// The un-jittered star centres of a mask: each item's centre of mass `(x, y)` — or, when
/// that pixel is not in the object (a crescent), the object pixel nearest to it — and the
/// object radius: the distance from it to the nearest pixel outside the object (the
/// image border counts as outside) less one pixel, so that every point of that disc
/// rounds to an object pixel. Empty masks give the image centre and radius 0.
public func objectCenters(_ mask: Tensor) throws -> (centers: Tensor, radius: [Float]) {
  let (b, h, w) = try maskDims("object_centers", mask.shape)
  var centers = [Float](repeating: 0, count: 2 * b), radius = [Float](repeating: 0, count: b)
  let src = mask.buffer.pointer
  for i in 0..<b {
    let plane = src + i * h * w
    var sx = 0.0, sy = 0.0, count = 0.0
    for y in 0..<h { for x in 0..<w where plane[y * w + x] > 0.5 { sx += Double(x); sy += Double(y); count += 1 } }
    guard count > 0 else {
      centers[2 * i] = Float(w - 1) / 2; centers[2 * i + 1] = Float(h - 1) / 2
      continue
    }
    var cx = sx / count, cy = sy / count
    let px = Int(cx.rounded()), py = Int(cy.rounded())
    if plane[py * w + px] <= 0.5 {
      var bestD = Double.infinity
      for y in 0..<h {
        for x in 0..<w where plane[y * w + x] > 0.5 {
          let d = (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)
          if d < bestD { bestD = d; cx = Double(x); cy = Double(y) }
        }
      }
    }
    var nearest = Swift.min(cx + 1, cy + 1, Double(w) - cx, Double(h) - cy)
    for y in 0..<h {
      for x in 0..<w where plane[y * w + x] <= 0.5 {
        nearest = Swift.min(nearest, ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)).squareRoot())
      }
    }
    centers[2 * i] = Float(cx); centers[2 * i + 1] = Float(cy)
    radius[i] = Float(Swift.max(nearest - 1, 0))
  }
  return (try Tensor(shape: [b, 2], scalars: centers), radius)
}
