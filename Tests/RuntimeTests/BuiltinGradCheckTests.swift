import Autodiff
import Foundation
import IR
import Language
import Tensor
import Testing
@testable import Runtime

/// Every differentiable builtin, as a user calls it, against central finite differences.
///
/// The list of builtins comes from the language's table (`Builtins.all`), not from this
/// file: a differentiable builtin (or a layer builtin) without a case in
/// `BuiltinGradSpecs.table` fails `everyDifferentiableBuiltinHasASpec`, so a new one cannot
/// ship without a gradient check.
@Suite("builtins: gradients against finite differences")
struct BuiltinGradCheckTests {
  /// The builtins whose gradients must be checked: differentiable ones and layer makers.
  static let checked: [Builtin] = Builtins.all.filter { $0.gradient == .differentiable || $0.kind == .layer }

  static let cases: [GradSpec] = BuiltinGradSpecs.table.keys.sorted().flatMap { BuiltinGradSpecs.table[$0] ?? [] }

  @Test func everyDifferentiableBuiltinHasASpec() {
    #expect(Self.checked.count >= 40)
    for b in Self.checked {
      #expect(!(BuiltinGradSpecs.table[b.name] ?? []).isEmpty,
              "differentiable builtin '\(b.name)' has no finite-difference case in BuiltinGradSpecs.table")
    }
    for name in BuiltinGradSpecs.table.keys {
      #expect(Self.checked.contains { $0.name == name }, "BuiltinGradSpecs.table checks '\(name)', which is not a differentiable builtin")
    }
  }

  /// The registry binds every entry to an implementation (and nothing else to anything).
  @Test func everyEntryHasAnImplementation() {
    #expect(BuiltinTable.problems() == [])
    #expect(BuiltinTable.implementations.count == Builtins.all.count)
  }

  @Test("gradient of an operator", arguments: BuiltinGradSpecs.operators)
  func operatorGradient(_ spec: GradSpec) throws {
    try gradient(spec)
  }

  @Test("gradient through slice assignment", arguments: BuiltinGradSpecs.assignments)
  func assignmentGradient(_ spec: GradSpec) throws {
    try gradient(spec)
  }

  @Test("gradient of", arguments: cases)
  func gradient(_ spec: GradSpec) throws {
    let report = try FiniteDifferenceCheck(spec).run()
    #expect(report.failures.isEmpty, "\(spec.label): \(report.failures.prefix(6).joined(separator: "; "))")
    #expect(report.checked > 0, "\(spec.label): nothing was checked")
  }
}

/// One `GradSpec` compiled and run: tape gradients of `L = Σ w ⊙ f(x…)` (a fixed random `w`)
/// against `(L(x + h) − L(x − h)) / 2h` (`Autodiff.FiniteDifferences`), accumulated in Double,
/// for every element of every input and (when asked) every parameter.
struct FiniteDifferenceCheck {
  let spec: GradSpec
  let interpreter: Interpreter
  let inputs: [Tensor]
  let parameters: [Parameter]

  init(_ spec: GradSpec) throws {
    self.spec = spec
    let params = spec.inputs.indices.map { "x\($0): Tensor" }.joined(separator: ", ")
    let source = spec.setup + "\nfn f(\(params)) -> Tensor { \(spec.call) }\n"
    let (module, compilation) = Compiler.compile(source: source, path: "gradcheck.dpl", options: CompileOptions())
    guard let module else { throw CheckFailure("does not compile:\n\(compilation.renderDiagnostics())\n\(source)") }
    if let name = spec.builtin, !Self.calls(name, module) {
      throw CheckFailure("is filed under '\(name)', but the program never calls it:\n\(source)")
    }
    interpreter = Interpreter(module: module, seed: 1)
    interpreter.output = { _ in }
    interpreter.log = { _ in }
    try interpreter.run()
    inputs = spec.inputs.enumerated().map { k, input in input.make(seed: spec.seed + UInt64(k)) }
    let globals = interpreter.globals
    parameters = spec.parameters ? globals.keys.sorted().flatMap { ModelInstance.parameters(of: globals[$0] ?? .none) } : []
    if spec.parameters && parameters.isEmpty { throw CheckFailure("asks for parameter gradients, but setup binds no layer") }
    if spec.warmup { _ = try evaluate(inputs, tape: Tape(recording: false), training: true) }
  }

