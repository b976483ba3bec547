import Autodiff
import Foundation
import Tensor

/// The gradient of a loss with respect to a model or a layer (`grad(net) { loss }`), as JAX
/// gives one for a pytree: the model's structure, with a tensor where each parameter is.
/// Entries follow the fields in declaration order: a tensor (a `param` field, a layer's
/// `weight` or `bias`), a nested gradient (a layer, a model) or a list of them.
public final class ModelGradient: CustomStringConvertible {
  /// The model's type name, or `Layer(dense)`.
  public let typeName: String
  public let entries: [(name: String, value: Value)]

  init(typeName: String, entries: [(name: String, value: Value)]) {
    self.typeName = typeName
    self.entries = entries
  }

  func entry(_ name: String) -> Value? { entries.first { $0.name == name }?.value }

  /// Every tensor, named by its path as checkpoints name parameters (`l1.weight`).
  public var tensors: [(name: String, value: Tensor)] {
    var out: [(String, Tensor)] = []
    func walk(_ v: Value, _ path: String) {
      switch v {
      case .tensor(let t, _): out.append((path, t.value))
      case .gradient(let g): for (n, e) in g.entries { walk(e, ParameterTree.join(path, n)) }
      case .list(let xs), .tuple(let xs): for (i, x) in xs.enumerated() { walk(x, ParameterTree.join(path, String(i))) }
      default: break
      }
    }
    walk(.gradient(self), "")
    return out
  }

  /// `Gradient(Mlp), 4 tensors:` then a line per parameter with its shape and norm.
  public var description: String {
    let ts = tensors
    let names = ts.map(\.name), shapes = ts.map { shapeString($0.value.shape) }
    let w = (names.map(\.count).max() ?? 0, shapes.map(\.count).max() ?? 0)
    let lines = zip(ts, shapes).map { t, s in
      "  " + t.name.padding(toLength: w.0, withPad: " ", startingAt: 0) + "  " + s.padding(toLength: w.1, withPad: " ", startingAt: 0)
        + "  norm " + ParameterTree.short(ParameterTree.norm(t.value))
    }
    return (["Gradient(\(typeName)), \(ts.count == 1 ? "1 tensor" : "\(ts.count) tensors")" + (ts.isEmpty ? "" : ":")] + lines)
      .joined(separator: "\n")
  }
}

/// A model's parameters by the names checkpoints give them, and the gradient of a loss with
/// respect to them in the model's structure (docs/language.md, "Parameters as values").
enum ParameterTree {
  /// The parameters `v` (a model, a layer, a list of them, a `param`) holds, each once, named
  /// by their path from `v`: `l1.weight`, `codebook`, `down.0.conv1.weight` — for a model,
  /// the names its checkpoints use, in the same (declaration) order.
  static func named(_ v: Value) -> [(name: String, parameter: Parameter)] {
    var out: [(String, Parameter)] = []
    var seen = Set<ObjectIdentifier>()
    func add(_ name: String, _ p: Parameter) {
      if seen.insert(ObjectIdentifier(p)).inserted { out.append((name, p)) }
    }
    func walk(_ v: Value, _ path: String) {
      switch v {
      case .parameter(let p): add(path, p)
      case .layer(let l): for p in l.layer.parameters { add(join(path, role(p)), p) }
      case .model(let m): for f in m.order { walk(m.field(f) ?? .none, join(path, f)) }
      case .list(let xs), .tuple(let xs): for (i, x) in xs.enumerated() { walk(x, join(path, String(i))) }
      default: break
      }
    }
    walk(v, "")
    return out
  }

  /// The gradient with respect to the parameters `v` holds, in `v`'s structure, each
  /// parameter's from `gradient`; nil for a value that holds none (an Int field).
  static func gradient(of v: Value, _ gradient: (Parameter) -> Tensor) -> Value? {
    switch v {
    case .parameter(let p): return .tensor(gradient(p))
    case .layer(let l):
      return .gradient(ModelGradient(typeName: "Layer(\(l.kind))", entries: l.layer.parameters.map { (role($0), .tensor(gradient($0))) }))
    case .model(let m):
      let entries = m.order.compactMap { f in self.gradient(of: m.field(f) ?? .none, gradient).map { (f, $0) } }
      return .gradient(ModelGradient(typeName: m.typeName, entries: entries))
    case .list(let xs), .tuple(let xs):
      let gs = xs.map { self.gradient(of: $0, gradient) }
      guard gs.contains(where: { $0 != nil }) else { return nil }
      let items = gs.map { $0 ?? .none }
      if case .tuple = v { return .tuple(items) }
      return .list(items)
    default: return nil
    }
  }

  /// A layer's parameter by its role: `weight` or `bias` (batch norm's scale and shift too).
  static func role(_ p: Parameter) -> String { String(p.name.split(separator: ".").last ?? Substring(p.name)) }

  static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : path + "." + name }

  static func norm(_ t: Tensor) -> Double {
    t.withUnsafeBufferPointer { p in p.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
  }

  /// Four significant digits (`0.5309`, `1.2e-05`), for reports.
  static func short(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
    return String(format: "%.4g", x)
  }

  /// The parameter at `path` (`l1.weight`, `down.0.conv1.weight`, `codebook`) inside `root`.
  static func find(_ root: Value, _ path: [String]) -> Parameter? {
    guard case .parameter(let p)? = value(at: path, in: root) else { return nil }
    return p
  }

  /// The value at `path` inside `root`: a field, a list element, a layer's parameter.
  static func value(at path: [String], in root: Value) -> Value? {
    guard let first = path.first else { return root }
    let rest = Array(path.dropFirst())
    switch root {
    case .model(let m): return m.field(first).flatMap { value(at: rest, in: $0) }
    case .layer(let l):
      return rest.isEmpty ? l.layer.parameters.first { role($0) == first }.map { .parameter($0) } : nil
    case .list(let xs), .tuple(let xs):
      guard let i = Int(first), i >= 0, i < xs.count else { return nil }
      return value(at: rest, in: xs[i])
    default: return nil
    }
  }
}
