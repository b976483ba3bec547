import Language

/// A value number, unique within one function (printed `v4`).
public typealias ValueID = Int

/// What an operation does. Names print in lowercase (`add`, `builtin.relu`, `var.set`).
public enum OpKind: Hashable, Sendable {
  case const(ConstValue)
  case binary(BinaryOp)
  case unary(UnaryOp)
  /// A registry builtin; operands in parameter order, defaults materialised as constants.
  case builtin(BuiltinID)
  /// A user function by qualified name.
  case call(String)
  /// Creates a model instance and runs its `init` function; operands are constructor arguments.
  case construct(String)
  /// Calls a method; operand 0 is the model value.
  case method(model: String, name: String)
  /// Applies a layer value (operand 0) to operand 1.
  case apply
  /// `relu` of `apply` in one op (made by the `fuse` pass).
  case applyReLU
  /// Calls a value only known at run time; operand 0 is the callee.
  case callDynamic
  case list
  case tuple
  /// Subscript: operand 0 is the base, then one or two operands per item as `items` says.
  case index([IndexKind])
  /// `x[items] = v` on a value: operands base, item operands…, new value; result is the updated value.
  case setIndex([IndexKind])
  /// `.shape`, `.rank`, a tuple element `.0`, a model field read from outside.
  case member(String)
  /// Half-open range: operands lower, upper.
  case range
  /// String interpolation: text pieces with `nil` where the next operand goes.
  case format([String?])
  /// Structured `if`: operand condition; regions then, else; yields the value of the taken branch.
  case ifElse
  /// `for`: operand the sequence; one region whose single parameter is the element.
  case forEach
  /// `while`: region 0 computes the condition (yields a Bool), region 1 is the body.
  case whileLoop
  case breakLoop
  case continueLoop
  /// Ends a function; optional operand is the result.
  case returnValue
  /// Ends a region with its value (optional operand).
  case yield
  /// A mutable local cell: operand initial value; result the cell.
  case varNew(String)
  case varGet
  /// Operands cell, value.
  case varSet
  case globalGet(String)
  /// Operand value.
  case globalSet(String)
  /// A `config` value: the `--set` override or the default.
  case config(name: String, defaultValue: ConstValue)
  /// Reads a field of operand 0 (a model, inside its methods).
  case fieldGet(String)
  /// Sets a field: operands model, value (in a model's init function).
  case fieldSet(String)
  /// `grad(x, …) { loss }`: operands the inputs; region 0 yields the loss.
  case grad(valueToo: Bool)
  /// `check_grad(x, …, eps:, directions:, bypass:) { loss }`: operands the inputs (tensors,
  /// models, layers), then one value per given option, in `options` order; region 0 has a
  /// parameter per input (bound to the watched value) and yields the loss; result the
  /// largest relative error of the tape gradient against central finite differences (a Float).
  /// `fields[k]`, when set, names a field of input `k` (a model): `check_grad(net.codebook)`
  /// checks that field's parameters (a `param`, a layer, a model), and the operand is `net`.
  case checkGrad(options: [String], fields: [String?])
  /// `opt.minimize { loss }`: operand the optimizer; region 0 yields the loss; result the loss as Float.
  case minimize
  /// `eval { … }`: region 0 runs without recording, in evaluation mode.
  case eval
  case stopGradient
  case surrogate
  /// `@bypass(strategy, options) f(x, …)`: operands the `inputs` bypassed inputs, then the
  /// strategy model (when `strategy` is `model`), then option values; region 0 takes the
  /// bypassed inputs as its parameters and yields f(x, …).
  case bypass(strategy: String, options: [String], inputs: Int)
}

/// One subscript item of an `index`/`setIndex` op.
public enum IndexKind: Hashable, Sendable {
  /// One operand (Int or IntTensor).
  case at
  /// A slice; the flags say which bounds are present as operands (lower first).
  case slice(lower: Bool, upper: Bool)
}

/// A call the inliner removed: the callee's name and the call's span.
public struct InlineFrame: Hashable, Sendable {
  public var function: String
  public var site: Span
  public init(function: String, site: Span) {
    self.function = function
    self.site = site
  }
}

/// An operation. Nested regions make control flow structured, so an interpreter runs an op
/// list from top to bottom, recursing into regions.
public struct Op: Hashable, Sendable {
  /// The value this op defines, if any.
  public var result: ValueID?
  public var kind: OpKind
  public var operands: [ValueID]
  /// Type of the result (`()` when there is none).
  public var type: ValueType
  public var regions: [Region]
  /// Source location for run-time errors.
  public var span: Span
  /// Set by the tape-marking pass: the op may need recording on the tape (it can depend on a
  /// requested input or parameter). The executor records it when an operand is tracked.
  public var record: Bool
  /// For an op the inliner copied into a caller: the inlined calls it came from, innermost
  /// first, as (function, call site). Set on the copied body's top-level ops only, so an
  /// error passing out of an op (or out of a region inside it) adds each frame once.
  public var inlinedAt: [InlineFrame] = []

