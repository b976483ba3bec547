extension Checker {
  /// Resolves a written type. Unknown names are errors and give the `.error` type.
  func resolveType(_ t: TypeExpr) -> ValueType {
    switch t {
    case .tuple(let items, _): return .tuple(items.map(resolveType))
    case .list(let elem, _): return .list(resolveType(elem), count: nil)
    case .named(let name, let dims, let span):
      let shape: [Dim]? = dims.map { ds in
        ds.map { d in
          switch d {
          case .known(let v): return .known(v)
          case .symbol(let s): return .symbol(s)
          case .any: return .unknown
          }
        }
      }
      switch name {
      case "Tensor": return .tensor(shape)
      case "IntTensor": return .intTensor(shape)
      default: break
      }
      if dims != nil {
        diags.error("only Tensor and IntTensor take dimensions", at: span)
        return .error
      }
      switch name {
      case "Int": return .int
      case "Float": return .float
      case "Bool": return .bool
      case "String": return .string
      case "Any": return .any
      case "Optimizer": return .optimizer
      case "Layer": return .layer(LayerInfo.any)
      case "Range": return .range
      default: break
      }
      let parts = name.split(separator: ".").map(String.init)
      if parts.count == 2, let id = lookup(parts[0]), case .module(let m) = symbols[id].kind {
        if let e = moduleExports[m]?[parts[1]], case .model(let q) = symbols[e].kind { return .model(q) }
      } else if parts.count == 1, let id = lookup(name), case .model(let q) = symbols[id].kind {
        return .model(q)
      }
      var notes: [Note] = []
      if let best = closest(name, in: ["Int", "Float", "Bool", "String", "Tensor", "IntTensor", "Any", "Optimizer", "Layer"]) {
        notes.append(Note("did you mean '\(best)'?"))
      }
      diags.error("unknown type '\(name)'", at: span, notes: notes)
      return .error
    }
  }

  /// Whether a value of type `from` may be used where `to` is expected.
  func assignable(_ from: ValueType, to: ValueType) -> Bool {
    if from.isLenient || to.isLenient || from == to { return true }
    switch (from, to) {
    case (.int, .float): return true
    case (.tensor(let a), .tensor(let b)), (.intTensor(let a), .intTensor(let b)): return shapesCompatible(a, b)
    case (.list(let a, _), .list(let b, _)): return assignable(a, to: b)
    case (.tuple(let a), .tuple(let b)): return a.count == b.count && zip(a, b).allSatisfy { assignable($0, to: $1) }
    case (.layer, .layer): return true
    case (.model, .layer): return to == .layer(LayerInfo.any)
    default: return false
    }
  }

  /// Shapes that could be equal at run time.
  func shapesCompatible(_ a: [Dim]?, _ b: [Dim]?) -> Bool {
    guard let a, let b else { return true }
    guard a.count == b.count else { return false }
    return zip(a, b).allSatisfy { x, y in
      if case .known(let p) = x, case .known(let q) = y { return p == q }
      return true
    }
  }

  /// A declared type, filled in with what the value's type knows (an annotation
  /// `Tensor` on a `Tensor[2, 3]` keeps the shape).
  func refine(_ declared: ValueType, with actual: ValueType) -> ValueType {
    switch (declared, actual) {
    case (.tensor(nil), .tensor(let s)): return .tensor(s)
    case (.intTensor(nil), .intTensor(let s)): return .intTensor(s)
    case (.tensor(let d?), .tensor(let a?)) where d.count == a.count:
      return .tensor(zip(d, a).map { x, y in x == .unknown ? y : x })
    case (.float, _), (.any, _): return declared == .any ? actual : declared
    default: return declared.isLenient ? actual : declared
    }
  }

  /// The type of a value that is one of two types (`if` branches), or nil if they clash.
  func join(_ a: ValueType, _ b: ValueType) -> ValueType? {
    if a == b { return a }
    if a == .error || b == .error { return .error }
    if a == .any || b == .any { return .any }
    switch (a, b) {
    case (.int, .float), (.float, .int): return .float
    case (.tensor(let x), .tensor(let y)): return .tensor(joinShapes(x, y))
    case (.intTensor(let x), .intTensor(let y)): return .intTensor(joinShapes(x, y))
    case (.list(let x, let n), .list(let y, let m)): return join(x, y).map { .list($0, count: n == m ? n : nil) }
    case (.tuple(let xs), .tuple(let ys)) where xs.count == ys.count:
      var out: [ValueType] = []
      for (x, y) in zip(xs, ys) {
        guard let j = join(x, y) else { return nil }
        out.append(j)
      }
      return .tuple(out)
    case (.layer, .layer): return .layer(LayerInfo.any)
    // Two kinds of model (or a model and a layer): some value with parameters, used as a
    // parameter typed `Any` is (calls and members checked at run time).
    case (.model, .model), (.model, .layer), (.layer, .model): return .any
    // A model or a String: a `@bypass` strategy chosen at run time (a surrogate or a name).
    case (.model, .string), (.layer, .string), (.string, .model), (.string, .layer): return .any
    default: return nil
    }
  }

  func joinShapes(_ a: [Dim]?, _ b: [Dim]?) -> [Dim]? {
    guard let a, let b, a.count == b.count else { return nil }
    return zip(a, b).map { $0 == $1 ? $0 : .unknown }
  }
}
