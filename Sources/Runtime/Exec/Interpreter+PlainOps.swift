import Autodiff
import IR
import Language
import Tensor

/// The value of each op without regions, as a closure the compiler builds once per op.
extension Interpreter {
  func plainStep(_ op: IR.Op) -> Step { plainStep(op, plainBody(op)) }

  func plainBody(_ op: IR.Op) -> (Frame) throws -> Value {
    unowned(unsafe) let me = self
    let ids = op.operands
    let x0 = ids.first ?? 0, x1 = ids.count > 1 ? ids[1] : 0
    let rest = Array(ids.dropFirst())
    switch op.kind {
    case .const(let c):
      let v = Self.value(of: c, type: op.type)
      return { _ in v }
    case .binary(let b): return { f in try me.binary(b, f[x0], f[x1], op) }
    case .unary(let u): return { f in try me.unary(u, f[x0], op) }
    case .builtin(let id): return { f in try me.callBuiltin(id, ids.map { f[$0] }, op) }
    case .call(let name):
      return { f in
        guard let fn = me.functions[name] else { throw RuntimeError("unknown function \(name)", at: op.span) }
        return try me.call(fn, args: ids.map { f[$0] }, site: op.span)
      }
    case .construct(let name): return { f in try me.construct(name, args: ids.map { f[$0] }, site: op.span) }
    case .method(let model, let name):
      return { f in
        guard let info = me.models[model], let fname = info.methods[name], let fn = me.functions[fname] else {
          throw RuntimeError("model \(model) has no method \(name)", at: op.span)
        }
        return try me.call(fn, args: ids.map { f[$0] }, site: op.span)
      }
    case .apply: return { f in try me.applyLayer(f[x0], f[x1], op) }
    case .applyReLU:
      // A fused `relu(f(x))`: in the layer's kernel, or after the call of another value.
      return { f in
        if case .layer = f[x0] { return try me.applyLayer(f[x0], f[x1], op, relu: true) }
        return try me.callBuiltin(Self.relu, [try me.callValue(f[x0], [f[x1]], op)], op)
      }
    case .callDynamic: return { f in try me.callValue(f[x0], rest.map { f[$0] }, op) }
    case .list: return { f in .list(ids.map { f[$0] }) }
    case .tuple: return { f in .tuple(ids.map { f[$0] }) }
    case .index(let items):
      if items == [.at], ids.count == 2 {
        return { f in
          if case .list(let xs) = f[x0], case .int(let i) = f[x1], i >= 0, i < xs.count { return xs[i] }
          return try me.index(f[x0], items, [f[x1]], op)
        }
      }
      return { f in try me.index(f[x0], items, rest.map { f[$0] }, op) }
    case .setIndex(let items):
      return { f in
        let args = rest.map { f[$0] }
        return try me.setIndex(f[x0], items, Array(args.dropLast()), args.last ?? .none, op)
      }
    case .member(let name): return { f in try me.member(f[x0], name, op) }
    case .range:
      return { f in
        if case .int(let lo) = f[x0], case .int(let hi) = f[x1] { return .range(lo, hi) }
        return .range(try me.int(f[x0], op), try me.int(f[x1], op))
      }
    case .format(let pieces):
      return { f in
        var s = "", k = 0
        for piece in pieces {
          if let text = piece { s += text } else { s += ValueText.text(f[ids[k]]); k += 1 }
        }
        return .string(s)
      }
    case .varNew(_): return { f in .cell(Cell(f[x0])) }
    case .varGet:
      return { f in
        guard case .cell(let c) = f[x0] else { throw RuntimeError("not a variable", at: op.span) }
        return c.value
      }
    case .varSet:
      return { f in
        guard case .cell(let c) = f[x0] else { throw RuntimeError("not a variable", at: op.span) }
        c.value = f[x1]
        return .void
      }
    case .globalGet(let name):
      return { _ in
        guard let v = me.globals[name] else { throw RuntimeError("'\(name)' is used before it is defined", at: op.span) }
        return v
      }
    case .globalSet(let name):
      return { f in
        me.globals[name] = f[x0]
        return .void
      }
    case .config(let name, let def): return { _ in try me.configValue(name, def, op) }
    case .fieldGet(let name):
      return { f in
        guard case .model(let m) = f[x0], let v = m.field(name) else {
          throw RuntimeError("\(f[x0].typeName) has no field '\(name)'", at: op.span)
        }
        return me.fieldValue(v, op)
      }
    case .fieldSet(let name):
      return { f in
        guard case .model(let m) = f[x0] else { throw RuntimeError("cannot set a field of \(f[x0].typeName)", at: op.span) }
        m.setField(name, f[x1])
        return .void
      }
    case .stopGradient: return { f in Self.detached(f[x0]) }
    case .surrogate: return { f in try me.surrogate(f[x0], op) }
    case .yield: return { f in ids.first.map { f[$0] } ?? .void }
    case .ifElse, .forEach, .whileLoop, .breakLoop, .continueLoop, .returnValue, .grad, .checkGrad, .minimize, .eval, .bypass:
      return { _ in throw RuntimeError("internal: \(op.kind) is compiled with its regions", at: op.span) }
    }
  }

