/// Something reachable with `.` on a value: what completion lists after `x.`.
public struct Member: Hashable, Sendable {
  public enum Kind: Hashable, Sendable {
    /// A model's field (a constructor parameter or a `let` in its body).
    case field
    /// A model's method.
    case method
    /// A module's function or model.
    case function, model
    /// A built-in property: a tensor's `shape`, a tuple's `0`, an optimizer's `minimize`.
    case property
  }

  public var name: String
  public var kind: Kind
  /// The member's type, as the checker prints it.
  public var type: ValueType
  /// The symbol the member names, when it has one (fields, module members).
  public var symbol: Int?
  /// The qualified function name of a method (`Mlp.forward`).
  public var function: String?
}

extension CheckedProgram {
  /// The members of a value of type `type`, as `Checker.checkMember` accepts them: a
  /// model's fields and methods, a module's functions and models, a tensor's `shape` and
  /// `rank`, a tuple's `0`, `1`, …, a list's `count`, an optimizer's `minimize` and `lr`, a
  /// layer's `weight` and `bias`, a gradient's entries.
  public func members(of type: ValueType) -> [Member] {
    switch type {
    case .model(let q):
      guard let info = models[q] else { return [] }
      let fields = info.fields.map { f in
        Member(name: f.name, kind: .field, type: f.symbol < symbols.count ? symbols[f.symbol].type : .any, symbol: f.symbol)
      }
      let methods = info.methods.sorted { $0.key < $1.key }.map { name, fq in
        Member(name: name, kind: .method, type: .function(fq), function: fq)
      }
      return fields + methods
    case .module(let m) where NativeModule(rawValue: m) != nil:
      return Builtins.entries(of: NativeModule(rawValue: m)).map { Member(name: $0.name, kind: .function, type: .builtin($0.id)) }
    case .module(let m):
      return symbols.filter { s in
        guard s.topLevel else { return false }
        switch s.kind {
        case .function(let q), .model(let q): return q == m + "." + s.name
        default: return false
        }
      }.map { s in
        let isModel: Bool = { if case .model = s.kind { return true }; return false }()
        return Member(name: s.name, kind: isModel ? .model : .function, type: s.type, symbol: s.id)
      }.sorted { $0.name < $1.name }
    case .tensor(let s), .intTensor(let s):
      return [Member(name: "shape", kind: .property, type: .list(.int, count: s?.count)),
              Member(name: "rank", kind: .property, type: .int)]
    case .tuple(let ts):
      return ts.enumerated().map { Member(name: String($0.offset), kind: .property, type: $0.element) }
    case .list:
      return [Member(name: "count", kind: .property, type: .int)]
    case .layer(let info), .gradient(.layer(let info)):
      return Checker.layerParameters(info).map { Member(name: $0.name, kind: .property, type: .tensor($0.shape)) }
    case .gradient(.model(let q)):
      guard let info = models[q] else { return [] }
      return Checker.gradientEntries(of: info, symbols).map { Member(name: $0.name, kind: .property, type: $0.type) }
    case .optimizer:
      return [Member(name: "minimize", kind: .method, type: .any),
              Member(name: "lr", kind: .property, type: .float)]
    default:
      return []
    }
  }
}
