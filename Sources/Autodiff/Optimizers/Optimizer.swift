import Tensor

/// Updates parameters from their gradients.
public protocol Optimizer: AnyObject {
  var parameters: [Parameter] { get }
  /// Applies one update from each parameter's `grad` (parameters without one are skipped).
  func step() throws
  /// Named state tensors (moments, step count), for checkpoints.
  var state: [String: Tensor] { get }
  /// Restores `state`; throws on a missing or mis-shaped entry.
  func load(state: [String: Tensor]) throws
}

extension Optimizer {
  public func zeroGrad() { for p in parameters { p.grad = nil } }
}

/// Reads `key` from a saved state, checking its shape.
func stateTensor(_ s: [String: Tensor], _ key: String, shape: [Int]) throws -> Tensor {
  guard let t = s[key] else { throw TensorError("optimizer", "checkpoint has no state '\(key)'") }
  guard t.shape == shape else {
    throw TensorError("optimizer", "state '\(key)' has shape \(shapeString(t.shape)), expected \(shapeString(shape))")
  }
  return t
}
