import IR
import Language

/// Compiles a word function's structured IR into register code (WordCode.swift). Which
/// functions are word functions is decided for the whole module at once: a function whose
/// parameters and result are Int, Float or Bool, whose ops are only those below, and whose
/// calls only reach other word functions. Everything else runs as closures
/// (FunctionCompiler), and so does a word function called from them: it enters the word
/// tier at its call, and every call inside stays there.
struct WordCompiler {
  let function: Function
  /// Word function name → index in the program.
  let index: [String: Int]
  let functions: [String: Function]

  private var code: [WordInstruction] = []
  private var sites: [Int: WordSite] = [:]
  private var constants: [Int] = []
  private var types: [ValueID: ValueType] = [:]
  private var uses: [ValueID: Int] = [:]
  private var definers: [ValueID: Op] = [:]
  /// Int, Float and Bool constants as words.
  private var words: [ValueID: Int] = [:]
  /// Constants some instruction reads from their register: loaded when the call starts.
  private var loaded: Set<ValueID> = []
  /// Instructions whose `a` is a register of the next frame (offset by the frame size once
  /// it is known), and calls (whose `c` is the frame size).
  private var outgoing: [Int] = []
  private var calls: [Int] = []
  /// Values computed straight into a parameter register of the call that uses them.
  private var argumentOf: [ValueID: Int32] = [:]
  /// The loops being compiled: where `continue` goes, and the `break` jumps to place.
  private var loops: [(continueAt: Int?, continues: [Int], breaks: [Int])] = []
  /// Comparisons left to the branch that reads them.
  private var deferred: Set<ValueID> = []
  /// The jump a `while` condition's `yield` emitted, to the loop's exit.
  private var conditionExit: Int?
  /// The latest instruction a jump was pointed at (`place`).
  private var landing = -1
  /// Registers past the function's values: two for converted operands, then loop counters.
  private var registers: Int
  private(set) var frameSize = 0

  init(_ function: Function, index: [String: Int], functions: [String: Function]) {
    self.function = function
    self.index = index
    self.functions = functions
    registers = function.valueCount + 2
    types = Self.valueTypes(function)
    function.body.forEachOp { op in
      for v in op.operands { uses[v, default: 0] += 1 }
      guard let r = op.result else { return }
      definers[r] = op
      if case .const(let c) = op.kind, let w = Self.word(c) { words[r] = w }
    }
  }

  /// The word of an Int, Float or Bool constant.
  static func word(_ c: ConstValue) -> Int? {
    switch c {
    case .int(let v): return v
    case .float(let v): return v.word
    case .bool(let v): return v ? 1 : 0
    default: return nil
    }
  }

  struct Body {
    var code: [WordInstruction]
    var sites: [Int: WordSite]
    var constants: [Int]
  }

  /// The function's code: a prologue loading the constants it reads from registers, then the
  /// body; jump targets relative to the first instruction.
  mutating func compile() -> Body {
    compile(function.body, .none)
    frameSize = registers
    for i in outgoing { code[i].a += Int32(frameSize) }
    for i in calls { code[i].c = Int32(frameSize) }
    var prologue: [WordInstruction] = []
    for v in loaded.sorted() {
      prologue.append(WordInstruction(op: .loadConstant, a: Int32(v), b: Int32(constants.count), c: 0))
      constants.append(words[v]!)
    }
    let shift = prologue.count
    for var ins in code {
      if ins.op.jumps { ins.a += Int32(shift) }
      prologue.append(ins)
    }
    var placed: [Int: WordSite] = [:]
    for (pc, site) in sites { placed[pc + shift] = site }
    return Body(code: prologue, sites: placed, constants: constants)
  }

  // MARK: Regions

  /// Where a region's `yield` sends its value.
  enum Target {
    case none
    case register(Int32)
    /// The function's result (an `if` whose value is returned).
    case ret
    /// A `while` condition: jump to the loop's exit when false.
    case condition
  }

