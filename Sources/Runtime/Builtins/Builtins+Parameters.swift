import IR

/// `params` and `set_param` (`Exec/Interpreter+ModelGradients.swift` has the work).
extension BuiltinTable {
  static let parameters: [String: BuiltinImpl] = [
    "params": { i, a, op in try i.parameterList(a[0], op) },
    "set_param": { i, a, op in
      try i.setParameter(a[0], path: try i.string(a[1], op), a[2], op)
      return .void
    },
  ]
}
