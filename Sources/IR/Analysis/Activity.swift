import Language

/// Where a gradient can start (DESIGN.md "Gradients through non-differentiable calls").
public enum ActivitySource: Hashable, Sendable {
  /// Input `i` of the `grad`/`check_grad` (the op's result value) being analysed.
  case input(ValueID, Int)
  /// The parameters of one part of a model: a layer, a `param` field, or (for a model only
  /// known at run time) the whole value.
  case parameter(Holder)
  /// Written-order argument `i` of a bypassed call, while that call is checked.
  case argument(Int)
  /// A function parameter or a global, when the tape marking analyses a function on its own
  /// (it may be called from any gradient block).
  case assumed(String)
}

/// A value that owns parameters (a model, a layer, a list of them, or an `Any` that may be
/// one), named by where it came from and the fields read on the way.
public struct Holder: Hashable, Sendable {
  public enum Root: Hashable, Sendable {
    /// Made by `construct` or a layer builtin in a function.
    case made(function: String, value: ValueID)
    /// Input `i` of the `check_grad` (the op's result value) being analysed (`check_grad(net) { … }`).
    case input(ValueID, Int)
    /// Parameter `i` of the function the analysed gradient block is in.
    case parameter(Int)
    /// A global whose model was made outside this program (a REPL session's earlier input).
    case global(String)
    /// A model only known at run time.
    case unknown
  }
  public var root: Root
  /// Fields and list positions from the root (`["down", "0", "conv1"]`); `*` for a
  /// position not known before running.
  public var path: [String]

  func appending(_ step: String) -> Holder { Holder(root: root, path: path + [step]) }
}

/// An operation without gradient that a gradient path runs into.
struct Blocker: Hashable {
  /// The operation as written: `round`, `>`, `argmin`.
  var name: String
  var span: Span
  /// The calls of user functions from the gradient block down to the operation, outermost
  /// first: the error is reported at the first, where `@bypass(…)` belongs.
  var chain: [CallSite] = []
  /// Inserts `@bypass(…)` before the outermost call (nil where it cannot go).
  var fix: FixIt?
  /// Wraps the blocked arguments in `stop_gradient(…)`: the path is cut on purpose.
  var stopFix: [FixIt] = []
  /// Where the operation's result is used as an index: `@bypass` on the operation cannot
  /// help there (an index has no gradient), so the fix is to bypass the lookup instead.
  var index: Span?

  /// Where the error goes: the outermost call, or the operation itself.
  var site: Span { chain.first?.span ?? span }
}

/// A call of a user function or method on a gradient path.
struct CallSite: Hashable {
  var name: String
  var span: Span
}

/// How a value depends on one source.
struct Flow: Hashable {
  /// A differentiable path from the source reaches the value.
  var diff = false
  /// The first operation without gradient that a path from the source went through.
  var blocker: Blocker?
  /// A real-valued operation without gradient on a differentiable path from the source: its
  /// gradient would silently be zero (error (a) of DESIGN.md).
  var taint: Blocker?

  func join(_ o: Flow) -> Flow {
    Flow(diff: diff || o.diff, blocker: blocker ?? o.blocker, taint: taint ?? o.taint)
  }

  /// The flow without findings (a call's arguments, as its summary sees them).
  var plain: Flow { Flow(diff: diff) }
}

/// The abstract value of one IR value: the sources it depends on, and the parameter
/// holders it may be.
struct Act: Hashable {
  var flows: [ActivitySource: Flow] = [:]
  var holders: Set<Holder> = []

  static let empty = Act()

  var isEmpty: Bool { flows.isEmpty && holders.isEmpty }
  /// Some source reaches the value differentiably.
  var isDifferentiable: Bool { flows.values.contains { $0.diff } }

  func join(_ o: Act) -> Act {
    if o.isEmpty { return self }
    if isEmpty { return o }
    var r = self
    r.flows.merge(o.flows) { $0.join($1) }
    r.holders.formUnion(o.holders)
    return r
  }

  /// Every flow turned into a dependence only: the value passed through `blocker`, an
  /// operation without gradient. A real-valued result (`round`) keeps a differentiable
  /// path's finding as a taint; an index (`argmax`) carries none.
  func blocked(by blocker: Blocker, real: Bool) -> Act {
    var r = Act()
    for (s, f) in flows {
      r.flows[s] = Flow(diff: false, blocker: f.blocker ?? blocker,
                        taint: real ? (f.diff ? (f.taint ?? blocker) : f.taint) : nil)
    }
    return r
  }

  /// Flows only, findings dropped (a summary's key).
  var plain: Act { Act(flows: flows.mapValues(\.plain), holders: holders) }

  /// Flows into an index (`cb[argmin(z)]`): dependences only, and a bypass of the operation
  /// that made the index would not help.
  func usedAsIndex(at span: Span) -> Act {
    var r = Act()
    for (s, f) in flows {
      var b = f.blocker ?? Blocker(name: "an index", span: span)
      if b.index == nil {
        b.fix = nil
        b.index = span
      }
      r.flows[s] = Flow(diff: false, blocker: b, taint: nil)
    }
    return r
  }

  /// The holders' list elements (`for blk in blocks`, `blocks[i]`).
  func elements(_ step: String) -> Act {
    Act(flows: flows, holders: Set(holders.map { $0.appending(step) }))
  }
}

/// The state of `var` cells at one point of a function; nil where the point cannot be
/// reached (after `return`, `break`, `continue`).
typealias Cells = [ValueID: Act]

func join(_ a: Cells?, _ b: Cells?) -> Cells? {
  guard let a else { return b }
  guard let b else { return a }
  return a.merging(b) { $0.join($1) }
}
