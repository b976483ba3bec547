import Foundation
import IR
import Language

/// Runs the word tier's register code (WordCode.swift). One register array holds the frames
/// of the word calls in progress, each the window after its caller's; a call pushes only
/// where to come back to. The call-depth limit, stop requests at calls and loop back edges,
/// and errors (located, with each call in their trace) behave as in `CallSite`.
final class WordMachine {
  let program: WordProgram
  private unowned(unsafe) let interpreter: Interpreter
  private let code: UnsafeMutablePointer<WordInstruction>
  private let constants: UnsafeMutablePointer<Int>
  /// Registers and returns for `reservedDepth` nested calls, reserved (not touched) up
  /// front, so a call checks only the depth limit: pages a run never reaches cost nothing.
  private var registers: Reservation<Int>
  private var returns: Reservation<Return>
  private var reservedDepth = 0
  /// Whether a run is in progress (a word function calls no other kind, so none can nest).
  private var running = false

  /// Where a return goes: the caller's next instruction, frame and result register.
  struct Return {
    var pc: UnsafeMutablePointer<WordInstruction>
    var fp: UnsafeMutablePointer<Int>
    var dest: Int
  }

  init(_ program: WordProgram, _ interpreter: Interpreter) {
    self.program = program
    self.interpreter = interpreter
    code = .allocate(capacity: max(program.code.count, 1))
    code.initialize(from: program.code, count: program.code.count)
    constants = .allocate(capacity: max(program.constants.count, 1))
    constants.initialize(from: program.constants, count: program.constants.count)
    registers = Reservation(count: 0)
    returns = Reservation(count: 0)
  }

  deinit {
    code.deallocate()
    constants.deallocate()
  }

  /// Runs word function `entry` with its parameters read from `frame` (where its caller bound
  /// them, `CallSite`): its result word.
  func run(_ entry: Int, _ frame: Frame) throws -> Int {
    precondition(!running, "internal: the word tier was entered twice")
    let e = program.entries[entry]
    let limit = interpreter.stack.maxDepth
    if reservedDepth < limit {
      registers = Reservation(count: (limit + 1) * program.maxFrameSize)
      returns = Reservation(count: limit + 1)
      reservedDepth = limit
    }
    let fp = registers.base
    for (p, t) in zip(e.function.body.params, e.function.paramTypes) {
      switch t {
      case .int: fp[p] = (try frame.scalar(p, e.function.span) as Int).word
      case .float: fp[p] = (try frame.scalar(p, e.function.span) as Double).word
      default: fp[p] = (try frame.scalar(p, e.function.span) as Bool).word
      }
    }
    running = true
    defer { running = false }
    return try execute(code + e.start, fp, limit: limit)
  }

  // swiftlint:disable:next cyclomatic_complexity function_body_length
  private func execute(_ start: UnsafeMutablePointer<WordInstruction>, _ frame: UnsafeMutablePointer<Int>,
                       limit: Int) throws -> Int {
    let cancel = interpreter.cancelFlag, code = code, constants = constants
    let bottom = returns.base
    var depth = interpreter.stack.depth
    var pc = start, fp = frame, rp = bottom
    do {
      while true {
        let i = pc.pointee
        pc += 1
        let (a, b, c) = (Int(i.a), Int(i.b), Int(i.c))
        switch i.op {
        case .move: fp[a] = fp[b]
        case .loadConstant: fp[a] = constants[b]

        case .addI: fp[a] = try checked(IntAdd.self, fp[b], fp[c], pc)
        case .subI: fp[a] = try checked(IntSub.self, fp[b], fp[c], pc)
        case .mulI: fp[a] = try checked(IntMul.self, fp[b], fp[c], pc)
        case .divI: fp[a] = try checked(IntDiv.self, fp[b], fp[c], pc)
        case .modI: fp[a] = try checked(IntMod.self, fp[b], fp[c], pc)
        case .addIK: fp[a] = try checked(IntAdd.self, fp[b], c, pc)
        case .subIK: fp[a] = try checked(IntSub.self, fp[b], c, pc)
        case .mulIK: fp[a] = try checked(IntMul.self, fp[b], c, pc)
        case .divIK: fp[a] = try checked(IntDiv.self, fp[b], c, pc)
        case .modIK: fp[a] = try checked(IntMod.self, fp[b], c, pc)

        case .ltI: fp[a] = (fp[b] < fp[c]).word
        case .leI: fp[a] = (fp[b] <= fp[c]).word
        case .gtI: fp[a] = (fp[b] > fp[c]).word
        case .geI: fp[a] = (fp[b] >= fp[c]).word
        case .eqI: fp[a] = (fp[b] == fp[c]).word
        case .neI: fp[a] = (fp[b] != fp[c]).word
        case .ltIK: fp[a] = (fp[b] < c).word
        case .leIK: fp[a] = (fp[b] <= c).word
        case .gtIK: fp[a] = (fp[b] > c).word
        case .geIK: fp[a] = (fp[b] >= c).word
        case .eqIK: fp[a] = (fp[b] == c).word
        case .neIK: fp[a] = (fp[b] != c).word

        case .addF: fp[a] = (Double.ofWord(fp[b]) + Double.ofWord(fp[c])).word
        case .subF: fp[a] = (Double.ofWord(fp[b]) - Double.ofWord(fp[c])).word
        case .mulF: fp[a] = (Double.ofWord(fp[b]) * Double.ofWord(fp[c])).word
        case .divF: fp[a] = (Double.ofWord(fp[b]) / Double.ofWord(fp[c])).word
        case .modF: fp[a] = FloatMod.apply(Double.ofWord(fp[b]), Double.ofWord(fp[c])).word
        case .ltF: fp[a] = (Double.ofWord(fp[b]) < Double.ofWord(fp[c])).word
        case .leF: fp[a] = (Double.ofWord(fp[b]) <= Double.ofWord(fp[c])).word
        case .gtF: fp[a] = (Double.ofWord(fp[b]) > Double.ofWord(fp[c])).word
        case .geF: fp[a] = (Double.ofWord(fp[b]) >= Double.ofWord(fp[c])).word
        case .eqF: fp[a] = (Double.ofWord(fp[b]) == Double.ofWord(fp[c])).word
        case .neF: fp[a] = (Double.ofWord(fp[b]) != Double.ofWord(fp[c])).word
        case .and: fp[a] = fp[b] & fp[c]
        case .or: fp[a] = fp[b] | fp[c]

        case .negI: fp[a] = fp[b] == .min ? try negationFailure(fp[b], pc) : -fp[b]
        case .negF: fp[a] = (-Double.ofWord(fp[b])).word
        case .not: fp[a] = fp[b] ^ 1
        case .intToFloat: fp[a] = Double(fp[b]).word

        case .jump: pc = code + a
        case .jumpIfFalse: if fp[b] == 0 { pc = code + a }
        case .jumpLtI: if fp[b] < fp[c] { pc = code + a }
        case .jumpLeI: if fp[b] <= fp[c] { pc = code + a }
        case .jumpGtI: if fp[b] > fp[c] { pc = code + a }
        case .jumpGeI: if fp[b] >= fp[c] { pc = code + a }
        case .jumpEqI: if fp[b] == fp[c] { pc = code + a }
        case .jumpNeI: if fp[b] != fp[c] { pc = code + a }
        case .jumpLtIK: if fp[b] < c { pc = code + a }
        case .jumpLeIK: if fp[b] <= c { pc = code + a }
        case .jumpGtIK: if fp[b] > c { pc = code + a }
        case .jumpGeIK: if fp[b] >= c { pc = code + a }
        case .jumpEqIK: if fp[b] == c { pc = code + a }
        case .jumpNeIK: if fp[b] != c { pc = code + a }

        case .loopCheck:
          if cancel.isSet { try interpreter.stopIfRequested(site(pc - 1).op.span) }

        case .call:
          if depth >= limit || cancel.isSet { try callRefused(pc - 1, depth >= limit) }
          rp.initialize(to: Return(pc: pc, fp: fp, dest: a))
          rp += 1
          depth &+= 1
          fp += c
          pc = code + b

        case .ret:
          let value = fp[a]
          if rp == bottom { return value }
          rp -= 1
          depth &-= 1
          let back = rp.pointee
          (pc, fp) = (back.pc, back.fp)
          fp[back.dest] = value
        }
      }
    } catch {
      throw unwind(error, rp - bottom)
    }
  }

