import Foundation

/// Binary elementwise operations, broadcasting like NumPy.
public enum ZipOp: String, Sendable, CaseIterable {
  case add, sub, mul, div, mod, pow, maximum, minimum
  case less, lessEqual, greater, greaterEqual, equal, notEqual

  /// The op on two Floats; `mod` is the floored remainder (the sign of the divisor).
  @inline(__always) func apply(_ a: Float, _ b: Float) -> Float {
    switch self {
    case .add: return a + b
    case .sub: return a - b
    case .mul: return a * b
    case .div: return a / b
    case .mod: return a - (a / b).rounded(.down) * b
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

/// The element types the binary kernel runs on: the value of each op on two elements, and
/// whether that value is not the exact result. Float never reports (IEEE arithmetic rounds,
/// and overflows to ±inf); Int32 reports a result outside its range and a division by zero,
/// so integer arithmetic is exact or an error, never wrapped.
public protocol ZipElement: TensorElement {
  /// `op(a, b)` and whether it is out of range (then the value is meaningless).
  static func zipped(_ op: ZipOp, _ a: Self, _ b: Self) -> (value: Self, outOfRange: Bool)
  /// Why `zipped(op, a, b)` is out of range, naming the operands and the range.
  static func outOfRangeMessage(_ op: ZipOp, _ a: Self, _ b: Self) -> String
}

extension Float: ZipElement {
  @inline(__always) public static func zipped(_ op: ZipOp, _ a: Float, _ b: Float) -> (value: Float, outOfRange: Bool) {
    (op.apply(a, b), false)
  }

  public static func outOfRangeMessage(_ op: ZipOp, _ a: Float, _ b: Float) -> String { "" }
}

extension Tensor {
  /// `self op other` with broadcasting; throws naming both shapes when they don't broadcast.
  public func zip(_ other: Tensor, _ op: ZipOp) throws -> Tensor { try zipped(other, op) }

  /// `self op scalar` (no broadcasting needed).
  public func zip(scalar s: Float, _ op: ZipOp) -> Tensor {
    let r = Tensor(uninitialized: shape)
    _ = scalarRight(s, op, into: r.buffer.pointer)
    return r
  }
}

extension IntTensor {
  /// `self op other` in Int32, exactly, with broadcasting: `div` truncates toward zero (as
  /// `Int / Int` does), `mod` is the floored remainder, comparisons give 0/1. Throws naming
  /// the first element whose result is outside Int32 (or divides by zero), and both shapes
  /// when they don't broadcast.
  public func zip(_ other: IntTensor, _ op: ZipOp) throws -> IntTensor { try zipped(other, op) }
}

extension NDArray where Element: ZipElement {
  /// The one binary kernel behind `Tensor.zip` and `IntTensor.zip` (specialised for each
  /// inside this module): same shapes split over the workers, a scalar right operand, and
  /// broadcast rows. Out-of-range results are noted per chunk and reported after the loop.
  func zipped(_ other: NDArray, _ op: ZipOp) throws -> NDArray {
    guard let out = Broadcast.shape(shape, other.shape) else {
      throw TensorError(op.rawValue, "shapes \(shapeString(shape)) and \(shapeString(other.shape)) do not broadcast")
    }
    try TensorSize.check(out, op: op.rawValue, elementBytes: MemoryLayout<Element>.stride)
    let r = NDArray(uninitialized: out)
    let a = buffer.pointer, b = other.buffer.pointer, o = r.buffer.pointer
    var outOfRange = false
    if shape == other.shape {
      outOfRange = sameShape(b, op, into: o)
    } else if other.count == 1 && out == shape {
      outOfRange = scalarRight(b[0], op, into: o)
    } else {
      Broadcast.rows(shape, other.shape, out) { oa, ob, oo, n, sa, sb in
        var bad = false
        if sa == 1 && sb == 0 {
          let bv = b[ob]
          for i in 0..<n { Self.put(op, a[oa + i], bv, o + oo + i, &bad) }
        } else if sa == 0 && sb == 1 {
          let av = a[oa]
          for i in 0..<n { Self.put(op, av, b[ob + i], o + oo + i, &bad) }
        } else {
          for i in 0..<n { Self.put(op, a[oa + i * sa], b[ob + i * sb], o + oo + i, &bad) }
        }
        if bad { outOfRange = true }
      }
    }
    if outOfRange { throw try firstOutOfRange(other, op, out) }
    return r
  }

  /// Writes `op(x, y)` to `dst`, setting `bad` when it is out of range.
  @inline(__always) static func put(_ op: ZipOp, _ x: Element, _ y: Element, _ dst: UnsafeMutablePointer<Element>, _ bad: inout Bool) {
    let (v, out) = Element.zipped(op, x, y)
    dst.pointee = v
    if out { bad = true }
  }

  /// Same shapes: the common ops get loops of their own so they vectorise.
  private func sameShape(_ b: UnsafePointer<Element>, _ op: ZipOp, into o: UnsafeMutablePointer<Element>) -> Bool {
    let a = buffer.pointer
    func run(_ op: ZipOp, cost: Int) -> Bool {
      Parallel.anyChunk(count, cost: cost) { rg in
        var bad = false
        for i in rg { Self.put(op, a[i], b[i], o + i, &bad) }
        return bad
      }
    }
    switch op {
    case .add: return run(.add, cost: 1)
    case .sub: return run(.sub, cost: 1)
    case .mul: return run(.mul, cost: 1)
    default: return run(op, cost: 4)
    }
  }

  /// `self op s` for every element.
  private func scalarRight(_ s: Element, _ op: ZipOp, into o: UnsafeMutablePointer<Element>) -> Bool {
    let a = buffer.pointer
    var bad = false
    switch op {
    case .add: for i in 0..<count { Self.put(.add, a[i], s, o + i, &bad) }
    case .mul: for i in 0..<count { Self.put(.mul, a[i], s, o + i, &bad) }
    default: for i in 0..<count { Self.put(op, a[i], s, o + i, &bad) }
    }
    return bad
  }

  /// The error for the first element (in row-major order) whose result is out of range.
  private func firstOutOfRange(_ other: NDArray, _ op: ZipOp, _ out: [Int]) throws -> TensorError {
    let (x, y) = (try stretched(to: out), try other.stretched(to: out))
    let i = (0..<x.count).first { Element.zipped(op, x[flat: $0], y[flat: $0]).outOfRange } ?? 0
    return TensorError(op.rawValue, Element.outOfRangeMessage(op, x[flat: i], y[flat: i]))
  }
}
