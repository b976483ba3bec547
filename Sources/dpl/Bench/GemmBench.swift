import Foundation
import Tensor

/// Single-precision matrix multiply through OpenBLAS, split over both cores.
enum GemmBench {
  static let all = [512, 1024, 2048].map { n in
    Benchmark(name: "sgemm/\(n)") {
      var rng = RNG(seed: 1)
      let a = rng.normal([n, n]), b = rng.normal([n, n])
      let (ms, iters) = try Measure.median(iterations: n >= 2048 ? 5 : 10) { _ = try a.matmul(b) }
      let gflops = 2 * Double(n * n * n) / (ms / 1000) / 1e9
      return BenchResult(medianMs: ms, figures: [("gflops", gflops)], iterations: iters)
    }
  } + (ProcessInfo.processInfo.environment["DPL_BENCH_SHAPES"] != nil ? shapes : [])

  /// Conv-shaped GEMMs on one thread (`gemmshape/…`, listed only when `DPL_BENCH_SHAPES` is set): which orientation
  /// of a convolution's products OpenBLAS runs fastest.
  typealias Shape = (ta: Bool, tb: Bool, m: Int, n: Int, k: Int, beta: Float)
  static let shapeList: [Shape] = {
    var list: [Shape] = []
    let plain: [(Bool, Bool, Int, Int, Int)] = [
      (false, false, 16, 384, 144),
      (false, false, 144, 16, 384),
      (false, false, 288, 16, 192),
      (false, false, 288, 32, 96),
      (false, false, 144, 16, 256),
      (false, false, 16, 48, 1152),
      (false, false, 64, 96, 144),
      (false, false, 128, 48, 144),
      (false, false, 64, 24, 576),
      (false, false, 32, 96, 288),
      (false, false, 64, 48, 288),
      (false, false, 128, 64, 128),
      (false, false, 128, 256, 1152),
      (false, false, 32, 64, 512),
      (false, false, 64, 64, 256),
      (false, false, 576, 64, 24),
      (false, false, 1152, 64, 12),
      (false, false, 576, 32, 48),
      (false, false, 1152, 128, 6),
    ]
    for (ta, tb, m, n, k) in plain { list.append((ta, tb, m, n, k, 0)) }
    // Weight-gradient shapes (accumulating, beta 1): K rows × Cout columns × block depth.
    let dw: [(Bool, Bool, Int, Int, Int)] = [
      (false, false, 144, 16, 128), (false, false, 144, 16, 256), (false, false, 144, 16, 384),
      (false, false, 144, 16, 512), (false, false, 144, 16, 1024), (false, false, 144, 16, 2048),
      (false, false, 288, 32, 64), (false, false, 288, 32, 128), (false, false, 288, 32, 256),
      (false, false, 288, 32, 512),
      (false, true, 144, 16, 384), (true, false, 16, 144, 384), (false, true, 16, 144, 384),
      (false, false, 2304, 256, 64), (false, false, 2304, 256, 320)]
    for (ta, tb, m, n, k) in dw { list.append((ta, tb, m, n, k, 1)) }
    // A 3 × 3 convolution as nine accumulating GEMMs over shifted views of a padded image
    // (depth Cin each, `convForwardShifted`) instead of one over its im2col columns (9·Cin).
    let shifted: [(Bool, Bool, Int, Int, Int)] = [
      (false, false, 16, 390, 16), (false, false, 16, 1170, 16), (false, false, 32, 396, 32),
      (false, false, 32, 660, 32), (false, false, 64, 340, 64)]
    for (ta, tb, m, n, k) in shifted { list.append((ta, tb, m, n, k, 1)) }
    return list
  }()
  static let shapes: [Benchmark] = shapeList.map { s in
    let (ta, tb, m, n, k, beta) = s
    return Benchmark(name: "gemmshape/\(ta ? "T" : "N")\(tb ? "T" : "N")_\(m)x\(n)x\(k)_b\(Int(beta))") {
      var rng = RNG(seed: 1)
      let a = rng.normal([m * k]), b = rng.normal([k * n])
      var c = Tensor.zeros([m * n])
      let (ms, iters) = Measure.median(iterations: 20) {
        a.withUnsafeBufferPointer { ap in
          b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
              sgemmSerial(transA: ta, transB: tb, m: m, n: n, k: k, a: ap.baseAddress!, lda: ta ? m : k,
                          b: bp.baseAddress!, ldb: tb ? k : n, beta: beta, c: cp.baseAddress!, ldc: n)
            }
          }
        }
      }
      return BenchResult(medianMs: ms, figures: [("gflops", 2 * Double(m * n * k) / (ms / 1000) / 1e9)], iterations: iters)
    }
  }
}
