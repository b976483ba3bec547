/// Reductions over all elements or along one axis.
public enum ReduceOp: String, Sendable {
  case sum, mean, max, min
}

extension Tensor {
  /// Splits `shape` around `axis` into (outer, extent, inner) sizes.
  func around(axis: Int, op: String) throws -> (Int, Int, Int, Int) {
    let ax = axis < 0 ? axis + rank : axis
    guard ax >= 0 && ax < rank else {
      throw TensorError(op, "axis \(axis) out of range for shape \(shapeString(shape))")
    }
    return (ax, shape[..<ax].reduce(1, *), shape[ax], shape[(ax + 1)...].reduce(1, *))
  }

  /// Reduces all elements to a 0-d tensor (or along `axis`, dropping it unless `keepDims`).
  public func reduce(_ op: ReduceOp, axis: Int? = nil, keepDims: Bool = false) throws -> Tensor {
    guard let axis else {
      guard count > 0 || op == .sum else { throw TensorError(op.rawValue, "empty tensor") }
      let v = reduceRow(buffer.pointer, count, 1, op)
      return Tensor(shape: keepDims ? shape.map { _ in 1 } : [], repeating: v)
    }
    let (ax, outer, n, inner) = try around(axis: axis, op: op.rawValue)
    guard n > 0 || op == .sum else { throw TensorError(op.rawValue, "empty axis \(axis)") }
    var outShape = shape
    if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
    let r = Tensor(uninitialized: outShape)
    let src = buffer.pointer, dst = r.buffer.pointer
    Parallel.forEach(outer, cost: n * inner) { o in
      for i in 0..<inner { dst[o * inner + i] = reduceRow(src + o * n * inner + i, n, inner, op) }
    }
    return r
  }

  /// Index of the largest (or smallest) element along `axis`, or over all elements.
  public func argReduce(max isMax: Bool, axis: Int? = nil) throws -> IntTensor {
    let name = isMax ? "argmax" : "argmin"
    guard let axis else {
      guard count > 0 else { throw TensorError(name, "empty tensor") }
      return IntTensor(scalar: Int32(argRow(buffer.pointer, count, 1, isMax)))
    }
    let (ax, outer, n, inner) = try around(axis: axis, op: name)
    guard n > 0 else { throw TensorError(name, "empty axis \(axis)") }
    var outShape = shape
    outShape.remove(at: ax)
    let r = IntTensor(uninitialized: outShape)
    let src = buffer.pointer, dst = r.buffer.pointer
    for o in 0..<outer {
      for i in 0..<inner { dst[o * inner + i] = Int32(argRow(src + o * n * inner + i, n, inner, isMax)) }
    }
    return r
  }
}

/// Reduces `n` elements at `p`, `step` apart. Sums accumulate in Double for accuracy.
@inline(__always)
func reduceRow(_ p: UnsafePointer<Float>, _ n: Int, _ step: Int, _ op: ReduceOp) -> Float {
  switch op {
  case .sum, .mean:
    var acc: Double = 0
    if step == 1 {
      var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
      var i = 0
      // Blocks of 4 float partial sums, flushed to Double every 256 elements.
      while i + 256 <= n {
        for j in Swift.stride(from: i, to: i + 256, by: 4) { s0 += p[j]; s1 += p[j + 1]; s2 += p[j + 2]; s3 += p[j + 3] }
        acc += Double(s0) + Double(s1) + Double(s2) + Double(s3)
        s0 = 0; s1 = 0; s2 = 0; s3 = 0
        i += 256
      }
      while i < n { acc += Double(p[i]); i += 1 }
    } else {
      for i in 0..<n { acc += Double(p[i * step]) }
    }
    return Float(op == .mean ? acc / Double(Swift.max(n, 1)) : acc)
  case .max:
    var m = -Float.infinity
    for i in 0..<n { let v = p[i * step]; if v > m || v.isNaN { m = v } }
    return m
  case .min:
    var m = Float.infinity
    for i in 0..<n { let v = p[i * step]; if v < m || v.isNaN { m = v } }
    return m
  }
}

@inline(__always)
func argRow(_ p: UnsafePointer<Float>, _ n: Int, _ step: Int, _ isMax: Bool) -> Int {
  var best = 0
  var bv = p[0]
  for i in 1..<Swift.max(n, 1) {
    let v = p[i * step]
    if isMax ? v > bv : v < bv { bv = v; best = i }
  }
  return best
}
