import IR
import Language

/// The word tier's instruction set (docs/runtime.md, "The word tier"). A word function —
/// one whose parameters, result and every value are Int, Float or Bool — runs as register
/// code: each value id is a register holding one machine word (an Int, a Float's bit
/// pattern, a Bool as 0 or 1), a call's frame is the next window of one register array, and
/// a call is a jump, not a Swift call. In the manner of Lua 5.4's register VM: three operands
/// per instruction, Int constants that fit 32 bits inside the instruction (`…K` forms), a
/// comparison that only feeds a branch fused into it.
enum WordOp: UInt8 {
  /// `a ← b`; `a ← constants[b]`.
  case move, loadConstant
  /// Int arithmetic, `a ← b ∘ c` (register `c`) or `a ← b ∘ c` (`c` itself, a 32-bit
  /// constant): overflow or a zero divisor is the ordinary path's error.
  case addI, subI, mulI, divI, modI
  case addIK, subIK, mulIK, divIK, modIK
  /// Int comparisons, `a ← b ∘ c` as 0 or 1.
  case ltI, leI, gtI, geI, eqI, neI
  case ltIK, leIK, gtIK, geIK, eqIK, neIK
  /// Float arithmetic and comparisons on registers.
  case addF, subF, mulF, divF, modF
  case ltF, leF, gtF, geF, eqF, neF
  case and, or
  /// `a ← -b` (Int: `Int.min` is the ordinary path's error), `a ← !b`, `a ← Float(b)`.
  case negI, negF, not, intToFloat
  /// Jump to `a`; to `a` when `b` is 0; to `a` when Int `b ∘ c` holds (register or constant `c`).
  case jump, jumpIfFalse
  case jumpLtI, jumpLeI, jumpGtI, jumpGeI, jumpEqI, jumpNeI
  case jumpLtIK, jumpLeIK, jumpGtIK, jumpGeIK, jumpEqIK, jumpNeIK
  /// A loop's back edge arrives here: a stop request stops the run.
  case loopCheck
  /// Calls the word function whose code starts at `b`, with a frame starting at register `c` (the caller's frame size;
  /// the arguments are already in its parameter registers); its result goes to `a`.
  case call
  /// Returns register `a`.
  case ret

  /// Whether field `a` is a jump target (moved when code is placed).
  var jumps: Bool {
    switch self {
    case .jump, .jumpIfFalse, .jumpLtI, .jumpLeI, .jumpGtI, .jumpGeI, .jumpEqI, .jumpNeI,
         .jumpLtIK, .jumpLeIK, .jumpGtIK, .jumpGeIK, .jumpEqIK, .jumpNeIK:
      return true
    default: return false
    }
  }
}

/// One instruction: an opcode and three operands (registers, a constant, a target).
struct WordInstruction {
  var op: WordOp
  var a: Int32
  var b: Int32
  var c: Int32
}

/// Where an instruction that can fail came from: its op (for the error and its location),
/// and whether its operands were swapped to put a constant second (`3 + x` as `x + 3`).
struct WordSite {
  let op: IR.Op
  let swapped: Bool
}

/// Every word function of a module, compiled into one code array (`WordCompiler`), run by
/// `WordMachine`.
public final class WordProgram {
  struct Entry {
    let function: Function
    /// The first instruction.
    let start: Int
    /// Registers: the function's values and two scratch registers.
    let frameSize: Int
  }

  private(set) var code: [WordInstruction] = []
  /// Words too wide for an instruction (Floats, large Ints), by index.
  private(set) var constants: [Int] = []
  /// The site of each instruction that can fail or calls (by instruction index).
  private(set) var sites: [Int: WordSite] = [:]
  private(set) var entries: [Entry] = []
  /// Word function name → its index in `entries`.
  let index: [String: Int]
  /// The largest frame.
  private(set) var maxFrameSize = 0

  /// Compiles every word function of `functions` (see `WordCompiler.wordFunctions`).
  init(_ functions: [String: Function]) {
    let words = WordCompiler.wordFunctions(functions)
    var index: [String: Int] = [:]
    for (k, name) in words.enumerated() { index[name] = k }
    self.index = index
    for name in words {
      let f = functions[name]!
      let start = code.count
      var compiler = WordCompiler(f, index: index, functions: functions)
      let body = compiler.compile()
      for var ins in body.code {
        if ins.op.jumps { ins.a += Int32(start) }
        if ins.op == .loadConstant {
          ins.b += Int32(constants.count)
        }
        code.append(ins)
      }
      for (pc, site) in body.sites { sites[start + pc] = site }
      constants += body.constants
      entries.append(Entry(function: f, start: start, frameSize: compiler.frameSize))
      maxFrameSize = max(maxFrameSize, compiler.frameSize)
    }
    // A call names its callee by index until every start is known; then by its start.
    for pc in code.indices where code[pc].op == .call { code[pc].b = Int32(entries[Int(code[pc].b)].start) }
  }

  /// The entry whose code holds instruction `pc`.
  func entry(at pc: Int) -> Entry {
    entries.last { $0.start <= pc }!
  }
}