  private mutating func compile(_ region: Region, _ target: Target) {
    let ops = region.ops
    planArguments(ops)
    var i = 0
    while i < ops.count {
      let op = ops[i]
      let next = i + 1 < ops.count ? ops[i + 1] : nil
      switch op.kind {
      case .const, .range:
        break  // read where used
      case .binary(let b):
        if b.isComparison, let r = op.result, uses[r] == 1, let next, feedsBranch(next, r, target) {
          deferred.insert(r)  // the branch compares
          break
        }
        binary(b, op)
      case .unary(let u): unary(u, op)
      case .ifElse:
        let r = op.result
        if let r, let next, case .returnValue = next.kind, next.operands == [r], uses[r] == 1,
           op.regions.count == 2, op.regions.allSatisfy(Self.yieldsValue) {
          ifElse(op, .ret)
          i += 1
        } else {
          ifElse(op, r.flatMap { uses[$0] != nil && types[$0] != .void ? .register(Int32($0)) : nil } ?? .none)
        }
      case .whileLoop: whileLoop(op)
      case .forEach: forEach(op)
      case .breakLoop:
        loops[loops.count - 1].breaks.append(emit(.jump, 0, 0, 0))
      case .continueLoop:
        if let at = loops[loops.count - 1].continueAt {
          emit(.jump, Int32(at), 0, 0)
        } else {
          loops[loops.count - 1].continues.append(emit(.jump, 0, 0, 0))
        }
      case .returnValue:
        // A bare `return` here only follows another, dead (`fits`).
        if let x = op.operands.first { emit(.ret, reg(x), 0, 0) }
      case .yield:
        yield(op, target)
        return
      case .varNew:
        move(op.result!, op.operands[0])
      case .varGet:
        move(op.result!, op.operands[0])
      case .varSet:
        move(op.operands[0], op.operands[1])
      case .call(let name):
        call(name, op)
      case .builtin:  // `float(n)` (`fits`)
        let x = op.operands[0]
        emit(types[x] == .int ? .intToFloat : .move, dest(op), reg(x), 0)
      default:
        fatalError("internal: \(op.kind) in word function \(function.name)")
      }
      i += 1
    }
  }

  static func yieldsValue(_ r: Region) -> Bool {
    guard let last = r.ops.last, case .yield = last.kind else { return false }
    return last.operands.count == 1
  }

  /// Whether `next` is the branch that reads comparison `r` (and compares itself).
  private func feedsBranch(_ next: Op, _ r: ValueID, _ target: Target) -> Bool {
    guard let d = definers[r], case .binary(let b) = d.kind, intComparison(b, d) else { return false }
    switch next.kind {
    case .ifElse: return next.operands.first == r
    case .yield:
      if case .condition = target { return next.operands == [r] }
      return false
    default: return false
    }
  }

  private func intComparison(_ b: BinaryOp, _ op: Op) -> Bool {
    b.isComparison && types[op.operands[0]] == .int && types[op.operands[1]] == .int
  }

  private mutating func yield(_ op: Op, _ target: Target) {
    guard let v = op.operands.first else { return }
    switch target {
    case .none: break
    case .register(let r): if words[v] != nil || Int32(v) != r { emit(.move, r, reg(v), 0) }
    case .ret: emit(.ret, reg(v), 0, 0)
    case .condition: conditionExit = branchUnless(v)
    }
  }

  private mutating func ifElse(_ op: Op, _ target: Target) {
    let skip = branchUnless(op.operands[0])
    compile(op.regions[0], target)
    guard op.regions.count > 1 else {
      place(skip)
      return
    }
    let end = fallsThrough ? emit(.jump, 0, 0, 0) : nil
    place(skip)
    compile(op.regions[1], target)
    if let end { place(end) }
  }

