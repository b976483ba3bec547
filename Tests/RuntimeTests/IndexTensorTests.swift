import Testing
@testable import Runtime

/// Subscripts with integer tensors (`Interpreter+IndexTensors.swift`,
/// `Checker+Indexing.swift`) against a naive reference of the rule in docs/language.md:
/// Ints drop their axis, index tensors are broadcast together and pick pairwise, their
/// common shape in place of the first when they are adjacent, else first.
@Suite("indexing with integer tensors")
struct IndexTensorTests {
  enum Item {
    case at(Int)
    case all
    case index([Int], shape: [Int])

    var text: String {
      switch self {
      case .at(let i): return "\(i)"
      case .all: return ":"
      case .index(let v, let s): return "reshape(tensor(\(v)), \(s))"
      }
    }
  }

  struct Case: CustomStringConvertible {
    var shape: [Int]
    var items: [Item]
    var description: String { "\(shape)[\(items.map(\.text).joined(separator: ", "))]" }
  }

  static let cases: [Case] = [
    Case(shape: [3, 4], items: [.index([2, 0, 2], shape: [3])]),
    Case(shape: [3, 4], items: [.all, .index([3, 1, 0, 0], shape: [2, 2])]),
    Case(shape: [3, 4], items: [.index([2, 0, 1], shape: [3]), .index([3, 3, 0], shape: [3])]),
    Case(shape: [3, 4], items: [.index([2, 0], shape: [2, 1]), .index([3, 1, 0], shape: [3])]),
    Case(shape: [2, 3, 4], items: [.index([1, 0], shape: [2]), .all, .index([0, 3], shape: [2])]),
    Case(shape: [2, 3, 4], items: [.all, .index([2, 0, 1], shape: [3]), .index([3], shape: [1])]),
    Case(shape: [2, 3, 4], items: [.index([1, 0, 1], shape: [3]), .at(2), .index([3, 2, 1], shape: [3])]),
    Case(shape: [2, 3, 4, 2], items: [.at(1), .index([2, 0], shape: [2]), .all, .index([1, 0], shape: [2, 1])]),
    Case(shape: [2, 3, 4, 2], items: [.index([1], shape: [1]), .index([0, 2], shape: [2]), .index([3, 0], shape: [2])]),
  ]

  /// The shape and the flat source offset of every element of `shape[items]`.
  static func reference(_ c: Case) -> (shape: [Int], sources: [Int]) {
    let strides = c.shape.indices.map { d in c.shape[(d + 1)...].reduce(1, *) }
    var common: [Int] = []
    var places: [Int] = []  // positions of the index tensors among the kept axes
    var kept: [Int] = []    // the axes that slices keep
    var keptCount = 0
    for (d, item) in c.items.enumerated() {
      switch item {
      case .at: break
      case .all: kept.append(d); keptCount += 1
      case .index(_, let s):
        let n = max(common.count, s.count)
        let a = Array(repeating: 1, count: n - common.count) + common, b = Array(repeating: 1, count: n - s.count) + s
        common = zip(a, b).map { max($0, $1) }
        places.append(keptCount)
        keptCount += 1
      }
    }
    kept += Array(c.items.count..<c.shape.count)
    let adjacent = places.isEmpty || places[places.count - 1] - places[0] == places.count - 1
    let at = places.isEmpty ? 0 : (adjacent ? places[0] : 0)
    let keptShape = kept.map { c.shape[$0] }
    let outShape = Array(keptShape[..<at]) + common + Array(keptShape[at...])
    let count = outShape.reduce(1, *)
    var sources: [Int] = []
    for o in 0..<count {
      var rem = o
      let idx = outShape.indices.map { d -> Int in
        let s = outShape[(d + 1)...].reduce(1, *)
        defer { rem %= s }
        return rem / s
      }
      let pick = Array(idx[at..<(at + common.count)])
      var keptIdx = Array(idx[..<at]) + Array(idx[(at + common.count)...])
      var offset = 0
      for (d, item) in c.items.enumerated() {
        switch item {
        case .at(let i): offset += i * strides[d]
        case .all: offset += keptIdx.removeFirst() * strides[d]
        case .index(let v, let s):
          // The element of the index that broadcasting reads at `pick`.
          let tail = Array(pick.suffix(s.count))
          let sStrides = s.indices.map { k in s[(k + 1)...].reduce(1, *) }
          let e = zip(zip(tail, s), sStrides).map { ts, st in (ts.1 == 1 ? 0 : ts.0) * st }.reduce(0, +)
          offset += v[e] * strides[d]
        }
      }
      for d in c.items.count..<c.shape.count { offset += keptIdx.removeFirst() * strides[d] }
      sources.append(offset)
    }
    return (outShape, sources)
  }

  @Test(arguments: cases)
  func picksAsTheReferenceDoes(_ c: Case) {
    let (shape, sources) = Self.reference(c)
    let n = c.shape.reduce(1, *)
    // The values are their own flat offsets; the annotation checks the checker's shape rule.
    let out = runProgram(source: """
      let x = reshape(arange(\(n)), \(c.shape))
      let y: Tensor\(shape) = x[\(c.items.map(\.text).joined(separator: ", "))]
      print(y.shape, reshape(y, [-1]))
      """)
    #expect(out.error == nil, "\(c): \(out.error ?? "")")
    #expect(out.lines == ["\(shape) [" + sources.map { "\(Double($0))" }.joined(separator: ", ") + "]"], "\(c)")
  }

  @Test("index tensors that do not broadcast, an index out of range, a Float index")
  func errors() {
    let bad = runProgram(source: "let x = zeros([3, 4])\nlet y = x[tensor([0, 1]), tensor([0, 1, 2])]")
    #expect(bad.error?.hasPrefix("test.dpl:2:27: error: index tensors are paired element by element, but shapes [2] and [3] cannot be broadcast") == true,
            "\(bad.error ?? "no error")")
    let late = runProgram(source: "let x = zeros([3, 4])\nlet n = len([1, 2, 3])\nlet y = x[tensor([0, 1]), int(arange(n))]\nprint(y)")
    #expect(late.error?.hasPrefix("test.dpl:3:9: error: index tensors are paired element by element, but shapes [2] and [3] cannot be broadcast") == true,
            "\(late.error ?? "no error")")
    let range = runProgram(source: "let x = zeros([3, 4])\nlet y = x[tensor([0, 3]), tensor([4, 1])]\nprint(y)")
    #expect(range.error?.hasPrefix("test.dpl:2:9: error: index 4 is out of range 0..<4 on axis 1 of [3, 4]") == true,
            "\(range.error ?? "no error")")
    let real = runProgram(source: "let x = zeros([3, 4])\nlet y = x[arange(2)]")
    #expect(real.error?.contains("a tensor index must be Int or IntTensor, not Tensor[2]") == true, "\(real.error ?? "no error")")
  }
}
