/// An error from a tensor operation: the op's name and what was wrong with its operands.
/// Kernels throw these instead of trapping, so the runtime can point at the source span.
public struct TensorError: Error, CustomStringConvertible, Equatable {
  public let op: String
  public let message: String

  public init(_ op: String, _ message: String) {
    self.op = op
    self.message = message
  }

  public var description: String { "\(op): \(message)" }
}

/// Formats a shape as `[2, 3]`.
public func shapeString(_ shape: [Int]) -> String {
  "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
