import Foundation

/// Binary elementwise operations, broadcasting like NumPy.
public enum ZipOp: String, Sendable, CaseIterable {
  case add, sub, mul, div, pow, maximum, minimum
  case less, lessEqual, greater, greaterEqual, equal, notEqual

  @inline(__always) func apply(_ a: Float, _ b: Float) -> Float {
    switch self {
    case .add: return a + b
    case .sub: return a - b
    case .mul: return a * b
    case .div: return a / b
    case .pow: return Foundation.pow(a, b)
    case .maximum: return Swift.max(a, b)
    case .minimum: return Swift.min(a, b)
    case .less: return a < b ? 1 : 0
    case .lessEqual: return a <= b ? 1 : 0
    case .greater: return a > b ? 1 : 0
    case .greaterEqual: return a >= b ? 1 : 0
    case .equal: return a == b ? 1 : 0
    case .notEqual: return a != b ? 1 : 0
    }
  }
}

/// Unary elementwise operations.
public enum MapOp: String, Sendable, CaseIterable {
  case neg, exp, log, sqrt, abs, relu, sigmoid, tanh, round, floor, ceil, sign, square, sin, cos

  @inline(__always) func apply(_ x: Float) -> Float {
    switch self {
    case .neg: return -x
    case .exp: return Foundation.exp(x)
    case .log: return Foundation.log(x)
    case .sqrt: return x.squareRoot()
    case .abs: return Swift.abs(x)
    case .relu: return x > 0 ? x : 0
    case .sigmoid: return x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
    case .tanh: return Foundation.tanh(x)
    case .round: return x.rounded(.toNearestOrEven)
    case .floor: return x.rounded(.down)
    case .ceil: return x.rounded(.up)
    case .sign: return x > 0 ? 1 : (x < 0 ? -1 : 0)
    case .square: return x * x
    case .sin: return Foundation.sin(x)
    case .cos: return Foundation.cos(x)
    }
  }
}

extension Tensor {
  /// Applies `op` to every element.
  public func map(_ op: MapOp) -> Tensor {
    let r = Tensor(uninitialized: shape)
    let src = buffer.pointer, dst = r.buffer.pointer
    switch op {  // the common ones get their own loops so they vectorise
    case .relu: Parallel.forEachChunk(count) { rg in for i in rg { dst[i] = src[i] > 0 ? src[i] : 0 } }
    case .neg: for i in 0..<count { dst[i] = -src[i] }
    case .square: for i in 0..<count { dst[i] = src[i] * src[i] }
    default: Parallel.forEachChunk(count, cost: 8) { rg in for i in rg { dst[i] = op.apply(src[i]) } }
    }
    return r
  }

  /// `self op other` with broadcasting; throws naming both shapes when they don't broadcast.
  public func zip(_ other: Tensor, _ op: ZipOp) throws -> Tensor {
    if shape == other.shape { return sameShape(other, op) }
    guard let out = Broadcast.shape(shape, other.shape) else {
      throw TensorError(op.rawValue, "shapes \(shapeString(shape)) and \(shapeString(other.shape)) do not broadcast")
    }
    if other.count == 1 && out == shape { return scalarRight(other.buffer.pointer[0], op) }
    let r = Tensor(uninitialized: out)
    let a = buffer.pointer, b = other.buffer.pointer, o = r.buffer.pointer
    Broadcast.rows(shape, other.shape, out) { oa, ob, oo, n, sa, sb in
      if sa == 1 && sb == 0 {
        let bv = b[ob]
        for i in 0..<n { o[oo + i] = op.apply(a[oa + i], bv) }
      } else if sa == 0 && sb == 1 {
        let av = a[oa]
        for i in 0..<n { o[oo + i] = op.apply(av, b[ob + i]) }
      } else {
        for i in 0..<n { o[oo + i] = op.apply(a[oa + i * sa], b[ob + i * sb]) }
      }
    }
    return r
  }

  private func sameShape(_ other: Tensor, _ op: ZipOp) -> Tensor {
    let r = Tensor(uninitialized: shape)
    let a = buffer.pointer, b = other.buffer.pointer, o = r.buffer.pointer
    switch op {
    case .add: Parallel.forEachChunk(count) { rg in for i in rg { o[i] = a[i] + b[i] } }
    case .sub: Parallel.forEachChunk(count) { rg in for i in rg { o[i] = a[i] - b[i] } }
    case .mul: Parallel.forEachChunk(count) { rg in for i in rg { o[i] = a[i] * b[i] } }
    default: Parallel.forEachChunk(count, cost: 4) { rg in for i in rg { o[i] = op.apply(a[i], b[i]) } }
    }
    return r
  }

  private func scalarRight(_ s: Float, _ op: ZipOp) -> Tensor {
    let r = Tensor(uninitialized: shape)
    let a = buffer.pointer, o = r.buffer.pointer
    switch op {
    case .add: for i in 0..<count { o[i] = a[i] + s }
    case .mul: for i in 0..<count { o[i] = a[i] * s }
    default: for i in 0..<count { o[i] = op.apply(a[i], s) }
    }
    return r
  }

  /// `self op scalar` (no broadcasting needed).
  public func zip(scalar s: Float, _ op: ZipOp) -> Tensor { scalarRight(s, op) }

  /// `self += other` in place (same shape); used to accumulate gradients.
  public mutating func addInPlace(_ other: Tensor) throws {
    guard shape == other.shape else {
      throw TensorError("add", "shapes \(shapeString(shape)) and \(shapeString(other.shape)) differ")
    }
    let b = other.buffer.pointer
    withUnsafeMutableBufferPointer { a in
      let ap = a.baseAddress!
      Parallel.forEachChunk(a.count) { r in for i in r { ap[i] += b[i] } }
    }
  }

  /// Float tensors of zeros, ones and a constant.
  public static func zeros(_ shape: [Int]) -> Tensor { Tensor(zeroed: shape) }
  public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

  /// `n` evenly spaced values from `a` to `b` inclusive.
  public static func linspace(_ a: Float, _ b: Float, _ n: Int) -> Tensor {
    Tensor(shape: [n]) { i in n == 1 ? a : a + (b - a) * Float(i) / Float(n - 1) }
  }

  public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.zip(b, .add) }
  public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.zip(b, .sub) }
  public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.zip(b, .mul) }
  public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.zip(b, .div) }
  public static func * (a: Tensor, s: Float) -> Tensor { a.zip(scalar: s, .mul) }
  public static func + (a: Tensor, s: Float) -> Tensor { a.zip(scalar: s, .add) }
}
