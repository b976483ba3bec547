/// A model's parameters as a list, and one set by its checkpoint name
/// (`Runtime/Builtins/Builtins+Parameters.swift`; docs/language.md, "Parameters as values").
let parameterBuiltins: [Builtin] = [
  // An effect: the parameters change with every optimizer step, so no pass may merge two reads.
  Builtin("params", [p("model", .any)], .differentiable, kind: .effect,
          "the (name, tensor) pairs of a model's or layer's parameters, or of a gradient of one, in declaration order, named as checkpoints name them") { info in
    switch info.type(0) {
    case .model, .layer, .gradient, .any, .error: break
    default: info.fail("params needs a model, a layer or a gradient of one, got \(info.type(0))", at: 0)
    }
    return .list(.tuple([.string, .tensor(nil)]), count: nil)
  },
  Builtin("set_param", [p("model", .module), p("name", .string), p("value", .tensor)], .none, kind: .effect,
          "sets the parameter of a model or layer named as checkpoints name it (\"l1.weight\") to a tensor of its shape") { info in
    if case .intTensor = info.type(2) { info.fail("set_param needs a Tensor, got \(info.type(2)): convert it with float(…)", at: 2) }
    return .void
  },
]
