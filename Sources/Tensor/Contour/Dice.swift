/// Dice overlap `2|A∩B| / (|A| + |B|)` of two binary masks per batch item (values > ½
/// count as object). Two empty masks score 1.
/// - Parameters: `a`, `b`: masks of the same shape `[B, …]`.
/// - Returns: `[B]`.
public func dice(_ a: Tensor, _ b: Tensor) throws -> Tensor {
  guard a.shape == b.shape, a.rank >= 1 else {
    throw TensorError("dice", "expected two masks of the same shape [B, …], got \(shapeString(a.shape)) and \(shapeString(b.shape))")
  }
  let items = a.shape[0], per = a.shape.dropFirst().reduce(1, *)
  let pa = a.buffer.pointer, pb = b.buffer.pointer
  return Tensor(shape: [items]) { i in
    var both = 0, sum = 0
    for k in (i * per)..<((i + 1) * per) {
      let x = pa[k] > 0.5, y = pb[k] > 0.5
      both += x && y ? 1 : 0
      sum += (x ? 1 : 0) + (y ? 1 : 0)
    }
    return sum == 0 ? 1 : Float(2 * both) / Float(sum)
  }
}

/// Dice restricted to the square that bounds a star pattern (thesis §5.2): only pixels
/// whose centres satisfy `|x − cx| ≤ halfSize` and `|y − cy| ≤ halfSize` count (usually
/// `halfSize` = the pattern's radius), so objects far from the star do not.
/// - Parameters: masks `[B, H, W]` or `[B, 1, H, W]`; `centers` `[B, 2]` `(x, y)`.
/// - Returns: `[B]`.
public func diceInBox(_ a: Tensor, _ b: Tensor, centers: Tensor, halfSize: Float) throws -> Tensor {
  let op = "dice_in_box"
  guard a.shape == b.shape else {
    throw TensorError(op, "expected two masks of the same shape, got \(shapeString(a.shape)) and \(shapeString(b.shape))")
  }
  let (items, h, w) = try maskDims(op, a.shape)
  let place = try starPlacement(op, centers: centers, rotation: nil, batch: items)
  guard place.centers.allSatisfy(\.isFinite), halfSize.isFinite, halfSize >= 0 else {
    throw TensorError(op, "centers and halfSize must be finite, halfSize ≥ 0")
  }
  let pa = a.buffer.pointer, pb = b.buffer.pointer
  return Tensor(shape: [items]) { i in
    let cx = place.centers[2 * i], cy = place.centers[2 * i + 1]
    let x0 = clampedInt(Double(cx - halfSize).rounded(.up), 0, w), x1 = clampedInt(Double(cx + halfSize).rounded(.down), -1, w - 1)
    let y0 = clampedInt(Double(cy - halfSize).rounded(.up), 0, h), y1 = clampedInt(Double(cy + halfSize).rounded(.down), -1, h - 1)
    var both = 0, sum = 0
    if x0 <= x1, y0 <= y1 {
      for y in y0...y1 {
        for x in x0...x1 {
          let k = (i * h + y) * w + x
          let p = pa[k] > 0.5, q = pb[k] > 0.5
          both += p && q ? 1 : 0
          sum += (p ? 1 : 0) + (q ? 1 : 0)
        }
      }
    }
    return sum == 0 ? 1 : Float(2 * both) / Float(sum)
  }
}

/// The mean of `dice(a, b)` over the batch.
public func meanDice(_ a: Tensor, _ b: Tensor) throws -> Float {
  let d = try dice(a, b)
  return d.count == 0 ? 0 : d.scalars.reduce(0, +) / Float(d.count)
}
