import IR
import Language

/// The word tier's code as text (`dpl ir --words`): what each word function runs, one
/// instruction per line, registers as `rN` (`rN` is value `vN` of the IR), 32-bit constants
/// as `#k`, jump targets as `@pc`.
extension WordProgram {
  public static func listing(_ module: IRModule) -> String {
    let program = WordProgram(module.functionsByName)
    guard !program.entries.isEmpty else { return "no word functions\n" }
    var out = ""
    for (k, e) in program.entries.enumerated() {
      let end = k + 1 < program.entries.count ? program.entries[k + 1].start : program.code.count
      out += "word fn \(e.function.name) (\(e.frameSize) registers):\n"
      for pc in e.start..<end {
        let i = program.code[pc]
        out += "  \(String(pc).leftPadded(4))  \(String(describing: i.op).padded(12)) \(operands(i, program))\n"
      }
    }
    return out
  }

  private static func operands(_ i: WordInstruction, _ p: WordProgram) -> String {
    let (a, b, c) = ("r\(i.a)", "r\(i.b)", "r\(i.c)")
    let k = "#\(i.c)", to = "@\(i.a)"
    switch i.op {
    case .move, .negI, .negF, .not, .intToFloat: return "\(a), \(b)"
    case .loadConstant: return "\(a), \(p.constants[Int(i.b)])"
    case .addIK, .subIK, .mulIK, .divIK, .modIK, .ltIK, .leIK, .gtIK, .geIK, .eqIK, .neIK: return "\(a), \(b), \(k)"
    case .jump: return to
    case .jumpIfFalse: return "\(to), \(b)"
    case .jumpLtI, .jumpLeI, .jumpGtI, .jumpGeI, .jumpEqI, .jumpNeI: return "\(to), \(b), \(c)"
    case .jumpLtIK, .jumpLeIK, .jumpGtIK, .jumpGeIK, .jumpEqIK, .jumpNeIK: return "\(to), \(b), \(k)"
    case .loopCheck: return ""
    case .call: return "\(a), \(p.entry(at: Int(i.b)).function.name), frame at r\(i.c)"
    case .ret: return a
    default: return "\(a), \(b), \(c)"
    }
  }
}

extension WordProgram {
  /// The names of `module`'s word functions.
  public static func wordFunctions(_ module: IRModule) -> [String] {
    WordCompiler.wordFunctions(module.functionsByName)
  }
}

extension IRModule {
  var functionsByName: [String: Function] {
    var functions: [String: Function] = [:]
    for f in self.functions { functions[f.name] = f }
    return functions
  }
}

extension String {
  fileprivate func padded(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
  fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
