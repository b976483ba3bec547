import Foundation

/// Ground-truth edge indices on a star pattern: for each ray, where it leaves the object.
///
/// Walking outward along ray `n`, sample `m` is inside when the pixel nearest to it
/// (coordinates rounded half away from zero) lies in the image and has mask value > ½.
/// The target is the edge `e` whose inner sample is the last inside one before the first
/// outside one: `e = (first outside m) − 1`, clipped to `0 … points−2` (a ray that never
/// leaves the object gets `points−2`; one whose centre is outside gets 0). Edges index
/// the differences `diff(starSample(…), axis: -1)`, so targets and `dpContour` indices
/// live in the same `0 ..< points−1` range. For `points == 1` every target is 0.
/// - Parameters:
///   - mask: `[B, H, W]` or `[B, 1, H, W]`, object where > ½.
///   - centers: `[B, 2]` `(x, y)`; `rotation`: `[B]` or `nil`.
/// - Returns: `[B, lines]`.
public func starTargets(_ mask: Tensor, centers: Tensor, rotation: Tensor? = nil,
                        pattern: StarPattern) throws -> IntTensor {
  let op = "star_targets"
  let (b, h, w) = try maskDims(op, mask.shape)
  try pattern.validate(op)
  let place = try starPlacement(op, centers: centers, rotation: rotation, batch: b)
  guard place.centers.allSatisfy(\.isFinite), place.rotation.allSatisfy(\.isFinite) else {
    throw TensorError(op, "centers and rotation must be finite")
  }
  try TensorSize.check([b, pattern.lines], op: op)
  let out = IntTensor(uninitialized: [b, pattern.lines])
  let src = mask.buffer.pointer, dst = out.buffer.pointer
  let lastEdge = Swift.max(pattern.points - 2, 0)
  for bi in 0..<b {
    let plane = src + bi * h * w
    let cx = Double(place.centers[2 * bi]), cy = Double(place.centers[2 * bi + 1])
    for n in 0..<pattern.lines {
      let theta = pattern.angle(n, rotation: place.rotation[bi])
      var firstOutside = pattern.points
      for m in 0..<pattern.points {
        let r = pattern.radius(at: Double(m))
        let x = clampedInt((cx + r * cos(theta)).rounded(), -1, w), y = clampedInt((cy + r * sin(theta)).rounded(), -1, h)
        let inside = x >= 0 && x < w && y >= 0 && y < h && plane[y * w + x] > 0.5
        if !inside { firstOutside = m; break }
      }
      dst[bi * pattern.lines + n] = Int32(Swift.min(Swift.max(firstOutside - 1, 0), lastEdge))
    }
  }
  return out
}
