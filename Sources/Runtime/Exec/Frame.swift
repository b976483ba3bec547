import IR
import Language

/// One call's value slots, indexed by value id: a window of the interpreter's `ValueStack`
/// (the IR's value ids are dense per function, so a frame is `valueCount` slots plus one
/// scratch slot for region results). Copying a frame copies the pointer, not the values.
struct Frame {
  let slots: UnsafeMutablePointer<Value>

  subscript(_ id: ValueID) -> Value {
    get { slots[id] }
    nonmutating set { slots[id] = newValue }
  }

  /// Moves the value out of slot `id`, leaving `none`: the caller holds the only reference
  /// the frame had, so a list or tensor it then updates is not copied on write.
  func take(_ id: ValueID) -> Value {
    let v = (slots + id).move()
    (slots + id).initialize(to: .none)
    return v
  }

  /// Stores `v` in a slot that `take` emptied (its `none` needs no release).
  @inline(__always)
  func put(_ id: ValueID, _ v: Value) {
    (slots + id).initialize(to: v)
  }
}

/// The slots of every call in progress, as a stack of fixed chunks: a call pushes its frame
/// and pops it on the way out, so calls allocate nothing once a chunk holds them, and a
/// frame's slots never move while it is alive (a new chunk, twice the size of the last,
/// starts when one is full; the first is small, as most interpreters run short programs).
final class ValueStack {
  private var chunk: UnsafeMutablePointer<Value>
  private var capacity: Int
  private var top = 0
  /// Full chunks below the current one: (slots, capacity, top when the next one started).
  private var below: [(UnsafeMutablePointer<Value>, Int, Int)] = []
  /// A chunk kept after its frames returned, so a call at a chunk's edge does not allocate
  /// on every call.
  private var spare: (UnsafeMutablePointer<Value>, Int)?

  static let firstChunk = 512

  /// Calls in progress, and how many may nest (`Interpreter.maxCallDepth`).
  var depth = 0
  var maxDepth: Int
  /// The value of the `return` being taken. Here, with the depth, because a call reaches
  /// this object without a retain (see `CallSite`).
  var returnValue = Value.void
  /// The value of a `return` of a function that returns a word (`CompiledFunction.returnsWord`).
  var returnWord = 0

  init(maxDepth: Int) {
    self.maxDepth = maxDepth
    capacity = Self.firstChunk
    chunk = Self.allocate(capacity)
  }

  deinit {
    Self.free(chunk, capacity)
    for (p, n, _) in below { Self.free(p, n) }
    if let (p, n) = spare { Self.free(p, n) }
  }

  /// The value the latest `return` left (reset, so the frame's values are not kept alive).
  @inline(__always)
  func takeReturnValue() -> Value {
    let v = returnValue
    returnValue = .void
    return v
  }

  /// A frame of `count` slots, each `none`.
  @inline(__always)
  func push(_ count: Int) -> Frame {
    if top + count > capacity { startChunk(count) }
    let frame = Frame(slots: chunk + top)
    top += count
    return frame
  }

  @inline(never)
  private func startChunk(_ count: Int) {
    below.append((chunk, capacity, top))
    if let (p, n) = spare, n >= count {
      (chunk, capacity) = (p, n)
      spare = nil
    } else {
      capacity = max(2 * capacity, count)
      chunk = Self.allocate(capacity)
    }
    top = 0
  }

  /// Releases the values of the frame `push` returned last (`count` slots, of which only
  /// `clear` can hold a reference: an Int, Float or Bool left in a slot holds nothing, and
  /// every slot is written before it is read).
  @inline(__always)
  func pop(_ frame: Frame, _ count: Int, clear: [ValueID]) {
    for i in clear { frame.slots[i] = .none }
    top -= count
    if top == 0 { endChunk() }
  }

  /// The current chunk is empty: the one below, if any, is current again.
  @inline(never)
  private func endChunk() {
    guard let (p, n, t) = below.popLast() else { return }
    if let (s, m) = spare { Self.free(s, m) }
    spare = (chunk, capacity)
    (chunk, capacity, top) = (p, n, t)
  }

  private static func allocate(_ n: Int) -> UnsafeMutablePointer<Value> {
    let p = UnsafeMutablePointer<Value>.allocate(capacity: n)
    p.initialize(repeating: .none, count: n)
    return p
  }

  private static func free(_ p: UnsafeMutablePointer<Value>, _ n: Int) {
    p.deinitialize(count: n)
    p.deallocate()
  }
}

/// A frame's values copied to the heap, for a closure that runs a region after its call has
/// returned (a bypass estimator calls the bypassed function again in the backward pass).
final class FrameCopy {
  let frame: Frame
  private let count: Int

  init(_ frame: Frame, count: Int) {
    let slots = UnsafeMutablePointer<Value>.allocate(capacity: count)
    slots.initialize(from: frame.slots, count: count)
    self.frame = Frame(slots: slots)
    self.count = count
  }

  deinit {
    frame.slots.deinitialize(count: count)
    frame.slots.deallocate()
  }
}

/// What a call reads of its callee and of the interpreter, held once by the call's step: a
/// call then loads no class reference from another object (each such load is a retain and a
/// release) and finds its callee's body without a lookup.
struct CallSite {
  unowned(unsafe) let interpreter: Interpreter
  let stack: ValueStack
  let cancel: CancelFlag
  let callee: CompiledFunction
  let clear: [ValueID]
  let size: Int
  let span: Span
  /// The call's op, whose location an error leaving the call gains (nil: the caller locates it).
  let op: IR.Op?

  init(_ interpreter: Interpreter, _ callee: CompiledFunction, _ op: IR.Op? = nil, site: Span? = nil) {
    self.interpreter = interpreter
    self.stack = interpreter.stack
    self.cancel = interpreter.cancelFlag
    self.callee = callee
    self.clear = callee.clear
    self.size = callee.frameSize
    self.span = op?.span ?? site ?? .none
    self.op = op
  }

  /// Pushes the callee's frame, lets `bind` fill its parameters, runs the body and pops the
  /// frame: the call-depth limit and a stop request are checked first; an error leaving the
  /// callee gains it in its trace. The callee's value, boxed.
  @inline(__always)
  func run(_ bind: (Frame) -> Void) throws -> Value {
    let flow = try enter(bind) { try callee.run($0) }
    guard flow == .returned else { return .void }
    switch callee.returnsWord {
    case .int?: return .int(stack.returnWord)
    case .float?: return .float(Double.ofWord(stack.returnWord))
    case .bool?: return .bool(stack.returnWord != 0)
    default: return stack.takeReturnValue()
    }
  }

  /// `run` for a callee that returns a word: the word.
  @inline(__always)
  func runWord(_ bind: (Frame) -> Void) throws -> Int {
    try enter(bind) { try callee.runWord($0) }
  }

  @inline(__always)
  private func enter<R>(_ bind: (Frame) -> Void, _ body: (Frame) throws -> R) throws -> R {
    unowned(unsafe) let me = interpreter
    do {
      if stack.depth >= stack.maxDepth { throw me.tooDeep(span) }
      if cancel.isSet { try me.stopIfRequested(span) }
      let frame = stack.push(size)
      bind(frame)
      stack.depth += 1
      defer {
        stack.depth -= 1
        stack.pop(frame, size, clear: clear)
        if stack.depth == 0 { me.runEnded() }
      }
      do {
        return try body(frame)
      } catch var e as RuntimeError {
        if callee.function.name != "main" { e.trace.append((callee.function.name, span)) }
        throw e
      }
    } catch {
      guard let op else { throw error }
      throw me.located(error, op)
    }
  }
}
