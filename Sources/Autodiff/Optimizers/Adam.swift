import Foundation
import Tensor

/// Adam (Kingma & Ba 2015) with bias correction; optional decoupled weight decay (AdamW).
public final class Adam: Optimizer {
  public let parameters: [Parameter]
  public var lr: Float
  public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
  private var m: [Tensor], v: [Tensor]
  public private(set) var t = 0

  public init(_ parameters: [Parameter], lr: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
              eps: Float = 1e-8, weightDecay: Float = 0) {
    self.parameters = parameters
    self.lr = lr; self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
    m = parameters.map { Tensor.zeros($0.value.shape) }
    v = parameters.map { Tensor.zeros($0.value.shape) }
  }

  public func step() throws {
    t += 1
    let c1 = 1 - Float(Foundation.pow(Double(beta1), Double(t)))
    let c2 = 1 - Float(Foundation.pow(Double(beta2), Double(t)))
    let stepSize = lr / c1, b1 = beta1, b2 = beta2, e = eps, decay = lr * weightDecay
    let rc2 = 1 / c2.squareRoot()
    for (k, p) in parameters.enumerated() {
      guard let g = p.grad else { continue }
      guard g.shape == p.value.shape else {
        throw TensorError("adam", "gradient \(shapeString(g.shape)) for parameter '\(p.name)' \(shapeString(p.value.shape))")
      }
      g.withUnsafeBufferPointer { gp in
        m[k].withUnsafeMutableBufferPointer { mp in
          v[k].withUnsafeMutableBufferPointer { vp in
            p.value.withUnsafeMutableBufferPointer { w in
              Parallel.forEachChunk(w.count, cost: 16) { r in  // a square root and a division each
                for i in r {
                  let gi = gp[i]
                  mp[i] = b1 * mp[i] + (1 - b1) * gi
                  vp[i] = b2 * vp[i] + (1 - b2) * gi * gi
                  if decay != 0 { w[i] -= decay * w[i] }
                  w[i] -= stepSize * mp[i] / ((vp[i]).squareRoot() * rc2 + e)
                }
              }
            }
          }
        }
      }
    }
  }

  public var state: [String: Tensor] {
    var s: [String: Tensor] = ["step": Tensor(scalar: Float(t))]
    for (k, p) in parameters.enumerated() {
      s["\(p.name).exp_avg"] = m[k]
      s["\(p.name).exp_avg_sq"] = v[k]
    }
    return s
  }

  public func load(state s: [String: Tensor]) throws {
    let step = try stateTensor(s, "step", shape: [])
    for (k, p) in parameters.enumerated() {
      m[k] = try stateTensor(s, "\(p.name).exp_avg", shape: p.value.shape)
      v[k] = try stateTensor(s, "\(p.name).exp_avg_sq", shape: p.value.shape)
    }
    t = Int(step[flat: 0])
  }
}
