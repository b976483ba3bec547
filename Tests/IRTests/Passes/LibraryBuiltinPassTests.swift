import Testing
import Language
@testable import IR

/// The passes on the tensor library's builtins (`Language/Builtins+Library.swift`): the
/// pure ones merge and vanish when unused, `param` (each call a new trainable tensor) and
/// `load` (a file read) never do, and only the differentiable ones are recorded.
@Suite struct LibraryBuiltinPassTests {
  static let pure = ["sort", "argsort", "topk", "one_hot", "where", "gather", "scatter_add", "cumsum",
                     "minimum", "maximum", "logsumexp"]

  @Test func purityEntries() {
    for name in Self.pure { #expect(OpKind.builtin(Builtins.id(name)).isPure, "\(name) is a pure function") }
    #expect(!OpKind.builtin("param").isPure, "each param call makes a new parameter")
    #expect(!OpKind.builtin("load").isPure, "load reads a file")
  }

  @Test func cseMergesSortButNotParamOrLoad() throws {
    var b = Builder()
    let x = b.op(.builtin("zeros"), [], .tensor([.known(3)]))
    let s1 = b.op(.builtin("sort"), [x], .tensor([.known(3)]))
    let s2 = b.op(.builtin("sort"), [x], .tensor([.known(3)]))
    let shape = b.op(.list, [x], .list(.int, count: 1))
    let p1 = b.op(.builtin("param"), [shape], .tensor(nil))
    let p2 = b.op(.builtin("param"), [shape], .tensor(nil))
    let path = b.op(.const(.string("a.npy")), [], .string)
    let l1 = b.op(.builtin("load"), [path], .any)
    let l2 = b.op(.builtin("load"), [path], .any)
    b.void(.builtin("print"), [s1, s2, p1, p2, l1, l2])
    var f = b.function()
    CommonSubexpressions.run(&f)
    try Verifier.verify(f)
    #expect(f.body.ops.last?.operands == [s1, s1, p1, p2, l1, l2])
  }

  @Test func dceDropsUnusedLibraryCallsButKeepsLoadAndParam() throws {
    var b = Builder()
    let x = b.op(.builtin("zeros"), [], .tensor([.known(3)]))
    for name in Self.pure { _ = b.op(.builtin(Builtins.id(name)), [x], .tensor(nil)) }
    let path = b.op(.const(.string("a.npy")), [], .string)
    _ = b.op(.builtin("load"), [path], .any)
    _ = b.op(.builtin("param"), [x], .tensor(nil))
    var f = b.function()
    DeadCode.run(&f)
    try Verifier.verify(f)
    let left = f.body.ops.compactMap { op -> String? in if case .builtin(let id) = op.kind { return id.name }; return nil }
    #expect(left == ["zeros", "load", "param"], "zeros stays: param reads it")
  }

  @Test func tapeRecordsTheDifferentiableOnesOnly() throws {
    var b = Builder()
    let (_, rec) = try tapeMarksInGrad(&b) { body, p in
      let sorted = body.op(.builtin("sort"), [p], .tensor([.known(3)]))
      let order = body.op(.builtin("argsort"), [p], .intTensor([.known(3)]))
      _ = body.op(.builtin("one_hot"), [order], .tensor([.known(3), .known(3)]))
      _ = body.op(.builtin("topk"), [p], .tuple([.tensor([.known(2)]), .intTensor([.known(2)])]))
      let w = body.op(.builtin("where"), [p, sorted, p], .tensor([.known(3)]))
      let c = body.op(.builtin("cumsum"), [w], .tensor([.known(3)]))
      return body.op(.builtin("logsumexp"), [c], .tensor([]))
    }
    #expect(rec == [true, false, false, true, true, true, true, false])
  }
}
