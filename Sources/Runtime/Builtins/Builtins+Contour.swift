import Autodiff
import IR
import Tensor

/// The EDPCNN primitives. Geometry conventions: `Tensor/Contour/README.md` (centres are
/// `(x, y)` = (column, row); ray `n` at angle `2πn/lines + angle`; `points` samples from the
/// centre out to `radius`; contour indices are edges between samples, `0 ..< points−1`).
extension BuiltinTable {
  static let contour: [String: BuiltinImpl] = [
    "dp_contour": { i, a, op in
      .intTensor(try dpContour(try i.tensor(a[0], op).value, delta: try i.int(a[1], op, "delta")), nil)
    },
    "dp_contour_soft": { i, a, op in
      let p = Primitive.dpContourSoft(delta: try i.int(a[1], op, "delta"), gamma: Float(try i.double(a[2], op, "gamma")))
      return .tensor(try i.prim(p, [try i.tensor(a[0], op)], op))
    },
    "star_sample": { i, a, op in
      let map = try i.tensor(a[0], op)
      let (centers, pattern) = (try i.centers(a[1], op), try i.pattern(lines: a[2], points: a[3], radius: a[4], op))
      guard let mode = StarInterpolation(rawValue: try i.string(a[6], op)) else {
        throw RuntimeError("star_sample: mode must be \"bilinear\" or \"nearest\"", at: op.span)
      }
      // [B, H, W] maps are sampled as one channel and give [B, lines, points].
      let threeD = map.shape.count == 3
      let m4 = threeD ? try i.prim(.reshape([map.shape[0], 1] + map.shape.dropFirst()), [map], op) : map
      let p = Primitive.starSample(centers: centers, rotation: try i.rotation(a[5], batch: map.shape.first ?? 0, op),
                                   pattern: pattern, interpolation: mode)
      let y = try i.prim(p, [m4], op)
      return .tensor(threeD ? try i.prim(.reshape([map.shape[0], pattern.lines, pattern.points]), [y], op) : y)
    },
    "smooth_circular": { i, a, op in
      let w = try i.positive(a[1], op, "window")
      return .tensor(try i.prim(.smoothCircular(window: w), [try i.tensor(a[0], op)], op))
    },
    "star_targets": { i, a, op in
      let mask = try i.tensor(a[0], op).value
      let pattern = try i.pattern(lines: a[2], points: a[3], radius: a[4], op)
      return .intTensor(try starTargets(mask, centers: try i.centers(a[1], op),
                                        rotation: try i.rotation(a[5], batch: mask.shape.first ?? 0, op), pattern: pattern), nil)
    },
    "rasterize": { i, a, op in
      let idx = try i.tensor(a[0], op).value
      guard idx.rank == 2 else { throw RuntimeError("rasterize: indices must be [B, lines], got \(shapeString(idx.shape))", at: op.span) }
      let pattern = try i.pattern(lines: .int(idx.shape[1]), points: a[2], radius: a[3], op)
      let size = try i.positive(a[4], op, "size")
      return .tensor(try rasterizeStar(idx, centers: try i.centers(a[1], op),
                                       rotation: try i.rotation(a[5], batch: idx.shape[0], op), pattern: pattern,
                                       height: size, width: size))
    },
    "largest_component": { i, a, op in
      .tensor(try largestComponent(try i.tensor(a[0], op).value, connectivity: try i.int(a[1], op, "connectivity")))
    },
  ]
}

extension Interpreter {
  func centers(_ v: Value, _ op: IR.Op) throws -> Tensor {
    let c = try tensor(v, op, "centers").value
    guard c.rank == 2, c.shape[1] == 2 else {
      throw RuntimeError("centers must be [B, 2] (x, y), got \(shapeString(c.shape))", at: op.span)
    }
    return c
  }

  func pattern(lines: Value, points: Value, radius: Value, _ op: IR.Op) throws -> StarPattern {
    StarPattern(lines: try positive(lines, op, "lines"), points: try positive(points, op, "points"),
                radius: Float(try double(radius, op, "radius")))
  }

  /// The ray rotation: one angle for every item, or a `[B]` tensor of per-item angles.
  func rotation(_ v: Value, batch: Int, _ op: IR.Op) throws -> Tensor? {
    if let s = try scalarArg(v, op) { return s == 0 ? nil : Tensor(shape: [batch], repeating: Float(s)) }
    let t = try tensor(v, op, "angle").value
    guard t.shape == [batch] else { throw RuntimeError("angle must be a Float or [\(batch)], got \(shapeString(t.shape))", at: op.span) }
    return t
  }
}
