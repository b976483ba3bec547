/// The shape rule of `t[items]` on a tensor: an `Int` drops its axis, a slice keeps it
/// (its size known from constant bounds), an `IntTensor` replaces its axis by the index's
/// shape. Several index tensors are broadcast together and pick elements pairwise
/// (`t[rows, cols][k] = t[rows[k], cols[k]]`); their broadcast shape takes the place of the
/// first one when they are adjacent (Ints between them dropped), else it comes first, as
/// in NumPy.
extension Checker {
  /// The result's shape: `.shape(nil)` when unknown, `.invalid` after an error.
  enum IndexShape {
    case shape([Dim]?)
    case invalid
  }

  func tensorIndexShape(_ shape: [Dim]?, _ items: [IndexItem]) -> IndexShape {
    if let shape, items.count > shape.count {
      diags.error("too many indices for a tensor of rank \(shape.count): \(items.count)", at: items[shape.count].span)
      return .invalid
    }
    var out: [Dim] = []
    var known = shape != nil
    // Index tensors: their place among the kept axes, their shape, and their span.
    var tensors: [(at: Int, shape: [Dim]?, span: Span)] = []
    for (i, item) in items.enumerated() {
      let dim = shape.map { $0[i] } ?? .unknown
      switch item {
      case .expr(let x):
        let it = types[x.id] ?? .error
        switch it {
        case .int:
          if case .known(let n) = dim, let c = consts[x.id]?.intValue, c >= n || c < -n {
            diags.error("index \(c) is out of range for axis \(i) of size \(n)", at: x.span)
          }
        case .intTensor(let s) where s?.isEmpty == true: break  // a 0-d index is an Int
        case .intTensor(let s):
          tensors.append((out.count, s, x.span))
          out.append(dim)  // a placeholder, replaced below
        case .any, .error: known = false
        case .tensor:
          diags.error("a tensor index must be Int or IntTensor, not \(it)", at: x.span,
                      notes: [Note("convert with int(…) if the values are indices")])
          return .invalid
        default:
          diags.error("a tensor index must be Int or IntTensor, not \(it)", at: x.span)
          return .invalid
        }
      case .slice(let lo, let hi, _):
        let l = lo.flatMap { consts[$0.id]?.intValue } ?? (lo == nil ? 0 : nil)
        var h = hi.flatMap { consts[$0.id]?.intValue }
        if hi == nil, case .known(let n) = dim { h = n }
        if case .known(let n) = dim, var l, var h {
          if l < 0 { l += n }
          if h < 0 { h += n }
          out.append(.known(max(0, min(h, n) - max(0, l))))
        } else {
          out.append(lo == nil && hi == nil ? dim : .unknown)
        }
      }
    }
    if let shape { out += shape.dropFirst(items.count) }
    guard !tensors.isEmpty else { return .shape(known ? out : nil) }
    // The index tensors' common shape.
    var common: [Dim]? = tensors[0].shape
    for t in tensors.dropFirst() {
      switch ShapeRules.broadcast(common, t.shape) {
      case .success(let s): common = s
      case .failure(let e):
        diags.error("index tensors are paired element by element, but " + e.message, at: t.span,
                    notes: [Note("for every row with every column, index one axis at a time: t[rows][:, cols]")])
        return .invalid
      }
    }
    guard known, let common else { return .shape(nil) }
    let places = tensors.map(\.at)
    let adjacent = places[places.count - 1] - places[0] == places.count - 1
    var rest = out
    for p in places.reversed() { rest.remove(at: p) }
    let at = adjacent ? places[0] : 0
    return .shape(Array(rest[..<at]) + common + Array(rest[at...]))
  }
}
