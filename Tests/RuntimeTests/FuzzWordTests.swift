import Testing
@testable import Fuzz

/// The word functions of the differential fuzzer: their reference follows dpl's documented
/// scalar rules, and a program that must stop inside one is checked to the column.
@Suite struct FuzzWordTests {
  /// `fn w(a: Int, b: Int) -> Int { (a op b) }`, its site numbered 1.
  static func word(_ op: String, result: WordType = .int) -> WordFunction {
    var f = WordFunction(name: "w", params: [("a", .int), ("b", .int)], result: result, body: [],
                         value: .binary(op, .name("a"), .name("b"), site: 1))
    f.line = 3
    f.render()
    return f
  }

  static func run(_ f: WordFunction, _ args: [WordValue]) throws -> WordValue {
    var m = RefWordMachine(words: [f])
    return try m.call(0, args)
  }

  @Test func intDivisionTruncatesAndRemainderKeepsTheDividendsSign() throws {
    #expect(try Self.run(Self.word("/"), [.int(-7), .int(2)]) == .int(-3))
    #expect(try Self.run(Self.word("%"), [.int(-7), .int(2)]) == .int(-1))
    #expect(try Self.run(Self.word("%"), [.int(7), .int(-2)]) == .int(1))
  }

  @Test func anIntWithAFloatIsAFloat() throws {
    var f = Self.word("+", result: .float)
    f.params[1].type = .float
    #expect(try Self.run(f, [.int(1), .float(0.5)]) == .float(1.5))
  }

  @Test func overflowAndDivisionByZeroStopAtTheOperator() {
    let f = Self.word("*")
    #expect(f.lines[1] == "  (a * b)")
    #expect(f.sites[1]?.line == 1 && f.sites[1]?.column == 6)
    #expect(throws: RefWordMachine.Stop.self) { try Self.run(f, [.int(Int.max), .int(2)]) }
    do {
      _ = try Self.run(Self.word("/"), [.int(1), .int(0)])
      Issue.record("no stop")
    } catch RefWordMachine.Stop.fault(let message, let word, let site) {
      #expect(message == "integer division by zero" && word == 0 && site == 1)
    } catch {
      Issue.record("\(error)")
    }
  }

  @Test func andStopsBeforeADivisionItsLeftSideRulesOut() throws {
    let guarded = WordExpr.binary("&&", .binary("!=", .name("b"), .literal(.int(0)), site: 2),
                                  .binary(">", .binary("/", .name("a"), .name("b"), site: 3), .literal(.int(1)), site: 4), site: 5)
    let f = WordFunction(name: "w", params: [("a", .int), ("b", .int)], result: .bool, body: [], value: guarded)
    #expect(try Self.run(f, [.int(5), .int(0)]) == .bool(false))
  }

  /// The first program of seed 1 that must stop inside a word: it passes, and fails when
  /// the expected place is one column off.
  @Test func aWordThatMustStopIsCheckedToTheColumn() throws {
    var p = try #require((0..<300).lazy.map { ProgramGenerator.program(seed: 1, index: $0) }
      .first { $0.expectedError?.parts.first?.contains("integer") == true })
    let fuzzer = DifferentialFuzzer()
    #expect(fuzzer.check(p) == nil, "\(fuzzer.check(p)?.description ?? "")")
    let expected = try #require(p.expectedError?.parts.first)
    let column = try #require(expected.split(separator: ":").dropFirst(2).first.flatMap { Int($0) })
    p.expectedError?.parts[0] = expected.replacingOccurrences(of: ":\(column): error", with: ":\(column + 1): error")
    #expect(fuzzer.check(p) != nil)
  }
}