  /// Whether the code so far can go on to the next instruction: its last is no `ret` or
  /// jump, or a jump lands there (a loop's exit, an `if` without `else`).
  private var fallsThrough: Bool {
    guard let last = code.last, landing != code.count else { return true }
    return last.op != .ret && last.op != .jump
  }

  private mutating func whileLoop(_ op: Op) {
    let head = code.count
    site(emit(.loopCheck, 0, 0, 0), op)
    conditionExit = nil
    compile(op.regions[0], .condition)
    let exit = conditionExit!
    loops.append((head, [], []))
    compile(op.regions[1], .none)
    emit(.jump, Int32(head), 0, 0)
    let loop = loops.removeLast()
    for j in [exit] + loop.breaks { place(j) }
  }

  /// `for p in lo..<hi`: the counter is the element's register (or one of its own).
  private mutating func forEach(_ op: Op) {
    let range = definers[op.operands[0]]!
    let p: Int32
    if let param = op.regions[0].params.first {
      p = Int32(param)
    } else {
      p = Int32(registers)
      registers += 1
    }
    emit(.move, p, reg(range.operands[0]), 0)
    let head = code.count
    let hi = range.operands[1]
    let exit = imm(hi).map { emit(.jumpGeIK, 0, p, $0) } ?? emit(.jumpGeI, 0, p, reg(hi))
    site(emit(.loopCheck, 0, 0, 0), op)
    loops.append((nil, [], []))
    compile(op.regions[0], .none)
    let loop = loops.removeLast()
    for j in loop.continues { place(j) }
    emit(.addIK, p, p, 1)  // below `hi`: cannot overflow
    emit(.jump, Int32(head), 0, 0)
    for j in [exit] + loop.breaks { place(j) }
  }

  // MARK: Ops

  private mutating func binary(_ b: BinaryOp, _ op: Op) {
    let (l, r) = (op.operands[0], op.operands[1])
    switch (types[l]!, types[r]!) {
    case (.int, .int):
      let (rr, rk) = Self.intOps[b]!
      let a = dest(op)
      if let k = imm(r) {
        site(emit(rk, a, reg(l), k), op)
      } else if let k = imm(l), let m = b.mirrored {
        site(emit(Self.intOps[m]!.1, a, reg(r), k), op, swapped: true)
      } else {
        site(emit(rr, a, reg(l), reg(r)), op)
      }
    case (.bool, .bool):  // words 0 and 1: `==` and `!=` compare them as Ints
      emit([.and: .and, .or: .or, .eq: .eqI, .ne: .neI][b]!, dest(op), reg(l), reg(r))
    default:
      let x = float(l, scratch: 0), y = float(r, scratch: 1)
      emit(Self.floatOps[b]!, dest(op), x, y)  // the destination after the conversions (`dest`)
    }
  }

  private mutating func unary(_ u: UnaryOp, _ op: Op) {
    let x = op.operands[0], a = dest(op)
    switch (u, types[x]!) {
    case (.neg, .int): site(emit(.negI, a, reg(x), 0), op)
    case (.neg, _): emit(.negF, a, reg(x), 0)
    default: emit(.not, a, reg(x), 0)
    }
  }

  private mutating func call(_ name: String, _ op: Op) {
    for (p, x) in zip(functions[name]!.body.params, op.operands) where argumentOf[x] == nil {
      outgoing.append(emit(.move, Int32(p), reg(x), 0))
    }
    let a = dest(op)
    let i = emit(.call, a, Int32(index[name]!), 0)
    calls.append(i)
    site(i, op)
  }

  /// The values a call reads that can be computed straight into its parameter registers:
  /// used once, by a call later in the region with no call or nested region between (which
  /// could write the next frame).
  private mutating func planArguments(_ ops: [Op]) {
    for (j, op) in ops.enumerated() {
      guard case .call(let name) = op.kind, let params = functions[name]?.body.params else { continue }
      for (p, x) in zip(params, op.operands) where uses[x] == 1 {
        guard let i = ops[..<j].lastIndex(where: { $0.result == x }), Self.computes(ops[i]),
              !ops[(i + 1)..<j].contains(where: { Self.touchesNextFrame($0) }) else { continue }
        argumentOf[x] = Int32(p)
      }
    }
  }