  public init(result: ValueID?, kind: OpKind, operands: [ValueID] = [], type: ValueType = .void,
              regions: [Region] = [], span: Span = .none, record: Bool = false) {
    self.result = result
    self.kind = kind
    self.operands = operands
    self.type = type
    self.regions = regions
    self.span = span
    self.record = record
  }
}

/// A list of ops with block parameters (a loop's element, a bypass input).
public struct Region: Hashable, Sendable {
  public var params: [ValueID]
  public var ops: [Op]
  public init(params: [ValueID] = [], ops: [Op] = []) {
    self.params = params
    self.ops = ops
  }
}

/// A function: the main program, a user function, a model's init, or a method.
public struct Function: Hashable, Sendable {
  /// Qualified name: `main`, `square`, `nn.dice`, `Mlp.init`, `Mlp.forward`.
  public var name: String
  /// Parameter names; their values are `body.params` (for methods and init, parameter 0 is `self`).
  public var paramNames: [String]
  public var paramTypes: [ValueType]
  public var resultType: ValueType
  public var body: Region
  public var span: Span
  /// One past the largest value id (new ids are allocated from here).
  public var valueCount: Int
  /// What the source said that the ops do not keep, for the diagnostics read off the
  /// lowered IR (the passes do not update it).
  public var sourceNotes = SourceNotes()

  public init(name: String, paramNames: [String], paramTypes: [ValueType], resultType: ValueType,
              body: Region, span: Span, valueCount: Int) {
    self.name = name
    self.paramNames = paramNames
    self.paramTypes = paramTypes
    self.resultType = resultType
    self.body = body
    self.span = span
    self.valueCount = valueCount
  }
}

/// The source's names and spans behind some values of a freshly lowered function: the
/// activity analysis names gradient inputs and places fix-its with them.
public struct SourceNotes: Hashable, Sendable {
  /// Names of gradient-block inputs as written (`grad(x)` → the region parameter's name).
  public var names: [ValueID: String] = [:]
  /// For each call, method, layer application and builtin: the span of each operand's
  /// argument as written, in operand order (nil for a default or the receiver).
  public var arguments: [ValueID: [Span?]] = [:]
  /// For each `@bypass`: the strategy as written and the `wrt:` value, if given.
  public var bypasses: [ValueID: BypassSpans] = [:]

  public struct BypassSpans: Hashable, Sendable {
    public var strategy: Span
    public var wrt: Span?
  }

  public init() {}
}

/// A user model: constructor parameters, fields in creation order, and method functions.
public struct ModelInfoIR: Hashable, Sendable {
  public var name: String
  public var params: [String]
  /// Fields in order: constructor parameters first, then the `let`s of the body.
  public var fields: [String]
  /// The function that fills the fields (`Name.init`, parameters `self` + constructor params).
  public var initFunction: String
  /// Method name → function name (`forward` → `Mlp.forward`).
  public var methods: [String: String]
}

/// A `config` field.
public struct ConfigEntry: Hashable, Sendable {
  public var name: String
  public var type: ValueType
  public var defaultValue: ConstValue
  /// The declared range (`in 1...`), if any.
  public var range: ConfigRange?
  /// Where the field is declared.
  public var span: Span = .none

  public init(name: String, type: ValueType, defaultValue: ConstValue, range: ConfigRange? = nil, span: Span = .none) {
    self.name = name
    self.type = type
    self.defaultValue = defaultValue
    self.range = range
    self.span = span
  }
}

/// A lowered program: the entry is the function named `main`.
public struct IRModule: Hashable, Sendable {
  public var functions: [Function]
  public var models: [ModelInfoIR]
  public var configs: [ConfigEntry]
  /// Names of global cells (top-level bindings used from inside functions).
  public var globals: [String]
  /// Source files, for turning spans into `file:line:col`.
  public var files: [SourceFile]

  public init(functions: [Function] = [], models: [ModelInfoIR] = [], configs: [ConfigEntry] = [],
              globals: [String] = [], files: [SourceFile] = []) {
    self.functions = functions
    self.models = models
    self.configs = configs
    self.globals = globals
    self.files = files
  }

  /// The function with a given name.
  public func function(named name: String) -> Function? { functions.first { $0.name == name } }

  /// `file:line:col` of a span, for run-time error messages.
  public func location(of span: Span) -> String { files.location(of: span) }
}

extension SourceFile: Hashable {
  public static func == (a: SourceFile, b: SourceFile) -> Bool { a.path == b.path && a.bytes == b.bytes }
  public func hash(into h: inout Hasher) { h.combine(path) }
}