  private func site(_ pc: UnsafeMutablePointer<WordInstruction>) -> WordSite { program.sites[pc - code]! }

  /// An Int operator's value, or the ordinary path's (its error) where it fails.
  @inline(__always)
  private func checked<O: IntOperator>(_: O.Type, _ x: Int, _ y: Int, _ pc: UnsafeMutablePointer<WordInstruction>) throws -> Int {
    let (v, failed) = O.apply(x, y)
    return failed ? try arithmeticFailure(x, y, pc - 1) : v
  }

  @inline(never)
  private func arithmeticFailure(_ x: Int, _ y: Int, _ pc: UnsafeMutablePointer<WordInstruction>) throws -> Int {
    let s = site(pc)
    guard case .binary(let b) = s.op.kind else { throw RuntimeError("internal: word site is no binary op", at: s.op.span) }
    return s.swapped ? try interpreter.fusedFailure(b, .int(y), .int(x), s.op) : try interpreter.fusedFailure(b, .int(x), .int(y), s.op)
  }

  @inline(never)
  private func negationFailure(_ x: Int, _ pc: UnsafeMutablePointer<WordInstruction>) throws -> Int {
    let s = site(pc - 1)
    guard case .unary(let u) = s.op.kind else { throw RuntimeError("internal: word site is no unary op", at: s.op.span) }
    return try interpreter.fusedFailure(u, .int(x), s.op)
  }

  /// A call over the depth limit, or one a stop request ends: its error, located at the call.
  @inline(never)
  private func callRefused(_ pc: UnsafeMutablePointer<WordInstruction>, _ tooDeep: Bool) throws {
    let op = site(pc).op
    do {
      if tooDeep { throw interpreter.tooDeep(op.span) }
      try interpreter.stopIfRequested(op.span)
    } catch {
      throw interpreter.located(error, op)
    }
  }

  /// `error` leaving the word calls in progress, innermost first: each adds its function and
  /// call site to the trace and is located at its call, as `CallSite` does.
  private func unwind(_ error: Error, _ frames: Int) -> Error {
    var error = error
    for k in stride(from: frames - 1, through: 0, by: -1) {
      let call = returns.base[k].pc - 1
      let op = site(call).op, name = program.entry(at: Int(call.pointee.b)).function.name
      if var e = error as? RuntimeError {
        if name != "main" { e.trace.append((name, op.span)) }
        error = e
      }
      error = interpreter.located(error, op)
    }
    return error
  }
}

/// `count` values' memory, mapped but not touched: the kernel gives a page when it is first
/// written, so a deep reservation costs only what a run reaches.
final class Reservation<T> {
  let base: UnsafeMutablePointer<T>
  private let bytes: Int

  init(count: Int) {
    bytes = max(count, 1) * MemoryLayout<T>.stride
    guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
          p != MAP_FAILED else { fatalError("cannot reserve \(bytes) bytes for the word tier") }
    base = p.bindMemory(to: T.self, capacity: max(count, 1))
  }

  deinit { munmap(base, bytes) }
}
