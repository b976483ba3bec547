/// Exact integer reductions and running sums of an `IntTensor`: accumulated in Int64, so
/// no value is rounded (a round trip through Float rounds beyond 2^24), and a result that
/// does not fit in Int32 is an error rather than a trap or a wrapped value.
extension IntTensor {
  /// `sum`, `max` or `min` over `axes` (distinct, in range), which are removed; all axes
  /// give a 0-d result. `mean` is not an integer reduction.
  public func reducedExactly(_ op: ReduceOp, axes: [Int]) throws -> IntTensor {
    guard op != .mean else { throw TensorError("mean", "the mean of an IntTensor is not an integer") }
    let rest = (0..<rank).filter { !axes.contains($0) }
    let k = axes.reduce(1) { $0 * shape[$1] }
    guard k > 0 || op == .sum else { throw TensorError(op.rawValue, "\(op.rawValue) over an empty axis") }
    let lines = try permuted(rest + axes.sorted()).reshaped([rest.reduce(1) { $0 * shape[$1] }, k])
    let src = lines.buffer.pointer
    var out = [Int32](repeating: 0, count: lines.shape[0])
    for r in 0..<out.count {
      var acc: Int64 = op == .sum ? 0 : Int64(src[r * k])
      for j in 0..<k {
        let v = Int64(src[r * k + j])
        switch op {
        case .sum: acc += v
        case .max: acc = Swift.max(acc, v)
        default: acc = Swift.min(acc, v)
        }
      }
      guard let w = Int32(exactly: acc) else { throw TensorError(op.rawValue, "the sum \(acc) does not fit in Int32") }
      out[r] = w
    }
    return try IntTensor(shape: rest.map { shape[$0] }, scalars: out)
  }

  /// Running sums along `axis` (`reverse`: from the end).
  public func cumsum(axis: Int, reverse: Bool = false) throws -> IntTensor {
    let ax = try resolveAxis("cumsum", axis, shape)
    let n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *), outer = shape[..<ax].reduce(1, *)
    let r = IntTensor(uninitialized: shape)
    let src = buffer.pointer, dst = r.buffer.pointer
    for o in 0..<outer {
      for i in 0..<inner {
        var acc: Int64 = 0
        for k in 0..<n {
          let j = (o * n + (reverse ? n - 1 - k : k)) * inner + i
          acc += Int64(src[j])
          guard let w = Int32(exactly: acc) else { throw TensorError("cumsum", "the running sum \(acc) does not fit in Int32") }
          dst[j] = w
        }
      }
    }
    return r
  }
}
