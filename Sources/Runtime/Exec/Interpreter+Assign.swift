import Autodiff
import IR
import Tensor

/// Assignment into a region of a tensor variable: `d[:, 1, 2] = a`, `d[i] = row`,
/// `d[1:3] += t`. The new tensor is recorded on the tape (`Primitive.assignSlice`), so the
/// gradient reaches both the old value (outside the region) and the assigned value.
extension Interpreter {
  /// `v` with the region `items` address replaced by `value`, broadcast to fill it.
  func assignRegion(_ v: Var, _ items: [IndexKind], _ args: [Value], _ value: Value, _ op: IR.Op) throws -> Var {
    let (ranges, region) = try assignmentRegion(v.shape, items, args, op)
    var part = try tensor(value, op)
    let kept = region.compactMap { $0 }
    guard Broadcast.shape(part.shape, kept) == kept else {
      throw RuntimeError("a value of shape \(shapeString(part.shape)) does not fit the region of shape \(shapeString(kept)) it is assigned to",
                         at: op.span)
    }
    if part.shape != kept { part = try prim(.broadcast(kept), [part], op) }
    part = try prim(.reshape(region.map { $0 ?? 1 }), [part], op)
    return try prim(.assignSlice(ranges), [v, part], op)
  }

  /// The slice ranges `items` select in a tensor of `shape`, and the region's extent on each
  /// axis (nil where an Int index drops the axis).
  func assignmentRegion(_ shape: [Int], _ items: [IndexKind], _ args: [Value], _ op: IR.Op) throws -> ([SliceRange], [Int?]) {
    guard items.count <= shape.count else {
      throw RuntimeError("\(items.count) subscripts for a tensor of shape \(shapeString(shape))", at: op.span)
    }
    var ranges: [SliceRange] = [], region: [Int?] = []
    var a = 0
    for (d, item) in items.enumerated() {
      switch item {
      case .at:
        if case .intTensor(let t, _) = args[a], t.rank > 0 {
          throw RuntimeError("cannot assign through an IntTensor index", at: op.span,
                             notes: ["add values at indices with scatter_add, or replace them with where(mask, value, t)"])
        }
        let i = try position(try int(args[a], op, "index"), count: shape[d], op)
        ranges.append(SliceRange(i, i + 1))
        region.append(nil)
        a += 1
      case .slice(let lower, let upper):
        let r = try sliceRange(item, args, a, op)
        ranges.append(r)
        region.append(try r.resolved(extent: shape[d], op).1)
        a += (lower ? 1 : 0) + (upper ? 1 : 0)
      }
    }
    region += shape.dropFirst(items.count).map { Optional($0) }
    return (ranges, region)
  }

  /// An integer value broadcast to the region's shape (extent 1 on the dropped axes).
  func fitted(_ part: IntTensor, to region: [Int?], _ op: IR.Op) throws -> IntTensor {
    let kept = region.compactMap { $0 }
    guard Broadcast.shape(part.shape, kept) == kept else {
      throw RuntimeError("a value of shape \(shapeString(part.shape)) does not fit the region of shape \(shapeString(kept)) it is assigned to",
                         at: op.span)
    }
    return try part.stretched(to: kept).reshaped(region.map { $0 ?? 1 })
  }
}
