/// The native modules' entries: `import cardiac` and `import run` make them reachable as
/// `cardiac.load_data(…)` and `run.log_metrics(…)`. They are registry entries like the
/// language's own (the checker, the language server and the docs read them without linking
/// the runtime); their implementations live in the runtime targets that own the data sets
/// and the run folder.

/// Kind of the builtins below that have effects (files, the clock, the random stream):
/// no IR pass drops, merges or reorders them.
private let effect = BuiltinKind.effect

let cardiac: [Builtin] = [
  Builtin("load_data", [p("data", .string, .string("")), p("size", .int, .int(64)), p("train_images", .int, .int(10)),
                        p("validation", .int, .int(100)), p("seed", .int, .int(0))], .none,
          "(train_x [N, 1, S, S], train_y IntTensor [N, S, S], val_x, val_y): synthetic (data \"\") or an ACDC folder; ≤ 0 means all") { info in
    let s = info.int(1).map(Dim.known) ?? .unknown
    let x = ValueType.tensor([.unknown, .known(1), s, s]), y = ValueType.intTensor([.unknown, s, s])
    return .tuple([x, y, x, y])
  },
  Builtin("patients", [p("data", .string, .string("")), p("size", .int, .int(64)), p("train_images", .int, .int(10)),
                       p("validation", .int, .int(100)), p("seed", .int, .int(0))], .none,
          "(train IntTensor [N], validation IntTensor [V]): the patient of each slice `load_data` returns for the same arguments (the ACDC id; a synthetic image is its own patient, numbered from 0 in its set); it loads the data again") { _ in
    .tuple([.intTensor([.unknown]), .intTensor([.unknown])])
  },
  Builtin("lv_mask", [p("labels", .tensor)], .none, "1 where an ACDC label map is LV cavity (3), else 0, as a Tensor") { info in
    .tensor(info.type(0).shape)
  },
  Builtin("center_of_mass", [p("mask", .tensor)], .none, "centres [B, 2] (row, col) of masks [B, H, W]") { info in
    .tensor([info.type(0).shape?.first ?? .unknown, .known(2)])
  },
  Builtin("star_jitter", [p("mask", .tensor), p("spread", .float, .float(1)), p("max_angle", .float, .float(0.5))], .none, kind: effect,
          "(centers [B, 2], angles [B]): centre of mass moved inside the object (σ = spread × radius), rotation in ±max_angle") { info in
    let b = info.type(0).shape?.first ?? .unknown
    return .tuple([.tensor([b, .known(2)]), .tensor([b])])
  },
  Builtin("dice_in_box", [p("a", .tensor), p("b", .tensor), p("centers", .tensor), p("half", .float)], .none,
          "hard Dice [B] of masks > ½ inside the square of half side `half` around each centre") { info in
    .tensor([info.type(0).shape?.first ?? .unknown])
  },
  Builtin("dice_full", [p("a", .tensor), p("b", .tensor)], .none, "hard Dice [B] of masks > ½ over the whole image") { info in
    .tensor([info.type(0).shape?.first ?? .unknown])
  },
].map { $0.inModule(.cardiac) }

let runFolder: [Builtin] = [
  Builtin("path", [p("name", .string)], .none, "the path of a file inside the run folder (`--out`), creating its folders; a name whose `..` or link leads out is refused") { _ in .string },
  Builtin("log_metrics", [p("step", .int), p("values", .any)], .none, kind: effect,
          "appends [(name, number)] at step (0 or more) to metrics.csv and updates metrics.json (val_dice, best_val_dice, steps); names hold no `,`, `\"` or control characters; NaN and inf are kept") { _ in .void },
  Builtin("log_info", [p("values", .any)], .none, kind: effect, "merges (name, value) pairs (a list, or a tuple when types differ; a 1-D tensor is written as a list of numbers) into the run's metrics.json") { _ in .void },
  Builtin("plot_metrics", [p("name", .string, .string("metrics.png"))], .none, kind: effect,
          "plots the loss and Dice columns of metrics.csv against the step as a PNG in the run folder") { _ in .void },
  Builtin("write_overlays", [p("name", .string), p("images", .tensor), p("truth", .tensor), p("prediction", .tensor),
                             p("maps", .any, ConstValue.none), p("rows", .int, .int(8))], .none, kind: effect,
          "PNG grid in the run folder: image, ground truth, predicted contour, CNN map per row (thesis Fig. 5.6)") { _ in .void },
  Builtin("resume", [p("state", .any)], .none, kind: effect,
          "under `dpl run FILE --resume DIR`: restores `state` (an optimizer or model, or a tuple of them) and the random stream from DIR's checkpoint, drops the metrics rows logged after it, and returns its step; else 0. Once, right before the training loop") { info in
    checkpointState(&info, 0)
    return .int
  },
  Builtin("resumed", [p("name", .string), p("default", .any)], .none, kind: effect,
          "the value `checkpoint` saved under `name` when the run is resumed, else `default` (an Int, Float, Bool or String; a Float comes back bit for bit)") { info in
    switch info.type(1) {
    case .int, .float, .bool, .string, .any, .error: break
    default: info.fail("resumed keeps an Int, Float, Bool or String, got \(info.type(1))", at: 1)
    }
    return info.type(1)
  },
  Builtin("checkpoint", [p("step", .int), p("state", .any), p("values", .any, .list([])), p("every", .int, .int(1))], .none, kind: effect,
          "when `step` is a multiple of `every`, and at the step a SIGINT/SIGTERM asked the run to stop (which then ends, exit 130), writes `state`, the [(name, value)] pairs, the random stream, the step and how the run was started to the run folder's checkpoint/, atomically; under `dpl run` it needs an earlier `resume`") { info in
    checkpointState(&info, 1)
    return .void
  },
  Builtin("rank", [], .none, "this process' rank under `mpirun -n K` or `srun` (0 … K − 1); 0 in a plain run") { _ in .int },
  Builtin("world_size", [], .none, "the number of data-parallel processes (`mpirun -n K`); 1 in a plain run") { _ in .int },
  Builtin("shard", [p("t", .tensor)], .differentiable,
          "this rank's rows of axis 0 (rows rank·n/K ..< (rank+1)·n/K; all in a plain run): each rank trains on its shard of a batch, and every optimizer step averages the gradients over the ranks") { info in
    guard var s = info.type(0).shape, !s.isEmpty else { return sameKind(info, nil) }
    s[0] = .unknown
    return sameKind(info, s)
  },
  Builtin("progress", [p("step", .int), p("total", .int), p("values", .any, .list([]))], .none, kind: effect,
          "a progress bar on stderr (redrawn on a terminal) with [(name, number)]; a `seconds` entry gives the time left") { _ in .void },
].map { $0.inModule(.run) }

/// The `state` of `resume`/`checkpoint`: an optimizer or model, or a tuple of them.
private func checkpointState(_ info: inout CallInfo, _ k: Int) {
  let parts: [ValueType]
  if case .tuple(let xs) = info.type(k) { parts = xs } else { parts = [info.type(k)] }
  for t in parts {
    switch t {
    case .optimizer, .model, .any, .error: continue
    default: info.fail("a checkpoint's state is optimizers and models (one, or a tuple), got \(t)", at: k)
    }
  }
}

