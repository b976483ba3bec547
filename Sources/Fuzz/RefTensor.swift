import Foundation

/// A small row-major tensor of Doubles: the reference the differential fuzzer evaluates
/// generated programs with (`ProgramGenerator`), independent of dpl's Float32 kernels.
struct RefTensor: Equatable {
  var shape: [Int]
  var data: [Double]

  init(shape: [Int], data: [Double]) {
    self.shape = shape
    self.data = data
  }

  init(scalar: Double) { self.init(shape: [], data: [scalar]) }

  var count: Int { data.count }

  /// Row-major strides of a shape.
  static func strides(_ shape: [Int]) -> [Int] {
    var s = Array(repeating: 1, count: shape.count)
    var acc = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
      s[d] = acc
      acc *= shape[d]
    }
    return s
  }

  /// Applies `f` to every element.
  func map(_ f: (Double) -> Double) -> RefTensor { RefTensor(shape: shape, data: data.map(f)) }

  /// NumPy broadcasting of two shapes, or nil when they clash.
  static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let n = max(a.count, b.count)
    var out: [Int] = []
    for k in 0..<n {
      let da = k < n - a.count ? 1 : a[k - (n - a.count)]
      let db = k < n - b.count ? 1 : b[k - (n - b.count)]
      if da != db && da != 1 && db != 1 { return nil }
      out.append(max(da, db))
    }
    return out
  }

  /// The flat index into `self` of the element at `index` of a broadcast shape.
  func broadcastOffset(_ index: [Int]) -> Int {
    let st = RefTensor.strides(shape)
    let lead = index.count - shape.count
    var off = 0
    for d in 0..<shape.count where shape[d] != 1 { off += index[lead + d] * st[d] }
    return off
  }

  /// Every multi-index of a shape, in row-major order.
  static func indices(_ shape: [Int]) -> [[Int]] {
    var out: [[Int]] = [[]]
    for d in shape { out = out.flatMap { prefix in (0..<d).map { prefix + [$0] } } }
    return out
  }

  /// Elementwise `f(a, b)` with broadcasting (shapes are known to agree).
  static func zip(_ a: RefTensor, _ b: RefTensor, _ f: (Double, Double) -> Double) -> RefTensor {
    if a.shape == b.shape { return RefTensor(shape: a.shape, data: Swift.zip(a.data, b.data).map(f)) }
    let shape = broadcastShape(a.shape, b.shape) ?? a.shape
    let data = indices(shape).map { i in f(a.data[a.broadcastOffset(i)], b.data[b.broadcastOffset(i)]) }
    return RefTensor(shape: shape, data: data)
  }

  /// The flat indices of each fibre along `axis` (one list per position of the other axes).
  func fibres(_ axis: Int) -> [[Int]] {
    let st = RefTensor.strides(shape)
    var others = shape
    others[axis] = 1
    return RefTensor.indices(others).map { i in
      let base = Swift.zip(i, st).map { $0 * $1 }.reduce(0, +)
      return (0..<shape[axis]).map { base + $0 * st[axis] }
    }
  }

  /// Reduces along `axis` (all elements when nil) with `f` over each fibre's values.
  func reduce(axis: Int?, keepdims: Bool, _ f: ([Double]) -> Double) -> RefTensor {
    guard let a = axis.map({ $0 < 0 ? $0 + shape.count : $0 }) else {
      return RefTensor(shape: keepdims ? shape.map { _ in 1 } : [], data: [f(data)])
    }
    var out = shape
    if keepdims { out[a] = 1 } else { out.remove(at: a) }
    return RefTensor(shape: out, data: fibres(a).map { f($0.map { data[$0] }) })
  }

  /// Applies `f` to the values of each fibre along `axis`, in place of them.
  func alongAxis(_ axis: Int, _ f: ([Double]) -> [Double]) -> RefTensor {
    let a = axis < 0 ? axis + shape.count : axis
    var out = data
    for fib in fibres(a) {
      let ys = f(fib.map { data[$0] })
      for (k, idx) in fib.enumerated() { out[idx] = ys[k] }
    }
    return RefTensor(shape: shape, data: out)
  }

  /// `diff` along `axis`: t[…, 1:] − t[…, :-1].
  func diff(axis: Int) -> RefTensor {
    let a = axis < 0 ? axis + shape.count : axis
    var out = shape
    out[a] -= 1
    var data: [Double] = Array(repeating: 0, count: out.reduce(1, *))
    let st = RefTensor.strides(out)
    for fib in fibres(a) {
      let vs = fib.map { self.data[$0] }
      // Position of this fibre in the output: its first element's multi-index.
      var rem = fib[0], idx: [Int] = []
      for s in RefTensor.strides(shape) { idx.append(rem / s); rem %= s }
      let base = Swift.zip(idx, st).map { $0 * $1 }.reduce(0, +)
      for k in 0..<(vs.count - 1) { data[base + k * st[a]] = vs[k + 1] - vs[k] }
    }
    return RefTensor(shape: out, data: data)
  }

  /// NumPy `matmul` for 1-D and 2-D operands.
  static func matmul(_ a: RefTensor, _ b: RefTensor) -> RefTensor {
    let a2 = a.shape.count == 1 ? RefTensor(shape: [1, a.shape[0]], data: a.data) : a
    let b2 = b.shape.count == 1 ? RefTensor(shape: [b.shape[0], 1], data: b.data) : b
    let (n, k, m) = (a2.shape[0], a2.shape[1], b2.shape[1])
    var data = Array(repeating: 0.0, count: n * m)
    for i in 0..<n { for j in 0..<m { for t in 0..<k { data[i * m + j] += a2.data[i * k + t] * b2.data[t * m + j] } } }
    var shape = [n, m]
    if b.shape.count == 1 { shape.removeLast() }
    if a.shape.count == 1 { shape.removeFirst() }
    return RefTensor(shape: shape, data: data)
  }

  /// Swaps the two axes of a 2-D tensor.
  func transposed() -> RefTensor {
    let (r, c) = (shape[0], shape[1])
    var data = Array(repeating: 0.0, count: r * c)
    for i in 0..<r { for j in 0..<c { data[j * r + i] = self.data[i * c + j] } }
    return RefTensor(shape: [c, r], data: data)
  }

  /// One item of an index expression: an integer (drops the axis) or a half-open slice.
  enum Item: Equatable {
    case at(Int)
    case slice(Int?, Int?)
  }

  /// `t[items]`: the leading axes indexed or sliced, the others kept.
  func index(_ items: [Item]) -> RefTensor {
    var ranges: [[Int]] = []
    var keep: [Bool] = []
    for d in 0..<shape.count {
      let n = shape[d]
      switch d < items.count ? items[d] : .slice(nil, nil) {
      case .at(let i):
        ranges.append([i < 0 ? i + n : i])
        keep.append(false)
      case .slice(let lo, let hi):
        let l = lo.map { $0 < 0 ? $0 + n : $0 } ?? 0, h = hi.map { $0 < 0 ? $0 + n : $0 } ?? n
        ranges.append(Array(l..<h))
        keep.append(true)
      }
    }
    let st = RefTensor.strides(shape)
    var picks: [[Int]] = [[]]
    for r in ranges { picks = picks.flatMap { p in r.map { p + [$0] } } }
    let data = picks.map { p in Swift.zip(p, st).map { $0 * $1 }.reduce(0, +) }.map { self.data[$0] }
    let out = ranges.enumerated().filter { keep[$0.offset] }.map { $0.element.count }
    return RefTensor(shape: out, data: data)
  }

  /// `stack(ts, axis:)` for axis 0 or the last new axis.
  static func stack(_ ts: [RefTensor], axis: Int) -> RefTensor {
    let inner = ts[0].shape
    if axis == 0 { return RefTensor(shape: [ts.count] + inner, data: ts.flatMap(\.data)) }
    var data: [Double] = []
    for i in 0..<ts[0].count { for t in ts { data.append(t.data[i]) } }
    return RefTensor(shape: inner + [ts.count], data: data)
  }

  /// Softmax of the values of one fibre.
  static func softmax(_ xs: [Double]) -> [Double] {
    let m = xs.max() ?? 0
    let e = xs.map { Foundation.exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
  }

  /// The largest absolute value (0 for an empty tensor).
  var maxAbs: Double { data.reduce(0) { max($0, Swift.abs($1)) } }
}
