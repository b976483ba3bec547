import Autodiff
import IR
import Tensor

/// Subscripts, members, the rows a loop over a tensor takes, and layer application.
extension Interpreter {
  func index(_ base: Value, _ items: [IndexKind], _ args: [Value], _ op: IR.Op) throws -> Value {
    switch base {
    case .list(let xs), .tuple(let xs):
      guard items.count == 1 else { throw RuntimeError("a list takes one subscript", at: op.span) }
      if case .at = items[0] { return xs[try position(try int(args[0], op, "index"), count: xs.count, op)] }
      let r = try sliceRange(items[0], args, 0, op)
      let (lo, n) = try r.resolved(extent: xs.count, op)
      return .list(Array(xs[lo..<(lo + n)]))
    case .tensor(let v, _):
      return .tensor(try tensorIndex(v, items, args, op))
    case .intTensor(let t, _):
      return .intTensor(try tensorIndex(t, items, args, op), nil)
    case .string(let s):
      guard items.count == 1, case .at = items[0] else { throw RuntimeError("a String takes one index", at: op.span) }
      let chars = Array(s)
      return .string(String(chars[try position(try int(args[0], op, "index"), count: chars.count, op)]))
    default: throw RuntimeError("\(base.typeName) cannot be subscripted", at: op.span)
    }
  }

  /// A valid position for index `i` (negative counts from the end) in `count` elements.
  func position(_ i: Int, count: Int, _ op: IR.Op) throws -> Int {
    let j = i < 0 ? i + count : i
    guard j >= 0 && j < count else { throw RuntimeError("index \(i) is out of range for \(count) elements", at: op.span) }
    return j
  }

  /// The slice of item `k` whose bound operands start at `args[a]`.
  func sliceRange(_ item: IndexKind, _ args: [Value], _ a: Int, _ op: IR.Op) throws -> SliceRange {
    guard case .slice(let lower, let upper) = item else { return .all }
    var i = a
    var r = SliceRange()
    if lower { r.start = try int(args[i], op, "slice bound"); i += 1 }
    if upper { r.end = try int(args[i], op, "slice bound") }
    return r
  }

  /// `t[items]`: Int items pick (and drop) an axis, slices keep it, IntTensor items gather
  /// (`Checker.tensorIndexShape` has the shape rule).
  func tensorIndex<T: Subscriptable>(_ v: T, _ items: [IndexKind], _ args: [Value], _ op: IR.Op) throws -> T {
    let shape = v.shape
    guard items.count <= shape.count else {
      throw RuntimeError("\(items.count) subscripts for a tensor of shape \(shapeString(shape))", at: op.span)
    }
    var ranges: [SliceRange] = [], keep: [Bool] = [], gathers: [(Int, IntTensor)] = []
    var a = 0
    for (d, item) in items.enumerated() {
      switch item {
      case .at:
        if case .intTensor(let idx, _) = args[a], idx.rank > 0 {
          ranges.append(.all); keep.append(true); gathers.append((d, idx))
        } else {
          let i = try position(try int(args[a], op, "index"), count: shape[d], op)
          ranges.append(SliceRange(i, i + 1)); keep.append(false)
        }
        a += 1
      case .slice(let lower, let upper):
        ranges.append(try sliceRange(item, args, a, op)); keep.append(true)
        a += (lower ? 1 : 0) + (upper ? 1 : 0)
      }
    }
    var out = v
    if ranges.contains(where: { $0 != .all }) { out = try out.applying(.slice(ranges), self, op) }
    if keep.contains(false) {
      let newShape = out.shape.enumerated().filter { $0.offset >= keep.count || keep[$0.offset] }.map(\.element)
      out = try out.applying(.reshape(newShape), self, op)
    }
    // One index tensor gathers along its axis (counting only axes that remain); several
    // are paired element by element.
    if gathers.count > 1 {
      return try pairedGather(out, gathers.map { d, idx in (keep[..<d].filter { $0 }.count, idx) }, op)
    }
    if let (d, idx) = gathers.first { out = try out.applying(.gather(idx, axis: keep[..<d].filter { $0 }.count), self, op) }
    return out
  }

