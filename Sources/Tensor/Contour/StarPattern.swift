import Foundation

/// The geometry of a star pattern: `lines` rays × `points` samples per ray out to `radius`.
///
/// One place for the conventions (see `README.md`): pixel centres sit at integer
/// coordinates, `x` is the column and `y` the row; centres are `(x, y)`. Ray `n` points
/// at `θ_n = 2πn/N + rotation`; sample `m` lies at radius `r_m = radius·m/(points−1)`
/// (`r_0 = 0`, the centre), at `(x + r_m cos θ_n, y + r_m sin θ_n)`. Edge `e` is the
/// step between samples `e` and `e+1` (what `diff` along the ray measures); its
/// boundary radius is `radius·(e + ½)/(points−1)`.
public struct StarPattern: Sendable, Equatable {
  public var lines: Int
  public var points: Int
  public var radius: Float

  public init(lines: Int, points: Int, radius: Float) {
    self.lines = lines
    self.points = points
    self.radius = radius
  }

  /// Checks the pattern for `op`: at least one ray, at least one point, a finite radius ≥ 0.
  func validate(_ op: String) throws {
    guard lines >= 1, points >= 1, radius.isFinite, radius >= 0 else {
      throw TensorError(op, "bad star pattern: lines \(lines), points \(points), radius \(radius) (need lines ≥ 1, points ≥ 1, radius ≥ 0)")
    }
  }

  /// Distance from the centre of sample `m` (a real number: edges use `m = e + ½`).
  @inline(__always)
  func radius(at m: Double) -> Double {
    points > 1 ? Double(radius) * m / Double(points - 1) : 0
  }

  /// Angle of ray `n` for a pattern rotated by `rotation`.
  @inline(__always)
  func angle(_ n: Int, rotation: Float) -> Double {
    2 * Double.pi * Double(n) / Double(lines) + Double(rotation)
  }
}

/// Reads centres `[B, 2]` (x, y) and rotations `[B]` (or `nil`: no rotation) for `op`.
func starPlacement(_ op: String, centers: Tensor, rotation: Tensor?, batch: Int) throws -> (centers: [Float], rotation: [Float]) {
  guard centers.shape == [batch, 2] else {
    throw TensorError(op, "expected centers of shape [\(batch), 2], got \(shapeString(centers.shape))")
  }
  if let rotation, rotation.shape != [batch] {
    throw TensorError(op, "expected rotation of shape [\(batch)], got \(shapeString(rotation.shape))")
  }
  return (centers.scalars, rotation?.scalars ?? [Float](repeating: 0, count: batch))
}

/// Splits `[B, H, W]` or `[B, 1, H, W]` into (B, H, W) for `op`.
func maskDims(_ op: String, _ shape: [Int]) throws -> (b: Int, h: Int, w: Int) {
  if shape.count == 3 { return (shape[0], shape[1], shape[2]) }
  if shape.count == 4, shape[1] == 1 { return (shape[0], shape[2], shape[3]) }
  throw TensorError(op, "expected a mask of shape [B, H, W] or [B, 1, H, W], got \(shapeString(shape))")
}

/// `Int(v)` for a coordinate after clamping it to `lo … hi` in floating point, so that
/// far-away (but finite) coordinates cannot trap in the conversion.
@inline(__always)
func clampedInt(_ v: Double, _ lo: Int, _ hi: Int) -> Int {
  Int(Swift.min(Swift.max(v, Double(lo)), Double(hi)))
}
