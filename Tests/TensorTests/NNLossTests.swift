import Foundation
import Testing
@testable import Tensor

/// softmax / log_softmax, the activation backward rules and the losses against direct
/// formulas in Double, and their gradients against finite differences.

@Test(arguments: [0, 1, 2, -1])
func softmaxMatchesDirectFormula(axis: Int) throws {
  let x = randomTensor([3, 4, 5], seed: 51, scale: 3) + 100  // large offset: must stay stable
  let ax = axis < 0 ? axis + 3 : axis
  let shape = x.shape, strides = Tensor.strides(shape)
  var refS = [Double](repeating: 0, count: x.count), refL = refS
  for i in 0..<x.count where (i / strides[ax]) % shape[ax] == 0 {
    let line = (0..<shape[ax]).map { i + $0 * strides[ax] }
    let m = line.map { Double(x[flat: $0]) }.max()!
    let z = line.reduce(0.0) { $0 + exp(Double(x[flat: $1]) - m) }
    for j in line { refS[j] = exp(Double(x[flat: j]) - m) / z; refL[j] = Double(x[flat: j]) - m - log(z) }
  }
  let s = try softmax(x, axis: axis), l = try logSoftmax(x, axis: axis)
  expectClose(s, refS, "softmax")
  expectClose(l, refL, rtol: 1e-5, atol: 1e-6, "log_softmax")
  let x0 = randomTensor([3, 4, 5], seed: 52)
  try checkGradient(x0, "softmax", f: { try softmax($0, axis: axis) },
                    grad: { try softmaxBackward($0, y: try softmax(x0, axis: axis), axis: axis) })
  try checkGradient(x0, "log_softmax", f: { try logSoftmax($0, axis: axis) },
                    grad: { try logSoftmaxBackward($0, y: try logSoftmax(x0, axis: axis), axis: axis) })
  #expect(throws: TensorError.self) { try softmax(x, axis: 3) }
}

@Test func activationBackwardRules() throws {
  let x = distinctTensor([4, 7], seed: 53)
  try checkGradient(x, "relu (input)", f: { $0.map(.relu) }, grad: { try reluBackward($0, x) })
  try checkGradient(x, "relu (output)", f: { $0.map(.relu) }, grad: { try reluBackward($0, x.map(.relu)) })
  try checkGradient(x, "sigmoid", f: { $0.map(.sigmoid) }, grad: { try sigmoidBackward($0, y: x.map(.sigmoid)) })
  try checkGradient(x, "tanh", f: { $0.map(.tanh) }, grad: { try tanhBackward($0, y: x.map(.tanh)) })
  #expect(throws: TensorError.self) { try reluBackward(.zeros([2]), .zeros([3])) }
}

@Test func mseMatchesFormula() throws {
  let a = randomTensor([3, 5], seed: 61), b = randomTensor([3, 5], seed: 62)
  let ref = zip(doubles(a), doubles(b)).reduce(0.0) { $0 + pow($1.0 - $1.1, 2) } / 15
  #expect(abs(Double(try mse(a, b).item()) - ref) < 1e-5)
  #expect(try mse(a, b).shape == [])
  try checkGradient(a, "mse da", f: { try mse($0, b) }, grad: { try mseBackward($0, a, b).da })
  try checkGradient(b, "mse db", f: { try mse(a, $0) }, grad: { try mseBackward($0, a, b).db })
  #expect(throws: TensorError.self) { try mse(a, .zeros([5, 3])) }
}

/// (input shape, target shape, class axis the rule must pick)
@Test(arguments: [([4, 3], [4], 1), ([2, 3, 4, 5], [2, 4, 5], 1), ([2, 5, 7], [2, 5], 2), ([6], [], 0), ([2, 3, 3], [2, 3], 1)])
func nllAndCrossEntropy(inputShape: [Int], targetShape: [Int], axis: Int) throws {
  let logits = randomTensor(inputShape, seed: 71)
  let c = inputShape[axis]
  var rng = RNG(seed: 72)
  let target = IntTensor(shape: targetShape) { _ in Int32(rng.int(below: c)) }
  let logp = try logSoftmax(logits, axis: axis)
  let inner = inputShape[(axis + 1)...].reduce(1, *)
  var ref = 0.0
  for t in 0..<target.count {
    ref -= Double(logp[flat: (t / inner) * c * inner + Int(target[flat: t]) * inner + t % inner])
  }
  ref /= Double(target.count)
  #expect(abs(Double(try nll(logp, target: target).item()) - ref) < 1e-5)
  #expect(abs(Double(try crossEntropy(logits, target: target).item()) - ref) < 1e-5)
  #expect(abs(Double(try crossEntropy(logits, target: target, classAxis: axis).item()) - ref) < 1e-5)
  try checkGradient(logp, "nll", f: { try nll($0, target: target) },
                    grad: { try nllBackward($0, inputShape: inputShape, target: target) })
  try checkGradient(logits, "cross_entropy", f: { try crossEntropy($0, target: target) },
                    grad: { try crossEntropyBackward($0, logits: logits, target: target) })
}

@Test func lossErrorsThrow() {
  let logp = Tensor.zeros([2, 3, 4])
  #expect(throws: TensorError.self) { try nll(logp, target: IntTensor(shape: [2, 3, 4], repeating: 0)) }
  #expect(throws: TensorError.self) { try nll(logp, target: IntTensor(shape: [2, 4], repeating: 3)) }
  #expect(throws: TensorError.self) { try nll(logp, target: IntTensor(shape: [2, 4], repeating: 0), classAxis: 2) }
  // Explicit last axis when both rules fit.
  let sq = randomTensor([2, 3, 3], seed: 73)
  let t = IntTensor(shape: [2, 3], repeating: 1)
  #expect((try? nll(sq, target: t, classAxis: -1).item()) != (try? nll(sq, target: t).item()))
}
