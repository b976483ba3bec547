import Foundation

/// Unary elementwise operations: each case is one kernel — its value (`apply`, for Float
/// tensors and Double scalars alike) and its derivative. A builtin of the same name in the
/// language's registry marked elementwise is implemented and differentiated from it alone.
public enum MapOp: String, Sendable, CaseIterable {
  case neg, exp, log, sqrt, abs, relu, sigmoid, tanh, round, floor, ceil, sign, square, sin, cos, softplus

  @inline(__always) public func apply<T: MathScalar>(_ x: T) -> T {
    switch self {
    case .neg: return -x
    case .exp: return T.exp(x)
    case .log: return T.log(x)
    case .sqrt: return x.squareRoot()
    case .abs: return Swift.abs(x)
    case .relu: return x > 0 ? x : 0
    case .sigmoid: return x >= 0 ? 1 / (1 + T.exp(-x)) : T.exp(x) / (1 + T.exp(x))
    case .tanh: return T.tanh(x)
    case .round: return x.rounded(.toNearestOrEven)
    case .floor: return x.rounded(.down)
    case .ceil: return x.rounded(.up)
    case .sign: return x > 0 ? 1 : (x < 0 ? -1 : 0)
    case .square: return x * x
    case .sin: return T.sin(x)
    case .cos: return T.cos(x)
    case .softplus: return Swift.max(x, 0) + T.log(1 + T.exp(-Swift.abs(x)))  // log(1 + eˣ) without overflow
    }
  }

  /// f′(x), given the input `x` and the output `y = f(x)` (the one `derivativeReads` names is
  /// the one the tape keeps); nil for the step functions, which have no gradient.
  @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float? {
    switch self {
    case .neg: return -1
    case .exp: return y
    case .log: return 1 / x
    case .sqrt: return 0.5 / y
    case .abs: return x > 0 ? 1 : (x < 0 ? -1 : 0)
    case .relu: return y > 0 ? 1 : 0
    case .sigmoid: return y * (1 - y)
    case .tanh: return 1 - y * y
    case .square: return 2 * x
    case .sin: return Foundation.cos(x)
    case .cos: return -Foundation.sin(x)
    case .softplus: return MapOp.sigmoid.apply(x)
    case .round, .floor, .ceil, .sign: return nil
    }
  }

  /// Which value `derivative` reads.
  public var derivativeReads: DerivativeInput {
    switch self {
    case .neg, .round, .floor, .ceil, .sign: return .neither
    case .exp, .sqrt, .relu, .sigmoid, .tanh: return .output
    case .log, .abs, .square, .sin, .cos, .softplus: return .input
    }
  }

  /// Whether the op has a gradient.
  public var isDifferentiable: Bool { derivative(1, 1) != nil }
}

/// What an elementwise derivative reads besides the incoming gradient.
public enum DerivativeInput: Sendable { case input, output, neither }

/// The scalar types elementwise kernels run on: Float in tensors, Double for numbers.
public protocol MathScalar: BinaryFloatingPoint {
  static func exp(_ x: Self) -> Self
  static func log(_ x: Self) -> Self
  static func tanh(_ x: Self) -> Self
  static func sin(_ x: Self) -> Self
  static func cos(_ x: Self) -> Self
}

extension Float: MathScalar {
  @inline(__always) public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
  @inline(__always) public static func log(_ x: Float) -> Float { Foundation.log(x) }
  @inline(__always) public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
  @inline(__always) public static func sin(_ x: Float) -> Float { Foundation.sin(x) }
  @inline(__always) public static func cos(_ x: Float) -> Float { Foundation.cos(x) }
}

extension Double: MathScalar {
  @inline(__always) public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
  @inline(__always) public static func log(_ x: Double) -> Double { Foundation.log(x) }
  @inline(__always) public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
  @inline(__always) public static func sin(_ x: Double) -> Double { Foundation.sin(x) }
  @inline(__always) public static func cos(_ x: Double) -> Double { Foundation.cos(x) }
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

  /// The gradient of `op` at input `x` with output `y`, for the incoming gradient `self`:
  /// `self · op′` elementwise (`x` or `y` is read only when `op.derivativeReads` names it).
  public func mapBackward(_ op: MapOp, x: Tensor?, y: Tensor?) throws -> Tensor {
    let read = op.derivativeReads == .input ? x : op.derivativeReads == .output ? y : self
    guard op.isDifferentiable, let read, read.shape == shape else {
      throw TensorError(op.rawValue, op.isDifferentiable ? "the saved value's shape does not match the gradient's" : "has no gradient; route it with @bypass")
    }
    let r = Tensor(uninitialized: shape)
    let g = buffer.pointer, v = read.buffer.pointer, d = r.buffer.pointer
    let onInput = op.derivativeReads == .input
    Parallel.forEachChunk(count, cost: 8) { rg in
      for i in rg { d[i] = g[i] * (onInput ? op.derivative(v[i], 0) : op.derivative(0, v[i]))! }
    }
    return r
  }

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