  /// A binary operator: Int, Float and Bool operands computed directly (as
  /// `ScalarArithmetic` defines them; anything else — an overflow, a division by zero,
  /// mixed Int and Float, tensors, lists — takes the ordinary path through it).
  func binaryStep(_ b: Language.BinaryOp, _ op: IR.Op) -> Step {
    let slow = plainStep(op)
    guard let r = op.result, op.operands.count == 2 else { return slow }
    let (x, y) = (op.operands[0], op.operands[1])
    switch b {
    case .add: return Self.arithmetic(IntAdd.self, FloatAdd.self, x, y, r, slow)
    case .sub: return Self.arithmetic(IntSub.self, FloatSub.self, x, y, r, slow)
    case .mul: return Self.arithmetic(IntMul.self, FloatMul.self, x, y, r, slow)
    case .div: return Self.arithmetic(IntDiv.self, FloatDiv.self, x, y, r, slow)
    case .mod: return Self.arithmetic(IntMod.self, FloatMod.self, x, y, r, slow)
    case .lt, .le, .gt, .ge, .eq, .ne:
      let (onInts, onFloats) = Self.comparison(b)
      return { f in
        if case .int(let a) = f[x], case .int(let c) = f[y] {
          f[r] = .bool(onInts(a, c))
        } else if case .float(let a) = f[x], case .float(let c) = f[y] {
          f[r] = .bool(onFloats(a, c))
        } else {
          return try slow(f)
        }
        return .next
      }
    case .and, .or, .matmul:
      return slow
    }
  }

  /// An arithmetic operator on two Ints or two Floats, with the fused trees' operators (one
  /// definition of each); what they reject takes `slow`, the ordinary path, with its error.
  static func arithmetic<I: IntOperator, F: FloatOperator>(_: I.Type, _: F.Type, _ x: ValueID, _ y: ValueID,
                                                           _ r: ValueID, _ slow: @escaping Step) -> Step {
    { f in
      if case .int(let a) = f[x], case .int(let c) = f[y] {
        let (v, failed) = I.apply(a, c)
        if !failed {
          f[r] = .int(v)
          return .next
        }
      } else if case .float(let a) = f[x], case .float(let c) = f[y] {
        f[r] = .float(F.apply(a, c))
        return .next
      }
      return try slow(f)
    }
  }

  /// A comparison operator on Ints and on Floats.
  static func comparison(_ b: Language.BinaryOp) -> ((Int, Int) -> Bool, (Double, Double) -> Bool) {
    switch b {
    case .lt: return ((<), (<))
    case .le: return ((<=), (<=))
    case .gt: return ((>), (>))
    case .ge: return ((>=), (>=))
    case .eq: return ((==), (==))
    default: return ((!=), (!=))
    }
  }
}
