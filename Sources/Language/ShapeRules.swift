/// Static shape rules shared by operators and builtins. Each returns the result shape, or
/// a message when the shapes definitely do not fit. Unknown dims never produce errors.
public enum ShapeRules {
  /// Two dims that must be equal: the known one wins; a definite clash is an error.
  static func unify(_ a: Dim, _ b: Dim) -> Dim? {
    switch (a, b) {
    case (.known(let x), .known(let y)): return x == y ? a : nil
    case (.known, _): return a
    case (_, .known): return b
    case (.symbol(let x), .symbol(let y)): return x == y ? a : .unknown
    case (.symbol, .unknown): return a
    case (.unknown, _): return b
    }
  }

  /// NumPy broadcasting of two shapes, right-aligned.
  public static func broadcast(_ a: [Dim]?, _ b: [Dim]?) -> Result<[Dim]?, ShapeError> {
    guard let a, let b else { return .success(nil) }
    let n = max(a.count, b.count)
    var out: [Dim] = []
    for i in 0..<n {
      let x = i < n - a.count ? Dim.known(1) : a[i - (n - a.count)]
      let y = i < n - b.count ? Dim.known(1) : b[i - (n - b.count)]
      if x == .known(1) { out.append(y); continue }
      if y == .known(1) { out.append(x); continue }
      if case .known(let p) = x, case .known(let q) = y, p != q {
        return .failure(ShapeError("shapes \(shapeText(a)) and \(shapeText(b)) cannot be broadcast together (dimension \(i): \(p) vs \(q))"))
      }
      out.append(unify(x, y) ?? .unknown)
    }
    return .success(out)
  }

  /// Matrix product with NumPy rules for 1-D operands and batch broadcasting.
  public static func matmul(_ a: [Dim]?, _ b: [Dim]?) -> Result<[Dim]?, ShapeError> {
    guard let a, let b else { return .success(nil) }
    if a.isEmpty || b.isEmpty { return .failure(ShapeError("matrix product needs tensors of rank at least 1, got \(shapeText(a)) and \(shapeText(b))")) }
    let aa = a.count == 1 ? [Dim.known(1)] + a : a
    let bb = b.count == 1 ? b + [Dim.known(1)] : b
    let k1 = aa[aa.count - 1], k2 = bb[bb.count - 2]
    if case .known(let x) = k1, case .known(let y) = k2, x != y {
      return .failure(ShapeError("matrix product shapes do not match: \(shapeText(a)) @ \(shapeText(b)) (inner dimensions \(x) and \(y))"))
    }
    let batch: [Dim]?
    switch broadcast(Array(aa.dropLast(2)), Array(bb.dropLast(2))) {
    case .success(let s): batch = s
    case .failure(let e): return .failure(e)
    }
    var out = (batch ?? [])
    if a.count > 1 { out.append(aa[aa.count - 2]) }
    if b.count > 1 { out.append(bb[bb.count - 1]) }
    return .success(out)
  }

  /// Normalises a possibly negative axis for a tensor of `rank`.
  public static func axis(_ axis: Int, rank: Int) -> Int? {
    let a = axis < 0 ? axis + rank : axis
    return a >= 0 && a < rank ? a : nil
  }

  /// `a·b + c`, or nil when it overflows: a size the checker cannot hold is left to the
  /// run-time check (`TensorSize`), which names it, instead of trapping here.
  public static func exact(_ a: Int, times b: Int = 1, plus c: Int = 0) -> Int? {
    let (m, o1) = a.multipliedReportingOverflow(by: b)
    let (s, o2) = m.addingReportingOverflow(c)
    return o1 || o2 ? nil : s
  }

  /// `exact(a, times: b, plus: c)` as a dim: unknown when it overflows or is negative.
  public static func dim(_ a: Int, times b: Int = 1, plus c: Int = 0) -> Dim {
    guard let v = exact(a, times: b, plus: c), v >= 0 else { return .unknown }
    return .known(v)
  }

  /// Output size of a convolution along one spatial dim.
  public static func convOut(_ n: Dim, kernel: Int?, stride: Int?, pad: Int?) -> Dim {
    guard case .known(let v) = n, let k = kernel, let s = stride, let p = pad, s > 0, k > 0,
          let padded = exact(p, times: 2, plus: v) else { return .unknown }
    let o = (padded - k) / s + 1
    return o > 0 ? .known(o) : .unknown
  }

  /// Output size of ceil-mode pooling (no padding) along one spatial dim.
  public static func poolOutCeil(_ n: Dim, kernel: Int?, stride: Int?) -> Dim {
    guard case .known(let v) = n, let k = kernel, let s = stride, s > 0, v >= k,
          let span = exact(v - k, plus: s - 1) else { return .unknown }
    let o = span / s + 1
    return .known((o - 1) * s >= v ? o - 1 : o)
  }

  /// Output size of a transposed convolution along one spatial dim.
  public static func convTransposeOut(_ n: Dim, kernel: Int?, stride: Int?, pad: Int?) -> Dim {
    guard case .known(let v) = n, let k = kernel, let s = stride, let p = pad,
          let edge = exact(p, times: -2, plus: k), let o = exact(v - 1, times: s, plus: edge) else { return .unknown }
    return o > 0 ? .known(o) : .unknown
  }

  /// The number of elements, when every dim is known.
  public static func count(_ s: [Dim]) -> Int? {
    var n = 1
    for d in s {
      guard case .known(let v) = d else { return nil }
      let (m, overflow) = n.multipliedReportingOverflow(by: v)
      if overflow { return nil }
      n = m
    }
    return n
  }
}

/// A definite static shape mismatch.
public struct ShapeError: Error, Hashable, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
}
