import Foundation

/// A generated program and what it must print.
public struct GeneratedProgram: Sendable {
  public var source: String
  /// The run's seed and the program's index in it: `ProgramGenerator.program(seed:index:)`
  /// makes the same program again.
  public var seed: UInt64
  public var index: Int
  /// One entry per line the program prints.
  var expected: [ExpectedLine]
  /// Gradients the reference computed by central finite differences in Double.
  public var checkedGradients: Int
  /// The error the program must stop with, if it must.
  public var expectedError: ExpectedError?
}

/// Generates random well-typed dpl programs, and evaluates each statement in Double as it
/// is generated (a tiny reference interpreter), so it knows what the program must print.
///
/// A statement the reference cannot vouch for — a value out of range, a branch or `round`
/// too close to its threshold, `log` of a small value — is drawn again. Values the reference
/// cannot follow (model outputs, bypass estimators) are `unknown`: their lines are only
/// compared across pass settings (`DifferentialFuzzer`).
public struct ProgramGenerator {
  var rng: FuzzRandom
  var nameCount = 0
  var nodeCount = 0
  var regionCount = 0
  /// Right-hand sides of earlier bindings, repeated verbatim by `pooled`.
  var pool: [Term] = []
  var functions: [GenFunction] = []
  var models: [GenModel] = []
  /// Which of `hardVariants` the program's `hard` function is.
  var hardVariant = 0
  /// The solvers `senseSolver` used (declared in the header at the end).
  var solvers: [Solver] = []
  /// The overflow error of the last `intArithmetic` statement that leaves Int32.
  var pendingOverflow: ExpectedError?
  /// The program's scalar word functions (`ProgramGenerator+Words.swift`), drawn from their
  /// own stream so that the rest of a program is drawn as it is without them.
  var words: [WordFunction] = []
  var wordRng = FuzzRandom(seed: 0)
  let size: Size

  /// How big programs get.
  public struct Size: Sendable {
    /// Expression depth at the top level (blocks and functions: one less or the same).
    public var depth: Int
    /// Top-level statements: at least `statements.lowerBound`, at most `statements.upperBound`.
    public var statements: ClosedRange<Int>
    public var functions: Int
    /// Statements in a block (a function body, a gradient block), at most.
    public var blockStatements: Int

    /// Small programs: the test suite runs thousands in a debug build.
    public static let small = Size(depth: 2, statements: 2...4, functions: 2, blockStatements: 1)
    /// Larger programs for long runs of a release build.
    public static let large = Size(depth: 3, statements: 3...6, functions: 3, blockStatements: 2)
  }

  init(rng: FuzzRandom, size: Size) {
    self.rng = rng
    self.size = size
  }

