import CBLAS

/// Single-precision GEMM through OpenBLAS: `C = alpha·op(A)·op(B) + beta·C`, row-major.
///
/// OpenBLAS runs single-threaded (see `Parallel`). A large product is cut into pieces of
/// rows (or columns) of C whose bounds follow from `m`, `n` and `k` alone (`gemmPieces`),
/// one OpenBLAS call each, shared among the workers — or run one after another inside a
/// parallel region or with one worker. Every piece is the same call either way, so C's bits
/// do not depend on the worker count (OpenBLAS' result for a row can depend on the shape of
/// the call it is in: its small-matrix kernel, its edge kernels).
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                  b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
  if m == 0 || n == 0 { return }
  let (alongM, piece) = gemmPieces(m: m, n: n, k: k)
  let extent = alongM ? m : n, pieces = (extent + piece - 1) / piece
  if pieces <= 1 {
    sgemmSerial(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc)
    return
  }
  Parallel.forEach(pieces, cost: m * n * k / pieces) { p in
    let lo = p * piece, hi = min(extent, lo + piece)
    if alongM {
      sgemmSerial(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
                  a: transA ? a + lo : a + lo * lda, lda: lda, b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
    } else {
      sgemmSerial(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha, a: a, lda: lda,
                  b: transB ? b + lo * ldb : b + lo, ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
    }
  }
}

/// How `sgemm` cuts an `m × n` product of depth `k`: along M (else N) into pieces of `piece`
/// rows (columns) — at most 8 pieces of at least 64, in sixteens — or not at all below 4·10⁶
/// multiply-adds. A function of the shape only: never of the worker count.
func gemmPieces(m: Int, n: Int, k: Int) -> (alongM: Bool, piece: Int) {
  let alongM = m >= n || m >= 512
  let extent = alongM ? m : n
  guard m * n * k >= 4_000_000 && k > 0 else { return (alongM, extent) }
  return (alongM, max(64, (extent / 8 + 15) / 16 * 16))
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