  private static func computes(_ op: Op) -> Bool {
    switch op.kind {
    case .binary, .unary, .call, .varGet, .builtin: return true
    default: return false
    }
  }

  private static func touchesNextFrame(_ op: Op) -> Bool {
    if case .call = op.kind { return true }
    return !op.regions.isEmpty
  }

  /// The register `op`'s result goes to: its own, or the parameter of the call that reads it
  /// (then the next instruction emitted is the one whose `a` is moved to the next frame: call
  /// this right before emitting the op's own instruction).
  private mutating func dest(_ op: Op) -> Int32 {
    guard let r = op.result else { return Int32(function.valueCount) }
    if let p = argumentOf[r] {
      outgoing.append(code.count)  // the instruction about to be emitted
      return p
    }
    return Int32(r)
  }

  private mutating func move(_ to: ValueID, _ from: ValueID) {
    if to == from && words[from] == nil { return }
    if let p = argumentOf[to] {
      outgoing.append(emit(.move, p, reg(from), 0))
    } else {
      emit(.move, Int32(to), reg(from), 0)
    }
  }

  // MARK: Operands

  /// The register holding `v` (a constant's is loaded when the call starts).
  private mutating func reg(_ v: ValueID) -> Int32 {
    if words[v] != nil { loaded.insert(v) }
    return Int32(v)
  }

  /// `v` as an instruction's constant: an Int constant that fits 32 bits.
  private func imm(_ v: ValueID) -> Int32? {
    guard types[v] == .int, let w = words[v] else { return nil }
    return Int32(exactly: w)
  }

  /// A Float operand's register; an Int operand is converted into scratch register `k`.
  private mutating func float(_ v: ValueID, scratch k: Int32) -> Int32 {
    guard types[v] == .int else { return reg(v) }
    let t = Int32(function.valueCount) + k
    emit(.intToFloat, t, reg(v), 0)
    return t
  }

  /// Jumps over what follows unless `v` holds; the jump's index, to `place` later. A
  /// comparison the branch reads (`feedsBranch`) is done by the jump itself.
  private mutating func branchUnless(_ v: ValueID) -> Int {
    guard deferred.contains(v), let d = definers[v], case .binary(let b) = d.kind else {
      return emit(.jumpIfFalse, 0, reg(v), 0)
    }
    let (l, r) = (d.operands[0], d.operands[1])
    let not = b.negated
    if let k = imm(r) { return emit(Self.jumps[not]!.1, 0, reg(l), k) }
    if let k = imm(l), let m = not.mirrored { return emit(Self.jumps[m]!.1, 0, reg(r), k) }
    return emit(Self.jumps[not]!.0, 0, reg(l), reg(r))
  }

  // MARK: Emitting

  @discardableResult
  private mutating func emit(_ op: WordOp, _ a: Int32, _ b: Int32, _ c: Int32) -> Int {
    code.append(WordInstruction(op: op, a: a, b: b, c: c))
    return code.count - 1
  }

  private mutating func site(_ i: Int, _ op: Op, swapped: Bool = false) {
    sites[i] = WordSite(op: op, swapped: swapped)
  }

  /// Points jump `i` at the next instruction.
  private mutating func place(_ i: Int) {
    code[i].a = Int32(code.count)
    landing = code.count
  }

