/// Int32 in the binary kernel (`IntTensor.zip`): every op computed exactly, a result outside
/// Int32 or a division by zero reported instead of wrapped or trapped. `div` truncates toward
/// zero, `mod` takes the sign of the divisor (as a Float tensor's `%` does), `pow` with a
/// negative exponent truncates `1 / a^|b|`.
extension Int32: ZipElement {
  @inline(__always) public static func zipped(_ op: ZipOp, _ a: Int32, _ b: Int32) -> (value: Int32, outOfRange: Bool) {
    switch op {
    case .add: return reported(a.addingReportingOverflow(b))
    case .sub: return reported(a.subtractingReportingOverflow(b))
    case .mul: return reported(a.multipliedReportingOverflow(by: b))
    case .div: return reported(a.dividedReportingOverflow(by: b))  // overflow: b == 0, or Int32.min / -1
    case .mod:
      if b == 0 { return (0, true) }
      if b == -1 { return (0, false) }  // Int32.min % -1 is 0, though Swift reports it
      let r = a % b
      return (r != 0 && (r < 0) != (b < 0) ? r + b : r, false)
    case .pow: return power(a, b)
    case .maximum: return (Swift.max(a, b), false)
    case .minimum: return (Swift.min(a, b), false)
    case .less: return (a < b ? 1 : 0, false)
    case .lessEqual: return (a <= b ? 1 : 0, false)
    case .greater: return (a > b ? 1 : 0, false)
    case .greaterEqual: return (a >= b ? 1 : 0, false)
    case .equal: return (a == b ? 1 : 0, false)
    case .notEqual: return (a != b ? 1 : 0, false)
    }
  }

  /// A `…ReportingOverflow` result as `zipped` returns it.
  @inline(__always) static func reported(_ r: (partialValue: Int32, overflow: Bool)) -> (value: Int32, outOfRange: Bool) {
    (r.partialValue, r.overflow)
  }

  /// `a^b` by squaring, each product checked (the base is squared only while bits remain,
  /// so a square that overflows always means the result does).
  static func power(_ a: Int32, _ b: Int32) -> (value: Int32, outOfRange: Bool) {
    if b < 0 {
      switch a {
      case 0: return (0, true)
      case 1: return (1, false)
      case -1: return (b % 2 == 0 ? 1 : -1, false)
      default: return (0, false)
      }
    }
    var (result, base, e) = (Int32(1), a, b)
    while e > 0 {
      if e & 1 == 1 {
        let (p, o) = result.multipliedReportingOverflow(by: base)
        if o { return (0, true) }
        result = p
      }
      e >>= 1
      if e > 0 {
        let (q, o) = base.multipliedReportingOverflow(by: base)
        if o { return (0, true) }
        base = q
      }
    }
    return (result, false)
  }

  public static func outOfRangeMessage(_ op: ZipOp, _ a: Int32, _ b: Int32) -> String {
    let (x, y) = (Int64(a), Int64(b))
    let exact: Int64?
    switch op {
    case .add: exact = x + y
    case .sub: exact = x - y
    case .mul: exact = x * y
    case .div: exact = y == 0 ? nil : x / y
    default: exact = nil
    }
    let text = op == .pow ? "pow(\(a), \(b))" : "\(a) \(symbol(op)) \(b)"
    guard let exact else {
      return b == 0 || (op == .pow && a == 0) ? "\(text) divides by zero" : "\(text) is outside the Int32 range \(int32Range)"
    }
    return "\(text) = \(exact) is outside the Int32 range \(int32Range)"
  }

  private static func symbol(_ op: ZipOp) -> String {
    switch op {
    case .add: return "+"
    case .sub: return "-"
    case .mul: return "*"
    case .div: return "/"
    case .mod: return "%"
    default: return op.rawValue
    }
  }
}

/// The values an IntTensor holds, as error messages name them.
public let int32Range = "\(Int32.min)...\(Int32.max)"

extension IntTensor {
  /// `-self`, exactly; `-(-2147483648)` is an error.
  public func negated() throws -> IntTensor {
    if let i = scalars.firstIndex(of: .min) {
      throw TensorError("neg", "-(\(self[flat: i])) = \(-Int64(Int32.min)) is outside the Int32 range \(int32Range)")
    }
    return map { -$0 }
  }
}

extension Tensor {
  /// The elements truncated toward zero to Int32 (`int(t)`); a NaN, an infinity or a value
  /// outside Int32 is an error naming it.
  public func truncatedToInt32() throws -> IntTensor {
    if let bad = scalars.first(where: { Int32(exactly: $0.rounded(.towardZero)) == nil }) {
      throw TensorError("int", "\(bad) is outside the Int32 range \(int32Range)")
    }
    return map { Int32($0.rounded(.towardZero)) }
  }
}

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
      guard let w = Int32(exactly: acc) else { throw TensorError(op.rawValue, "the sum \(acc) is outside the Int32 range \(int32Range)") }
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
          guard let w = Int32(exactly: acc) else { throw TensorError("cumsum", "the running sum \(acc) is outside the Int32 range \(int32Range)") }
          dst[j] = w
        }
      }
    }
    return r
  }
}
