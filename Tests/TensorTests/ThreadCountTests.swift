import Testing
@testable import Tensor

/// Every kernel whose work is split across threads gives the same bits under any worker
/// count (`Parallel`'s file comment): each case runs under 1, 2, 3 and 8 workers and the
/// results are compared bit for bit, not within a tolerance.

/// Runs `body` under each worker count and expects the tensors it returns to be the same
/// bits as under one worker.
func expectSameBitsUnderWorkerCounts(_ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                                     _ body: () throws -> [Tensor]) throws {
  let reference = try Parallel.$workersOverride.withValue(1) { try body() }
  for workers in [2, 3, 8] {
    let got = try Parallel.$workersOverride.withValue(workers) { try body() }
    #expect(got.count == reference.count, sourceLocation: sourceLocation)
    for (k, (g, r)) in zip(got, reference).enumerated() {
      let (gs, rs) = (g.scalars, r.scalars)
      let differ = gs.count == rs.count ? gs.indices.first { gs[$0].bitPattern != rs[$0].bitPattern } : 0
      #expect(g.shape == r.shape && differ == nil,
              "\(what), result \(k): element \(differ ?? -1) differs between 1 and \(workers) workers",
              sourceLocation: sourceLocation)
    }
  }
}

/// Products cut along M and along N, at and past `gemmPieces`' threshold, and batched.
@Test(arguments: [(256, 200, 300), (100, 700, 90), (37, 1500, 80), (900, 64, 128)])
func matmulBitsIgnoreWorkerCount(mnk: (Int, Int, Int)) throws {
  let (m, n, k) = mnk
  let a = randomTensor([m, k], seed: 1), b = randomTensor([k, n], seed: 2)
  try expectSameBitsUnderWorkerCounts("matmul \(m)×\(n)×\(k)") { [try a.matmul(b)] }
}

/// A convolution case whose forward and both gradients go through the split paths: many
/// (image, row block) items (weight-gradient partial sums), batches of ≥ 4 images with ≥ 32
/// channels (shifted GEMMs), small stacked images (direct kernels' groups), large GEMMs.
let threadCountConvCases: [ConvCase] = [
  ConvCase(n: 6, cin: 16, cout: 16, h: 40, w: 40, k: 3, stride: 1, pad: 1),
  ConvCase(n: 5, cin: 32, cout: 40, h: 12, w: 12, k: 3, stride: 1, pad: 1),
  ConvCase(n: 12, cin: 16, cout: 16, h: 4, w: 5, k: 3, stride: 1, pad: 1),
  ConvCase(n: 3, cin: 8, cout: 12, h: 30, w: 20, k: 3, stride: 2, pad: 1),
  ConvCase(n: 4, cin: 64, cout: 64, h: 16, w: 16, k: 1, stride: 1, pad: 0),
  ConvCase(n: 2, cin: 3, cout: 8, h: 33, w: 35, k: 5, stride: 1, pad: 2),
]

@Test(arguments: threadCountConvCases, convStrategySets)
func convBitsIgnoreWorkerCount(_ c: ConvCase, strategies: ConvStrategies) throws {
  let x = randomTensor([c.n, c.cin, c.h, c.w], seed: 3), w = randomTensor([c.cout, c.cin, c.k, c.k], seed: 4, scale: 0.2)
  let bias = randomTensor([c.cout], seed: 5)
  try ConvStrategies.$current.withValue(strategies) {
    try expectSameBitsUnderWorkerCounts("conv2d \(c.testDescription), \(strategies)") {
      let y = try conv2d(x, weight: w, bias: bias, stride: c.stride, padding: c.pad)
      let g = try conv2dBackward(randomTensor(y.shape, seed: 6), x: x, weight: w, hasBias: true,
                                 stride: c.stride, padding: c.pad)
      return [y, g.dx!, g.dw, g.db!]
    }
    // conv_transpose2d reads the same geometry the other way round.
    let wt = randomTensor([c.cin, c.cout, c.k, c.k], seed: 7, scale: 0.2)
    try expectSameBitsUnderWorkerCounts("conv_transpose2d \(c.testDescription), \(strategies)") {
      let y = try convTranspose2d(x, weight: wt, bias: nil, stride: c.stride, padding: c.pad)
      let g = try convTranspose2dBackward(randomTensor(y.shape, seed: 8), x: x, weight: wt, hasBias: false,
                                          stride: c.stride, padding: c.pad)
      return [y, g.dx!, g.dw]
    }
  }
}

/// Batch norm (per-channel sums), reductions, softmax and max-pool with their gradients.
@Test func normalisationAndReductionBitsIgnoreWorkerCount() throws {
  let x = randomTensor([6, 16, 24, 24], seed: 9)
  let gamma = randomTensor([16], seed: 10), beta = randomTensor([16], seed: 11)
  try expectSameBitsUnderWorkerCounts("batch norm, reductions, softmax, pool") {
    var running = BatchNormStats(channels: 16)
    let (y, mean, invstd) = try batchNorm2dTraining(x, gamma: gamma, beta: beta, running: &running, momentum: 0.1, eps: 1e-5)
    let g = try batchNorm2dBackward(y, x: x, gamma: gamma, mean: mean, invstd: invstd)
    let (p, idx) = try maxPool2d(x, kernel: 2)
    return [y, g.dx, g.dgamma, g.dbeta, running.mean, running.variance,
            try x.reduce(.sum), try x.reduce(.mean, axis: 1), try x.reduce(.max, axis: 3),
            try softmax(x, axis: 1), try logSoftmax(x, axis: 3),
            try maxPool2dBackward(p, indices: idx, inputShape: x.shape)]
  }
}
