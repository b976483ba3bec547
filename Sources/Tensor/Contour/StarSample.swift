import Foundation

/// How `starSample` reads the map between pixel centres.
public enum StarInterpolation: String, Sendable {
  /// The pixel whose centre is nearest (coordinates rounded half away from zero).
  case nearest
  /// Bilinear between the four surrounding pixel centres.
  case bilinear
}

/// Samples a map on a star pattern (thesis §4.3, Fig. 4.3 "Warped Map").
///
/// Sample coordinates outside the image are clamped to the border
/// (`x ∈ [0, W−1]`, `y ∈ [0, H−1]`), as the thesis code does, so border pixels repeat.
/// - Parameters:
///   - map: `[B, C, H, W]`.
///   - centers: `[B, 2]` star centres `(x, y)` in pixels.
///   - rotation: `[B]` radians added to every ray angle, or `nil`.
/// - Returns: `[B, C, lines, points]`.
public func starSample(_ map: Tensor, centers: Tensor, rotation: Tensor? = nil, pattern: StarPattern,
                       interpolation: StarInterpolation = .bilinear) throws -> Tensor {
  let op = "star_sample"
  guard map.rank == 4, map.shape[2] >= 1, map.shape[3] >= 1 else {
    throw TensorError(op, "expected a map of shape [B, C, H, W] with H, W ≥ 1, got \(shapeString(map.shape))")
  }
  try pattern.validate(op)
  let (b, c, h, w) = (map.shape[0], map.shape[1], map.shape[2], map.shape[3])
  try TensorSize.check([b, c, pattern.lines, pattern.points], op: op)
  let taps = try StarTaps(op, centers: centers, rotation: rotation, batch: b, height: h, width: w,
                          pattern: pattern, interpolation: interpolation)
  let k = taps.perItem
  let out = Tensor(uninitialized: [b, c, pattern.lines, pattern.points])
  let src = map.buffer.pointer, dst = out.buffer.pointer
  Parallel.forEach(b * c, cost: k * 8) { bc in
    let plane = src + bc * h * w, o = dst + bc * k
    let index = taps.index + (bc / max(c, 1)) * k * 4, weight = taps.weight + (bc / max(c, 1)) * k * 4
    for s in 0..<k {
      var v: Float = 0
      for t in 0..<4 { v += weight[4 * s + t] * plane[Int(index[4 * s + t])] }
      o[s] = v
    }
  }
  taps.release()
  return out
}

/// The vector-Jacobian product of `starSample` with respect to the map: scatters
/// `grad` `[B, C, lines, points]` back onto `[B, C, height, width]` with the same weights.
public func starSampleBackward(_ grad: Tensor, centers: Tensor, rotation: Tensor? = nil, pattern: StarPattern,
                               interpolation: StarInterpolation = .bilinear,
                               height: Int, width: Int) throws -> Tensor {
  let op = "star_sample_backward"
  guard grad.rank == 4, grad.shape[2] == pattern.lines, grad.shape[3] == pattern.points, height >= 1, width >= 1 else {
    throw TensorError(op, "expected grad of shape [B, C, \(pattern.lines), \(pattern.points)] and a map size ≥ 1, got \(shapeString(grad.shape)) for \(height)×\(width)")
  }
  try pattern.validate(op)
  let (b, c) = (grad.shape[0], grad.shape[1])
  let taps = try StarTaps(op, centers: centers, rotation: rotation, batch: b, height: height, width: width,
                          pattern: pattern, interpolation: interpolation)
  let k = taps.perItem
  let out = Tensor(shape: [b, c, height, width], repeating: 0)
  let src = grad.buffer.pointer, dst = out.buffer.pointer
  Parallel.forEach(b * c, cost: k * 8) { bc in
    let plane = dst + bc * height * width, g = src + bc * k
    let index = taps.index + (bc / max(c, 1)) * k * 4, weight = taps.weight + (bc / max(c, 1)) * k * 4
    for s in 0..<k {
      for t in 0..<4 { plane[Int(index[4 * s + t])] += weight[4 * s + t] * g[s] }
    }
  }
  taps.release()
  return out
}

/// For every sample of every batch item, four (flat pixel index, weight) taps into one
/// `H × W` plane. Nearest uses one tap of weight 1 and three of weight 0.
struct StarTaps {
  let perItem: Int
  let index: UnsafeMutablePointer<Int32>
  let weight: UnsafeMutablePointer<Float>

  init(_ op: String, centers: Tensor, rotation: Tensor?, batch: Int, height h: Int, width w: Int,
       pattern: StarPattern, interpolation: StarInterpolation) throws {
    let place = try starPlacement(op, centers: centers, rotation: rotation, batch: batch)
    guard place.centers.allSatisfy(\.isFinite), place.rotation.allSatisfy(\.isFinite) else {
      throw TensorError(op, "centers and rotation must be finite")
    }
    // Four taps per sample: one [B, lines, points, 4] array of Int32 indices and one of weights.
    perItem = try TensorSize.check([pattern.lines, pattern.points], op: op)
    try TensorSize.check([batch, pattern.lines, pattern.points, 4], op: op)
    index = .allocate(capacity: max(batch * perItem * 4, 1))
    weight = .allocate(capacity: max(batch * perItem * 4, 1))
    let maxX = Double(w - 1), maxY = Double(h - 1)
    var t = 0
    for bi in 0..<batch {
      let cx = Double(place.centers[2 * bi]), cy = Double(place.centers[2 * bi + 1])
      for n in 0..<pattern.lines {
        let theta = pattern.angle(n, rotation: place.rotation[bi])
        let (cs, sn) = (cos(theta), sin(theta))
        for m in 0..<pattern.points {
          let r = pattern.radius(at: Double(m))
          let x = Swift.min(Swift.max(cx + r * cs, 0), maxX), y = Swift.min(Swift.max(cy + r * sn, 0), maxY)
          switch interpolation {
          case .nearest:
            let p = Int32(Int(y.rounded()) * w + Int(x.rounded()))
            for k in 0..<4 { index[t + k] = p; weight[t + k] = k == 0 ? 1 : 0 }
          case .bilinear:
            let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
            let x1 = Swift.min(x0 + 1, w - 1), y1 = Swift.min(y0 + 1, h - 1)
            let fx = Float(x - Double(x0)), fy = Float(y - Double(y0))
            index[t] = Int32(y0 * w + x0); weight[t] = (1 - fx) * (1 - fy)
            index[t + 1] = Int32(y0 * w + x1); weight[t + 1] = fx * (1 - fy)
            index[t + 2] = Int32(y1 * w + x0); weight[t + 2] = (1 - fx) * fy
            index[t + 3] = Int32(y1 * w + x1); weight[t + 3] = fx * fy
          }
          t += 4
        }
      }
    }
  }

  func release() {
    index.deallocate()
    weight.deallocate()
  }
}