  func setIndex(_ base: Value, _ items: [IndexKind], _ args: [Value], _ value: Value, _ op: IR.Op) throws -> Value {
    switch base {
    case .list(var xs):
      guard items.count == 1, case .at = items[0] else { throw RuntimeError("a list element is set by one index", at: op.span) }
      xs[try position(try int(args[0], op, "index"), count: xs.count, op)] = value
      return .list(xs)
    case .tensor(let v, _):
      return .tensor(try assignRegion(v, items, args, value, op))
    case .intTensor(let t, nil):
      guard let part = try Self.integerValue(value, op) else {
        throw RuntimeError("cannot assign \(value.typeName) into an IntTensor", at: op.span, notes: ["convert with int(…)"])
      }
      let (ranges, region) = try assignmentRegion(t.shape, items, args, op)
      return .intTensor(try t.assigningSlice(try fitted(part, to: region, op), ranges: ranges), nil)
    default: throw RuntimeError("\(base.typeName) does not support element assignment", at: op.span)
    }
  }

  /// A field as a program reads it: a free parameter is its tensor, watched on the tape
  /// when the op records (so the optimizer's gradient reaches it).
  func fieldValue(_ v: Value, _ op: IR.Op) -> Value {
    guard case .parameter(let p) = v else { return v }
    return .tensor(op.record && tape.isRecording ? tape.watch(p) : Var(constant: p.value))
  }

  func member(_ base: Value, _ name: String, _ op: IR.Op) throws -> Value {
    switch (base, name) {
    case (.tensor(let v, _), "shape"): return .list(v.shape.map { .int($0) })
    case (.intTensor(let t, _), "shape"): return .list(t.shape.map { .int($0) })
    case (.tensor(let v, _), "rank"): return .int(v.shape.count)
    case (.intTensor(let t, _), "rank"): return .int(t.rank)
    case (.tuple(let xs), _):
      if let i = Int(name), i >= 0, i < xs.count { return xs[i] }
    case (.model(let m), _):
      if let v = m.field(name) { return fieldValue(v, op) }
      if models[m.typeName]?.methods[name] != nil { return .method(m, name) }
    case (.layer, _), (.gradient, _), (.list, _):
      if let v = parameterMember(base, name, op) { return v }
    default: break
    }
    throw RuntimeError("\(base.typeName) has no member '\(name)'", at: op.span)
  }

  /// Row `i` (along axis 0) of a tensor a `for` loop iterates over. The `for` op has no
  /// value, so the tape pass never marks it; the row of a tracked tensor is recorded anyway,
  /// or a gradient through the loop's rows would silently be zero.
  func row(_ v: Var, _ i: Int, _ op: IR.Op) throws -> Var {
    guard tape.isRecording, v.isActive else { return try tensorIndex(v, [.at], [.int(i)], op) }
    let slice = try tape.apply(.slice([SliceRange(i, i + 1)]), [v])
    return try tape.apply(.reshape(Array(v.shape.dropFirst())), [slice])
  }

  /// Applies a layer value, then a ReLU when `relu` (fused where the layer has a kernel for it).
  func applyLayer(_ layer: Value, _ x: Value, _ op: IR.Op, relu: Bool = false) throws -> Value {
    guard case .layer(let l) = layer else { throw RuntimeError("\(layer.typeName) is not a layer", at: op.span) }
    if let bn = l.layer as? BatchNorm2d { bn.training = training }
    let useTape = op.record && tape.isRecording ? tape : Tape(recording: false)
    return .tensor(try l.layer(try tensor(x, op), on: useTape, relu: relu))
  }
}

extension SliceRange {
  /// First index and count along an axis of `extent`.
  func resolved(extent: Int, _ op: IR.Op) throws -> (Int, Int) {
    var lo = start ?? 0, hi = end ?? extent
    if lo < 0 { lo += extent }
    if hi < 0 { hi += extent }
    lo = Swift.min(Swift.max(lo, 0), extent)
    hi = Swift.min(Swift.max(hi, lo), extent)
    return (lo, hi - lo)
  }
}