  /// Whether some function of `module` calls the builtin `name` (`surrogate` is an op of its own).
  static func calls(_ name: String, _ module: IRModule) -> Bool {
    func visit(_ r: Region) -> Bool {
      r.ops.contains { op in
        if case .builtin(let id) = op.kind, id.name == name { return true }
        if (name == "surrogate" && op.kind == .surrogate) { return true }
        return op.regions.contains(where: visit)
      }
    }
    return module.functions.contains { visit($0.body) }
  }

  struct CheckFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
  }

  /// `f(xs)` on `tape`.
  func evaluate(_ xs: [Var], tape: Tape, training: Bool) throws -> Var {
    let out = try interpreter.with(tape: tape, training: training) {
      try interpreter.call(function: "f", xs.map { Value.tensor($0) })
    }
    guard case .tensor(let v, _) = out else { throw CheckFailure("f returned \(out.typeName), not a tensor") }
    return v
  }

  func evaluate(_ xs: [Tensor], tape: Tape, training: Bool) throws -> Var {
    try evaluate(xs.map { Var(constant: $0) }, tape: tape, training: training)
  }

  /// `Σ w ⊙ f(xs)` in Double, without recording.
  func loss(_ xs: [Tensor], _ w: Tensor) throws -> Double {
    let y = try evaluate(xs, tape: Tape(recording: false), training: spec.training).value
    var acc = 0.0
    for i in 0..<y.count { acc += Double(y[flat: i]) * Double(w[flat: i]) }
    return acc
  }

  struct Report {
    var checked = 0
    var failures: [String] = []
  }

  func run() throws -> Report {
    // Analytic: back-propagate w through the recorded call.
    let tape = Tape(recording: true, tracksParameters: spec.parameters)
    for p in parameters { p.grad = nil }
    let vars = inputs.map { tape.watch($0) }
    let y = try evaluate(vars, tape: tape, training: spec.training)
    guard y.isActive else { throw CheckFailure("the result does not depend on the inputs on the tape (nothing was recorded)") }
    var rng = RNG(seed: 7)
    let w = rng.normal(y.shape)
    let leafGrads = try tape.backward(from: y, seed: w)
    let inputGrads = vars.map { v in v.node.flatMap { leafGrads[$0] } ?? Tensor(shape: v.shape, repeating: 0) }
    let paramGrads = parameters.map { $0.grad ?? Tensor(shape: $0.value.shape, repeating: 0) }
    for p in parameters { p.grad = nil }

    var report = Report()
    let names = inputs.indices.map { "x\($0)" } + parameters.map(\.name)
    let originals = parameters.map(\.value)
    defer { for (p, v) in zip(parameters, originals) { p.value = v } }
    let numeric = try FiniteDifferences(step: Double(spec.h)).derivatives(at: inputs + originals, names: names) { xs in
      for (p, v) in zip(parameters, xs.dropFirst(inputs.count)) { p.value = v }
      defer { for (p, v) in zip(parameters, originals) { p.value = v } }  // so the next element moves in place
      return try loss(Array(xs.prefix(inputs.count)), w)
    }
    for (k, (g, n)) in zip(inputGrads + paramGrads, numeric).enumerated() {
      for (i, d) in n.enumerated() {
        let a = Double(g[flat: i])
        report.checked += 1
        if Swift.abs(a - d) > spec.atol + spec.rtol * Swift.abs(d) || !a.isFinite {
          report.failures.append("\(names[k])[\(i)]: tape \(a), finite differences \(d)")
        }
      }
    }
    return report
  }
}
