import Language
import Testing
@testable import Runtime

/// The registry's start-up check on deliberately broken bindings: it names what is wrong,
/// and it stops the process (in a child process, so in whatever configuration the tests
/// were built: a release test build checks that the stop is not compiled away).
@Suite("builtin registry: the start-up check")
struct BuiltinStartupTests {
  @Test func problemsNameAMissingAndAStrayImplementation() {
    var named = BuiltinTable.named
    named["sum"] = nil
    named["no_such_builtin"] = named["print"]
    #expect(BuiltinTable.problems(Builtins.all, named) == [
      "builtin 'sum' has no implementation",
      "an implementation is bound to 'no_such_builtin', which is no registry entry",
    ])
  }

  @Test("a broken table stops the process at start-up")
  func brokenTableStops() async {
    await #expect(processExitsWith: .failure) {
      var named = BuiltinTable.named
      named["sum"] = nil
      _ = BuiltinTable.verified(Builtins.all, named)
    }
  }

  @Test func theShippedTableIsWhole() {
    #expect(BuiltinTable.verified(Builtins.all, BuiltinTable.named).count == Builtins.all.count)
  }
}
