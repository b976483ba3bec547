/// Element types a tensor can hold: Float32 for values, Int32 for indices.
public protocol TensorElement: Numeric, Comparable, Sendable {
  static var dtypeName: String { get }
}
extension Float: TensorElement { public static var dtypeName: String { "float32" } }
extension Int32: TensorElement { public static var dtypeName: String { "int32" } }

/// A dense, row-major (NCHW for images) n-dimensional array with value semantics.
///
/// Storage is shared between copies until one of them is mutated (copy-on-write).
/// Elements are always contiguous, so kernels work on one flat buffer.
public struct NDArray<Element: TensorElement> {
  /// Extent of each axis; `[]` is a 0-d scalar.
  public private(set) var shape: [Int]
  var buffer: Buffer<Element>

  /// An uninitialised array; every element must be written before it is read.
  init(uninitialized shape: [Int]) {
    self.shape = shape
    self.buffer = Buffer(count: shape.reduce(1, *))
  }

  /// An array filled with `value`.
  public init(shape: [Int], repeating value: Element) {
    self.init(uninitialized: shape)
    buffer.pointer.initialize(repeating: value, count: count)
  }

  /// An array holding `scalars` in row-major order.
  public init(shape: [Int], scalars: [Element]) throws {
    guard shape.allSatisfy({ $0 >= 0 }),
          (try? TensorSize.check(shape, op: "tensor", elementBytes: MemoryLayout<Element>.stride)) == scalars.count else {
      throw TensorError("tensor", "\(scalars.count) values do not fill shape \(shapeString(shape))")
    }
    self.init(uninitialized: shape)
    scalars.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: $0.count) }
  }

  /// A 0-d array holding one value.
  public init(scalar: Element) {
    self.init(shape: [], repeating: scalar)
  }

  /// An array of `shape` whose elements are produced by `body(flatIndex)`.
  public init(shape: [Int], generator body: (Int) -> Element) {
    self.init(uninitialized: shape)
    for i in 0..<count { buffer.pointer[i] = body(i) }
  }

  /// Number of elements.
  public var count: Int { buffer.count }
  /// Number of axes.
  public var rank: Int { shape.count }
  /// The elements in row-major order.
  public var scalars: [Element] { Array(UnsafeBufferPointer(start: buffer.pointer, count: count)) }

  /// Reads the elements without copying.
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
    try body(UnsafeBufferPointer(start: buffer.pointer, count: count))
  }

  /// Writes the elements, copying the storage first if another value shares it.
  public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
    if !isKnownUniquelyReferenced(&buffer) {
      let fresh = Buffer<Element>(count: count)
      fresh.pointer.update(from: buffer.pointer, count: count)
      buffer = fresh
    }
    return try body(UnsafeMutableBufferPointer(start: buffer.pointer, count: count))
  }

  /// The element at a flat (row-major) index.
  public subscript(flat i: Int) -> Element {
    get { buffer.pointer[i] }
    set { withUnsafeMutableBufferPointer { $0[i] = newValue } }
  }

  /// The element at a full multi-index; traps on a wrong index (use for tests and small code).
  public subscript(_ index: Int...) -> Element {
    get { buffer.pointer[flatIndex(index)] }
    set { let f = flatIndex(index); withUnsafeMutableBufferPointer { $0[f] = newValue } }
  }

  func flatIndex(_ index: [Int]) -> Int {
    precondition(index.count == shape.count, "index rank \(index.count) for shape \(shape)")
    var f = 0
    for (i, d) in Swift.zip(index, shape) {
      precondition(i >= 0 && i < d, "index \(index) out of range for shape \(shape)")
      f = f * d + i
    }
    return f
  }

  /// The only element of a one-element array.
  public func item() throws -> Element {
    guard count == 1 else { throw TensorError("item", "expected one element, got shape \(shapeString(shape))") }
    return buffer.pointer[0]
  }

  /// Same elements, new shape (no copy). One dimension may be -1 (inferred).
  public func reshaped(_ newShape: [Int]) throws -> NDArray {
    var dims = newShape
    let inferred = dims.filter { $0 == -1 }.count
    let bytes = MemoryLayout<Element>.stride
    if inferred == 1, let known = try? TensorSize.check(dims.filter { $0 != -1 }, op: "reshape", elementBytes: bytes),
       known > 0, count % known == 0 {
      dims = dims.map { $0 == -1 ? count / known : $0 }
    }
    guard inferred <= 1, dims.allSatisfy({ $0 >= 0 }),
          try TensorSize.check(dims, op: "reshape", elementBytes: bytes) == count else {
      throw TensorError("reshape", "cannot reshape \(shapeString(shape)) to \(shapeString(newShape))")
    }
    var r = self
    r.shape = dims
    return r
  }

  /// Row-major strides of `shape`.
  public static func strides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
    return s
  }
}

/// Float32 tensor: the value type of dpl's `Tensor`.
public typealias Tensor = NDArray<Float>
/// Int32 tensor: indices (`argmax`, `dp_contour`), labels.
public typealias IntTensor = NDArray<Int32>

extension NDArray {
  /// Converts element type (Int32 → Float or back, rounding toward zero).
  public func map<T: TensorElement>(_ f: (Element) -> T) -> NDArray<T> {
    var r = NDArray<T>(uninitialized: shape)
    let src = buffer.pointer, dst = r.buffer.pointer
    for i in 0..<count { dst[i] = f(src[i]) }
    r.shape = shape
    return r
  }
}

extension NDArray: CustomStringConvertible {
  public var description: String {
    let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
    return "\(Element.dtypeName)\(shapeString(shape))[\(shown)\(count > 8 ? ", …" : "")]"
  }
}

extension NDArray: Equatable {
  /// Same shape and bitwise-equal elements.
  public static func == (a: NDArray, b: NDArray) -> Bool {
    a.shape == b.shape && (a.buffer === b.buffer || a.scalars == b.scalars)
  }
}

/// Arrays are values: a shared buffer is copied before any write (copy-on-write).
extension NDArray: @unchecked Sendable {}
