import Language

/// Fuses `relu(layer(x))` into one `apply.relu` op when the layer's output has no other use,
/// so layers with a fused kernel (conv2d, batch norm) apply the ReLU in the same pass over
/// memory and the tape keeps one output instead of two. Other layers apply the ReLU after
/// themselves (`Layer.callAsFunction(_:on:relu:)`): the result is the same either way. A
/// call of a value with one argument (`norms[0](h)`, a layer taken from a list) fuses too:
/// the executor applies the ReLU in the layer's kernel when the value is a layer, and
/// after the call otherwise.
public enum Fusion {
  public static func run(_ m: inout IRModule) {
    for i in m.functions.indices { run(&m.functions[i]) }
  }

  public static func run(_ f: inout Function) {
    let uses = f.useCounts()
    f.body = fuse(f.body, uses)
  }

  static func fuse(_ r: Region, _ uses: [ValueID: Int]) -> Region {
    var out: [Op] = []
    var applyAt: [ValueID: Int] = [:]  // result of an `apply` in this region → its index in `out`
    for var op in r.ops {
      for j in op.regions.indices { op.regions[j] = fuse(op.regions[j], uses) }
      if case .builtin(let id) = op.kind, id.builtin.fusesIntoLayers, op.operands.count == 1, let res = op.result,
         let k = applyAt[op.operands[0]], uses[op.operands[0]] == 1 {
        // The layer's value is used only here: the fused op takes over the ReLU's result.
        out[k].kind = .applyReLU
        out[k].result = res
        out[k].type = op.type
        applyAt[op.operands[0]] = nil
        continue
      }
      if op.kind == .apply || (op.kind == .callDynamic && op.operands.count == 2), let res = op.result {
        applyAt[res] = out.count
      }
      out.append(op)
    }
    return Region(params: r.params, ops: out)
  }
}