  /// Program `index` of the run with `seed` (independent of the programs before it).
  public static func program(seed: UInt64, index: Int, size: Size = .small) -> GeneratedProgram {
    var mix = FuzzRandom(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
    var g = ProgramGenerator(rng: FuzzRandom(seed: mix.next()), size: size)
    g.wordRng = FuzzRandom(seed: mix.next())
    return g.generate(seed: seed, index: index)
  }

  mutating func fresh(_ prefix: String) -> String {
    nameCount += 1
    return "\(prefix)\(nameCount)"
  }

  mutating func nextNode() -> Int {
    nodeCount += 1
    return nodeCount
  }

  mutating func nextRegion() -> Int {
    regionCount += 1
    return regionCount
  }

  /// Inputs, models, functions, then top-level statements, each checked by the reference.
  mutating func generate(seed: UInt64, index: Int) -> GeneratedProgram {
    var header = ["// dpl fuzz: seed \(seed), program \(index)"]
    var sc = Scope()
    sc.depth = size.depth
    let env = RefEnv(run: RefRun())
    var body: [String] = []
    for _ in 0..<(2 + rng.below(2)) {
      let shape = rng.pick(Self.shapes.filter { !$0.isEmpty })
      let name = fresh("x")
      let lit = literal(shape)
      body.append("let \(name) = \(lit.text)")
      env[name] = lit.eval(env)
      sc.add(name, .tensor(shape))
    }
    if rng.chance(0.3) {
      // A `config` field: a Float the program reads like a constant.
      let c = rng.pick(Self.constants)
      header.append("config { k0: Float = \(Self.fmt(c)) }")
      sc.add("k0", .float)
      env["k0"] = .float(c)
    }
    hardVariant = rng.below(Self.hardVariants.count)
    header += declareHard()
    if rng.chance(0.35) { header += declareModels(&body, &sc) }
    let fnCount = rng.below(size.functions + 1)
    for _ in 0..<fnCount { header += declareFunction(sc) }
    // Scalar word functions in a quarter of the programs, called between the statements.
    header += declareWords(first: header.count + 1)
    let count = size.statements.lowerBound + rng.below(size.statements.count)
    for _ in 0..<count {
      body += wordUse(&sc, env)
      body += topLevel(&sc, env)
    }
    body += wordUse(&sc, env, last: true)
    var expectedError: ExpectedError?
    if let end = failingWords(first: header.count + 1) {
      // A word that overflows or divides by zero two or three calls deep.
      header += end.header
      body += end.lines
      expectedError = end.error
    } else if rng.chance(0.04) {
      // A program that must fail (a blocked parameter, an IntTensor overflow): its end.
      let end = failingEnd(&header, &sc)
      body += end.lines
      expectedError = end.error
    }
    header += solvers.map(\.text)
    let source = (header + body).joined(separator: "\n") + "\n"
    return GeneratedProgram(source: source, seed: seed, index: index, expected: env.run.output ?? [],
                            checkedGradients: env.run.checkedGradients, expectedError: expectedError)
  }

  /// One top-level statement the reference accepts (drawn again, up to a few times, when it
  /// rejects one); its lines.
  mutating func topLevel(_ sc: inout Scope, _ env: RefEnv) -> [String] {
    for _ in 0..<8 {
      let (savedScope, savedPool, savedVars) = (sc, pool, env.vars)
      let savedOutput = env.run.output?.count ?? 0
      let savedChecked = env.run.checkedGradients
      let stmts = topStatement(&sc)
      for s in stmts { s.exec(env) }
      if env.run.rejected == nil { return stmts.flatMap(\.lines) }
      env.run.rejected = nil
      (sc, pool, env.vars) = (savedScope, savedPool, savedVars)
      env.run.output?.removeSubrange(savedOutput...)
      env.run.checkedGradients = savedChecked
    }
    return []
  }

  /// A top-level statement: an ordinary one, or a gradient, training or bypass section.
  mutating func topStatement(_ sc: inout Scope) -> [Stmt] {
    switch rng.below(13) {
    case 0, 1, 2, 3: return gradSection(&sc)
    case 4: return gradLoop(&sc)
    case 5: return callGradientFunction(&sc) ?? gradSection(&sc)
    case 6: return trainingSection(&sc) ?? gradSection(&sc)
    case 7: return [printStmt(sc, eval: true)]
    case 12: return escaped(&sc)
    default: return statement(&sc)
    }
  }
}

/// A variable in scope during generation.
struct GenVar {
  var name: String
  var type: GenType
  var mutable: Bool
  /// Gradient inputs its value depends on differentiably (an underestimate is safe).
  var deps: Set<String>
  /// The gradient, training or function region it was declared in (assignments stay there).
  var region: Int
}

/// What the generator may use at a point of the program.
struct Scope {
  var vars: [GenVar] = []
  /// The inputs of the enclosing `grad` block (empty outside one).
  var gradInputs: Set<String> = []
  /// Inside a `grad`, `value_and_grad` or `minimize` body (no gradient block nests there).
  var inGradient = false
  /// The model whose optimizer's `minimize` body this is.
  var minimizing: Int?
  var inFunction = false
  /// No `@bypass`, and no call of a function that may hold one (a `check_grad` block).
  var noBypass = false
  var region = 0
  /// Expression depth.
  var depth = 3

  mutating func add(_ name: String, _ type: GenType, mutable: Bool = false, deps: Set<String> = []) {
    vars.append(GenVar(name: name, type: type, mutable: mutable, deps: deps, region: region))
  }

  func lookup(_ name: String) -> GenVar? { vars.last { $0.name == name } }

  mutating func setDeps(_ name: String, _ deps: Set<String>) {
    if let k = vars.lastIndex(where: { $0.name == name }) { vars[k].deps = deps }
  }

  /// The scope inside a gradient block over `inputs`: values from outside are constants.
  func enteringGradient(_ inputs: Set<String>, region: Int) -> Scope {
    var s = self
    s.gradInputs = inputs
    s.inGradient = true
    s.region = region
    for k in s.vars.indices { s.vars[k].deps = inputs.contains(s.vars[k].name) ? [s.vars[k].name] : [] }
    return s
  }

  /// Mutable tensor variables that may be assigned here.
  var assignable: [GenVar] { vars.filter { $0.mutable && $0.region == region && $0.type != .int } }
}
