import CBLAS

/// Single-precision GEMM through OpenBLAS: `C = alpha·op(A)·op(B) + beta·C`, row-major.
///
/// OpenBLAS runs single-threaded (see `Parallel`); when called outside a parallel region
/// on a large problem, the rows of C are split across the workers instead.
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                  b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
  if m == 0 || n == 0 { return }
  let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
  let workers = Parallel.workers
  let flops = m * n * k
  if workers > 1 && flops >= 4_000_000 && k > 0 {
    // Split the longer of M and N so each worker gets a well-shaped block.
    if m >= n || m >= 64 * workers {
      Parallel.forEachChunk(workers, cost: 1 << 20) { r in
        for w in r {
          let lo = m * w / workers, hi = m * (w + 1) / workers
          if lo == hi { continue }
          let aw = transA ? a + lo : a + lo * lda
          BLAS.sgemm(CblasRowMajor, ta, tb, Int32(hi - lo), Int32(n), Int32(k), alpha, aw, Int32(lda),
                      b, Int32(ldb), beta, c + lo * ldc, Int32(ldc))
        }
      }
    } else {
      Parallel.forEachChunk(workers, cost: 1 << 20) { r in
        for w in r {
          let lo = n * w / workers, hi = n * (w + 1) / workers
          if lo == hi { continue }
          let bw = transB ? b + lo * ldb : b + lo
          BLAS.sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(hi - lo), Int32(k), alpha, a, Int32(lda),
                      bw, Int32(ldb), beta, c + lo, Int32(ldc))
        }
      }
    }
    return
  }
  BLAS.sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
              b, Int32(ldb), beta, c, Int32(ldc))
}

/// `sgemm` on the calling thread only (no split across workers): for callers that already
/// run one GEMM per worker.
public func sgemmSerial(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                        b: UnsafePointer<Float>, ldb: Int,
                        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
  if m == 0 || n == 0 { return }
  BLAS.sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
             Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

extension Tensor {
  /// Matrix product over the last two axes; leading (batch) axes broadcast.
  /// A rank-1 operand is a row vector on the left and a column vector on the right.
  public func matmul(_ other: Tensor) throws -> Tensor {
    let a = rank == 1 ? try reshaped([1, count]) : self
    let b = other.rank == 1 ? try other.reshaped([other.count, 1]) : other
    guard a.rank >= 2, b.rank >= 2, a.shape[a.rank - 1] == b.shape[b.rank - 2] else {
      throw TensorError("matmul", "shapes \(shapeString(shape)) and \(shapeString(other.shape)) do not multiply")
    }
    let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
    guard let batch = Broadcast.shape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else {
      throw TensorError("matmul", "batch axes of \(shapeString(shape)) and \(shapeString(other.shape)) do not broadcast")
    }
    try TensorSize.check(batch + [m, n], op: "matmul")
    let out = Tensor(uninitialized: batch + [m, n])
    let nb = batch.reduce(1, *)
    let sa = Broadcast.strides(of: Array(a.shape.dropLast(2)), in: batch)
    let sb = Broadcast.strides(of: Array(b.shape.dropLast(2)), in: batch)
    let bs = Tensor.strides(batch)
    for i in 0..<nb {
      var oa = 0, ob = 0, rem = i
      for d in 0..<batch.count { let q = rem / bs[d]; rem %= bs[d]; oa += q * sa[d]; ob += q * sb[d] }
      sgemm(m: m, n: n, k: k, a: a.buffer.pointer + oa * m * k, lda: k,
            b: b.buffer.pointer + ob * k * n, ldb: n, c: out.buffer.pointer + i * m * n, ldc: n)
    }
    if rank == 1 && other.rank == 1 { return try out.reshaped([]) }
    if rank == 1 { return try out.reshaped(Array(out.shape.dropLast(2)) + [n]) }
    if other.rank == 1 { return try out.reshaped(Array(out.shape.dropLast(2)) + [m]) }
    return out
  }
}