  static let intOps: [BinaryOp: (WordOp, WordOp)] = [
    .add: (.addI, .addIK), .sub: (.subI, .subIK), .mul: (.mulI, .mulIK), .div: (.divI, .divIK), .mod: (.modI, .modIK),
    .lt: (.ltI, .ltIK), .le: (.leI, .leIK), .gt: (.gtI, .gtIK), .ge: (.geI, .geIK), .eq: (.eqI, .eqIK), .ne: (.neI, .neIK),
  ]
  static let floatOps: [BinaryOp: WordOp] = [
    .add: .addF, .sub: .subF, .mul: .mulF, .div: .divF, .mod: .modF,
    .lt: .ltF, .le: .leF, .gt: .gtF, .ge: .geF, .eq: .eqF, .ne: .neF,
  ]
  static let jumps: [BinaryOp: (WordOp, WordOp)] = [
    .lt: (.jumpLtI, .jumpLtIK), .le: (.jumpLeI, .jumpLeIK), .gt: (.jumpGtI, .jumpGtIK),
    .ge: (.jumpGeI, .jumpGeIK), .eq: (.jumpEqI, .jumpEqIK), .ne: (.jumpNeI, .jumpNeIK),
  ]
}

extension BinaryOp {
  /// The operator with its operands swapped (`k < x` is `x > k`); nil when it does not swap.
  var mirrored: BinaryOp? {
    switch self {
    case .add, .mul, .eq, .ne: return self
    case .lt: return .gt
    case .le: return .ge
    case .gt: return .lt
    case .ge: return .le
    default: return nil
    }
  }

  /// The opposite Int comparison (`x < y` fails exactly when `x >= y`).
  var negated: BinaryOp {
    switch self {
    case .lt: return .ge
    case .le: return .gt
    case .gt: return .le
    case .ge: return .lt
    case .eq: return .ne
    case .ne: return .eq
    default: return self
    }
  }
}

// MARK: Which functions are word functions

extension WordCompiler {
  /// The word functions of a module, by name: Int, Float or Bool parameters and result, and
  /// ops the word tier runs, calling only word functions (the largest such set).
  static func wordFunctions(_ functions: [String: Function]) -> [String] {
    var words = Set(functions.values.filter(fits).map(\.name))
    while true {
      let out = words.filter { name in
        var ok = true
        let f = functions[name]!, types = valueTypes(f)
        f.body.forEachOp { op in
          guard case .call(let q) = op.kind else { return }
          guard words.contains(q), let g = functions[q], g.resultType == op.type,
                op.operands.map({ types[$0] }) == g.paramTypes.map(Optional.some) else { ok = false; return }
        }
        return !ok
      }
      if out.isEmpty { return words.sorted() }
      words.subtract(out)
    }
  }

  /// The static type of each value of `f`: parameters, op results, and a `for` loop's
  /// element over a range (an Int).
  static func valueTypes(_ f: Function) -> [ValueID: ValueType] {
    var types: [ValueID: ValueType] = [:]
    for (p, t) in zip(f.body.params, f.paramTypes) { types[p] = t }
    f.body.forEachOp { op in
      if let r = op.result { types[r] = op.type }
      if case .forEach = op.kind, let p = op.regions.first?.params.first, let seq = op.operands.first,
         types[seq] == .range {
        types[p] = .int
      }
    }
    return types
  }

  /// `float(x)`: the one builtin a word function may call.
  static let toFloat = Builtins.id("float")

  static func isWord(_ t: ValueType) -> Bool { t == .int || t == .float || t == .bool }

  /// Whether `f` is a word function, if the functions it calls are.
  static func fits(_ f: Function) -> Bool {
    guard isWord(f.resultType), f.paramTypes.allSatisfy(isWord) else { return false }
    let types = valueTypes(f)
    var definers: [ValueID: Op] = [:], uses: [ValueID: [Op]] = [:]
    f.body.forEachOp { op in
      if let r = op.result { definers[r] = op }
      for v in op.operands { uses[v, default: []].append(op) }
    }
    var ok = true
    f.body.forEachOp { op in
      if ok, !fits(op, f, types, definers, uses) { ok = false }
    }
    return ok && deadBareReturns(f.body)
  }

