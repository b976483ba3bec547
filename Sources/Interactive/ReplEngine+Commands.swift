import Autodiff
import Foundation
import IR
import Language
import Runtime
import Tensor

/// The `:` commands.
extension ReplEngine {
  func command(_ line: String) -> String {
    let body = line.dropFirst()
    let name = String(body.prefix { !$0.isWhitespace })
    let arg = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
    let matches = Self.commands.filter { $0.name.hasPrefix(name) }
    guard let cmd = matches.first(where: { $0.name == name }) ?? (matches.count == 1 ? matches[0] : nil) else {
      let hint = matches.isEmpty ? "" : " (did you mean \(matches.map { ":" + $0.name }.joined(separator: ", "))?)"
      return error("error: unknown command ':\(name)'\(hint); :help lists the commands\n")
    }
    do {
      if cmd.args.isEmpty == false, arg.isEmpty, cmd.name != "ir", !cmd.args.hasPrefix("[") {
        throw SessionError("error: usage: :\(cmd.name) \(cmd.args)")
      }
      switch cmd.name {
      case "help": return arg.isEmpty ? help() : try help(arg)
      case "type":
        // A function, model or builtin name shows its signature; anything else its type.
        if let sig = session.signature(of: arg) { return sig + "\n" }
        if session.bindings[arg] == nil, let b = Builtins.named(arg) { return b.signature + "\n" }
        return try session.typeOf(arg).description + "\n"
      case "shape": return try shape(arg)
      case "grad":
        let (e, names) = try splitWrtList(arg, cmd.name)
        if names.count == 1, case .tensor? = session.bindings[names[0]]?.value {
          let (v, g) = try session.grad(e, wrt: names[0])
          return "value \(ValueDisplay.number(v))\ngradient with respect to '\(names[0])':\n" + display(.tensor(g))
        }
        let (v, gs) = try session.grad(e, wrt: names)
        var out = "value \(ValueDisplay.number(v))\n"
        for (n, g) in gs {
          switch g {
          case .tensor(let t): out += "gradient with respect to '\(n)':\n" + display(.tensor(t))
          case .parameters(let ps):
            out += "gradient with respect to the parameters of '\(n)':\n"
            let w = ps.map(\.name.count).max() ?? 0
            for (pn, t) in ps {
              let norm = t.withUnsafeBufferPointer { b in b.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
              out += "  " + pn.padding(toLength: w, withPad: " ", startingAt: 0) + "  \(shapeString(t.shape))  norm \(ValueDisplay.number(norm))\n"
            }
          }
        }
        return out
      case "check": return try check(arg)
      case "compare":
        let (e, names) = try splitWrtList(arg, cmd.name)
        return try session.compare(e, wrt: names).text
      case "tape":
        guard let t = session.lastTape else { return "no tape yet: :grad, :check or :compare records one\n" }
        return t.text
      case "ir": return try ir(arg)
      case "load": return try load(arg)
      case "time": return try time(arg)
      case "vars":
        let rows = session.summary
        if rows.isEmpty { return "nothing defined\n" }
        let w = rows.map(\.0.count).max() ?? 0
        return rows.map { "  " + $0.0.padding(toLength: w, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n") + "\n"
      case "reset":
        session.reset()
        return "session reset\n"
      case "quit":
        quitRequested = true
        return ""
      default: return ""
      }
    } catch let e as SessionError {
      return error(e.text)
    } catch let e as RuntimeError {
      return error(e.render(files: []))
    } catch {
      return self.error("error: \(error)\n")
    }
  }

  /// `:help NAME`: a command's usage, a builtin's signature and summary, or a definition's
  /// signature.
  func help(_ name: String) throws -> String {
    let bare = name.hasPrefix(":") ? String(name.dropFirst()) : name
    let command = Self.commands.first { $0.name == bare }.map { c in
      ":" + c.name + (c.args.isEmpty ? "" : " " + c.args) + "  — " + c.help + "\n"
    }
    if let command, name.hasPrefix(":") { return command }
    if let b = Builtins.named(name) ?? Builtins.all.first(where: { $0.qualifiedName == name }) {
      // `load` and `shape` are builtins and commands: the builtin first, then the command.
      return b.signature + "\n  " + b.summary + "\n  gradient: \(b.gradient.rawValue); kind: \(b.kind.rawValue)\n"
        + (command.map { "also the command " + $0 } ?? "")
    }
    if let command { return command }
    if let sig = session.signature(of: name) { return sig + "\n" }
    var notes = ""
    if let best = closest(name, in: Builtins.all.map(\.name) + session.namesInScope + Self.commands.map(\.name)) {
      notes = " (did you mean '\(best)'?)"
    }
    throw SessionError("error: no command, builtin or definition named '\(name)'\(notes)")
  }

  func help() -> String {
    var out = "Type dpl statements, definitions or expressions; an expression's value is shown.\n"
      + "Input continues over lines until brackets balance. Commands:\n"
    for c in Self.commands {
      let usage = ":" + c.name + (c.args.isEmpty ? "" : " " + c.args)
      out += "  " + usage.padding(toLength: 20, withPad: " ", startingAt: 0) + c.help + "\n"
    }
    return out + "Commands can be shortened (:g for :grad). Ctrl-C cancels, Ctrl-D leaves.\n"
  }

  /// `:check e wrt x, net.codebook [--estimate] [--directions k]`: `check_grad` of `e`, its
  /// error measure and verdict.
  func check(_ arg: String) throws -> String {
    var rest = arg.trimmingCharacters(in: .whitespaces), estimate = false, directions: Int?
    while let r = rest.range(of: " --", options: .backwards) {
      let flag = rest[r.upperBound...].split(separator: " ").map(String.init)
      switch (flag.first, flag.count) {
      case ("estimate", 1): estimate = true
      case ("directions", 2) where Int(flag[1]) != nil: directions = Int(flag[1])
      default: throw SessionError("error: ':check' takes --estimate and --directions k, got '--\(flag.joined(separator: " "))'")
      }
      rest = rest[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
    }
    let (e, names) = try splitWrtList(rest, "check", paths: true)
    let r = try session.check(e, wrt: names, estimate: estimate, directions: directions)
    let what = r.report.alongDirections ? "random direction" : "element"
    var out = "autodiff vs central differences over \(r.report.checked) \(what)\(r.report.checked == 1 ? "" : "s"):\n"
      + "  error \(ValueDisplay.number(r.report.error)) (as check_grad returns it)\n"
      + "  max abs error \(ValueDisplay.number(r.report.maxAbsError))\n"
    let tolerance = ValueDisplay.number(FiniteDifferences.tolerance)
    out += r.report.passed ? "  ok (error ≤ \(tolerance))\n"
      : error("  error: mismatch (error > \(tolerance))\n") + "  note: kinks within eps of a point (relu at 0, max ties) also differ"
        + (estimate ? ", and so does each @bypass estimator from its call's own slope\n" : "\n")
    if let note = r.heldNote { out += "  note: \(note); --estimate checks their estimators\n" }
    return out
  }

  /// `e wrt x, y, net` → (e, [x, y, net]) (`:grad`; `:check` also takes fields, `net.codebook`).
  func splitWrtList(_ arg: String, _ cmd: String, paths: Bool = false) throws -> (String, [String]) {
    guard let r = arg.range(of: " wrt ", options: .backwards) else {
      throw SessionError("error: usage: :\(cmd) e wrt x, y (tensor, model or layer bindings)")
    }
    let names = arg[r.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    for x in names where x.isEmpty || !x.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || (paths && $0 == ".") }) {
      throw SessionError("error: ':\(cmd)' takes gradients with respect to names, got '\(x)'")
    }
    return (arg[..<r.lowerBound].trimmingCharacters(in: .whitespaces), names)
  }

  func shape(_ e: String) throws -> String {
    let t = try session.typeOf(e)
    guard t.isTensor || t == .any else { throw SessionError("error: \(t) has no shape; :shape takes a tensor expression") }
    switch session.run(e) {
    case .failure(let text): throw SessionError(text)
    case .value(.tensor(let v, _), _):
      return "\(shapeString(v.shape))" + (t.shape.map { "   (static: \(shapeText($0)))" } ?? "") + "\n"
    case .value(.intTensor(let v, _), _):
      return "\(shapeString(v.shape))" + (t.shape.map { "   (static: \(shapeText($0)))" } ?? "") + "\n"
    case .value(let v, _): throw SessionError("error: \(v.typeName) has no shape")
    default: throw SessionError("error: the expression has no value")
    }
  }

  func shapeText(_ dims: [Dim]) -> String { "[" + dims.map(\.description).joined(separator: ", ") + "]" }

  /// `:ir name` — a user function, a model's methods, or (otherwise) the input as `main`.
  func ir(_ arg: String) throws -> String {
    guard !arg.isEmpty else { throw SessionError("error: usage: :ir name (a function or model), or :ir expression") }
    let isName = arg.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
    let source = isName && session.definitions.contains { $0.name == arg } ? "()" : arg
    switch session.compile(source) {
    case .failure(let e): throw e
    case .success(let c):
      let wanted: [Function]
      if source == arg {
        wanted = c.module.functions.filter { $0.name == "main" }
      } else {
        wanted = c.module.functions.filter { $0.name == arg || $0.name.hasPrefix(arg + ".") }
      }
      var m = c.module
      m.functions = wanted
      m.globals = []
      m.models = m.models.filter { $0.name == arg }
      let text = IR.Printer.print(m, showSpans: false)
      return text.hasPrefix("\n") ? String(text.dropFirst()) : text
    }
  }

  func load(_ path: String) throws -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw SessionError("error: cannot read file '\(path)'")
    }
    switch session.run(text, path: path) {
    case .failure(let t): throw SessionError(t)
    case .value(let v, _): return display(v)
    case .defined(let names): return "loaded \(path): " + (names.isEmpty ? "nothing new" : names.joined(separator: ", ")) + "\n"
    case .nothing: return "loaded \(path): nothing new\n"
    }
  }

  func time(_ e: String) throws -> String {
    let t0 = DispatchTime.now().uptimeNanoseconds
    let out = handle(e)
    let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
    return out + (showTimings ? "time: \(String(format: ms >= 100 ? "%.0f" : "%.2f", ms)) ms\n" : "time: (hidden)\n")
  }
}