  /// Whether every `return` without a value (which the lowering leaves after a function's
  /// last `return x`) comes right after a `return`, `break` or `continue`, so never runs.
  static func deadBareReturns(_ region: Region) -> Bool {
    for (k, op) in region.ops.enumerated() {
      if case .returnValue = op.kind, op.operands.isEmpty {
        guard k > 0 else { return false }
        switch region.ops[k - 1].kind {
        case .returnValue, .breakLoop, .continueLoop: break
        default: return false
        }
      }
      if !op.regions.allSatisfy(deadBareReturns) { return false }
    }
    return true
  }

  private static func fits(_ op: Op, _ f: Function, _ types: [ValueID: ValueType], _ definers: [ValueID: Op],
                           _ uses: [ValueID: [Op]]) -> Bool {
    let operands = op.operands.map { types[$0] }
    /// Whether every `yield` of `region` (the last op of each branch) gives a `type`: a
    /// value of another type (an Int where a Float is expected) is left to the closures.
    func yields(_ region: Region, _ type: ValueType) -> Bool {
      guard let last = region.ops.last, case .yield = last.kind else { return true }
      return last.operands.allSatisfy { types[$0] == type }
    }
    /// A cell: made by `var.new` here and only read and written.
    func cell(_ v: ValueID) -> Bool {
      guard case .varNew? = definers[v]?.kind else { return false }
      return uses[v, default: []].allSatisfy { u in
        switch u.kind {
        case .varGet: return true
        case .varSet: return u.operands.first == v && u.operands.dropFirst().first != v
        default: return false
        }
      }
    }
    switch op.kind {
    case .const(let c): return FunctionCompiler.scalarConstant(c, op.type) != nil
    case .binary(let b):
      guard operands.count == 2, let l = operands[0], let r = operands[1] else { return false }
      // The result type is the operator's (an Int op typed Float is left to the closures).
      switch (l, r) {
      case (.int, .int): return !b.isLogical && b != .matmul && op.type == (b.isComparison ? .bool : .int)
      case (.int, .float), (.float, .int), (.float, .float):
        return !b.isLogical && b != .matmul && op.type == (b.isComparison ? .bool : .float)
      case (.bool, .bool): return (b.isLogical || b == .eq || b == .ne) && op.type == .bool
      default: return false
      }
    case .unary(let u):
      switch (u, operands.first ?? nil) {
      case (.neg, .int?), (.neg, .float?), (.not, .bool?): return operands.first == op.type
      default: return false
      }
    case .ifElse:
      return operands == [.bool] && op.regions.count <= 2 && (op.type == .void || op.regions.allSatisfy { yields($0, op.type) })
    case .whileLoop: return op.regions.count == 2 && op.type == .void && yields(op.regions[0], .bool)
    case .forEach:
      guard let seq = op.operands.first, case .range? = definers[seq]?.kind, uses[seq]?.count == 1,
            op.regions[0].params.count <= 1 else { return false }
      return definers[seq]!.operands.allSatisfy { types[$0] == .int }
    case .range: return op.result.map { uses[$0]?.first.map { if case .forEach = $0.kind { true } else { false } } ?? false } ?? false
    case .breakLoop, .continueLoop, .yield: return operands.allSatisfy { $0.map { isWord($0) || $0 == .void } ?? false }
    case .returnValue: return operands == [f.resultType] || operands.isEmpty
    case .varNew: return isWord(op.type) && operands == [op.type] && op.result.map(cell) == true
    case .varGet: return cell(op.operands[0]) && isWord(op.type)
    case .varSet: return op.operands.count == 2 && cell(op.operands[0]) && types[op.operands[1]] == types[op.operands[0]]
    case .call: return isWord(op.type) && operands.allSatisfy { $0.map(isWord) ?? false }
    case .builtin(let id): return id == toFloat && (operands == [.int] || operands == [.float])
    default: return false
    }
  }
}
