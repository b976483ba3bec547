import Foundation
import Testing
@testable import Runtime
@testable import Formats

/// The library builtins as programs use them: loading `.npy`, CSV and one tensor of a
/// safetensors file, run-time errors of slice assignment, activity analysis around
/// conditions and index outputs, and `@bypass` batching through `sort`.
@Suite("library: loading, assignment errors, activity")
struct LibraryTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/load")

  func run(_ source: String) -> RunOutcome {
    runProgram(source: source) { $0.workingDirectory = Self.folder }
  }

  @Test("npy files written by numpy.save: f4, f8, i4, i8, 0-d, version 2")
  func npy() {
    let out = run("""
      print(load("f4.npy"), load("f8.npy"), load("i4.npy"), load("i8.npy"), load("scalar.npy"), load("v2.npy").shape)
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["[[0.0, 0.25, 0.5], [0.75, 1.0, 1.25]] [[1.5, -2.0], [3.25, 0.0010000000474974513]] [3, -1, 7] [[0, 2147483647]] 2.5 [2, 2]"])
  }

  @Test("npy files dpl cannot read are refused with the reason", arguments: [
    ("fortran.npy", "Fortran order"), ("big_endian.npy", "big-endian"), ("u1.npy", "unsupported dtype |u1"),
    ("i8_overflow.npy", "does not fit in Int32"), ("table.csv\", name: \"x", "'name:' picks a tensor of a safetensors file"),
  ])
  func npyErrors(_ file: String, _ reason: String) {
    let out = run("let t = load(\"\(file)\")")
    #expect(out.error?.contains(reason) == true, "\(out.error ?? "no error")")
    #expect(out.error?.hasPrefix("test.dpl:1:9: error: ") == true, "\(out.error ?? "")")
  }

  @Test("a truncated or foreign .npy names the problem")
  func npyCorrupt() throws {
    let bytes = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent("f4.npy")))
    #expect(throws: IOError("t.npy", "truncated: <f4[2, 3] needs 24 bytes of data, the file has 20")) {
      try NPY.decode(Array(bytes.dropLast(4)), path: "t.npy")
    }
    #expect(throws: IOError.self) { try NPY.decode(Array(bytes.prefix(40)), path: "t.npy") }
    #expect(throws: IOError("t.npy", "not an .npy file (it does not start with \\x93NUMPY)")) {
      try NPY.decode(Array("hello world".utf8), path: "t.npy")
    }
  }

  /// The bytes of a version-1.0 `.npy` file with `header` and `data`.
  static func npy(_ header: String, data: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
    let h = Array(header.utf8)
    return [0x93] + Array("NUMPY".utf8) + [version, 0, UInt8(h.count & 0xff), UInt8(h.count >> 8)] + h + data
  }

  @Test("a corrupt .npy header names what is wrong", arguments: [
    ("{'descr': '<f4', 'shape': (2,), }", "the header has no 'fortran_order'"),
    ("garbage", "the header has no 'descr'"),
    ("{'descr': 4, 'fortran_order': False, 'shape': (1,), }", "the header's descr 4 is not a string"),
    ("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", "the header's fortran_order is Maybe, not True or False"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': [1], }", "the header's shape [1] is not a tuple of sizes"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", "the header's shape (-1,) is not a tuple of sizes"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", "the header's shape (99999999999, 99999999999): a [99999999999, 99999999999] tensor needs 3.47e+04 EiB, more than the size limit"),
    ("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", "unsupported dtype <f2"),
    ("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }", "unsupported dtype |b1"),
  ])
  func npyHeaders(_ header: String, _ reason: String) {
    #expect(throws: IOError.self) { try NPY.decode(Self.npy(header), path: "h.npy") }
    do {
      _ = try NPY.decode(Self.npy(header), path: "h.npy")
    } catch let e as IOError {
      #expect(e.path == "h.npy")
      #expect(e.message.hasPrefix(reason), "\(e.message)")
    } catch {
      Issue.record("\(error)")
    }
  }

  @Test("a .npy file that ends early is refused, not read past its end")
  func npyShort() {
    let v2 = [UInt8]([0x93] + Array("NUMPY".utf8) + [2, 0, 5])
    for bytes in [v2, Array(v2.prefix(9)), Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: [0, 0, 0])] {
      #expect(throws: IOError.self) { try NPY.decode(bytes, path: "s.npy") }
    }
    let ok = Self.npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", data: [1, 0, 0, 0, 255, 255, 255, 255])
    #expect(throws: Never.self) { try NPY.decode(ok, path: "s.npy") }
  }

  @Test("CSV: a header row is skipped, blank lines ignored; ragged rows and words are errors with the line")
  func csv() {
    let out = run("print(load(\"table.csv\"))")
    #expect(out.lines == ["[[1.5, 2.0, 0.0], [-3.0, 0.4000000059604645, 1.0], [7.0, 8.0, 2.0]]"], "\(out.error ?? "")")
    #expect(run("let t = load(\"ragged.csv\")").error?.contains("line 2 has 2 fields, the rows above have 3") == true)
    #expect(run("let t = load(\"word.csv\")").error?.contains("line 2, column 2: 'abc' is not a number") == true)
    #expect(throws: IOError.self) { try CSV.decode("a,b\n", path: "h.csv") }
  }

  @Test("load(path, name:) picks one tensor of a multi-tensor safetensors file")
  func safetensorsByName() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("data.safetensors")
    try Safetensors.write(["x_train": Tensor(shape: [2], repeating: 1.5), "c_train": Tensor(shape: [1], repeating: 2)],
                          ints: ["w_train": IntTensor(shape: [2], repeating: 3)], to: url)
    let ok = run("print(load(\"\(url.path)\", name: \"x_train\"), load(\"\(url.path)\", name: \"w_train\"))")
    #expect(ok.lines == ["[1.5, 1.5] [3, 3]"], "\(ok.error ?? "")")
    let missing = run("let t = load(\"\(url.path)\", name: \"x_trian\")")
    #expect(missing.error?.contains("has no tensor named 'x_trian'") == true)
    #expect(missing.error?.contains("did you mean 'x_train'?") == true)
    #expect(missing.error?.contains("it holds: c_train, w_train, x_train") == true, "\(missing.error ?? "")")
    #expect(run("let t = load(\"\(url.path)\")").error?.contains("pick one with load(path, name: …)") == true)
  }

  @Test("a slice assignment that does not fit is a run-time error at the assignment")
  func assignmentErrors() {
    let out = run("var d = zeros([2, 3])\nd[:, 1] = tensor([1.0, 2.0, 3.0])")
    #expect(out.error?.hasPrefix("test.dpl:2:1: error: a value of shape [3] does not fit the region of shape [2] it is assigned to") == true,
            "\(out.error ?? "")")
    #expect(run("var d = zeros([2, 3])\nd[2] = 1.0").error?.contains("index 2 is out of range for 2 elements") == true)
    #expect(run("var n = tensor([1, 2])\nlet v = zeros([2])\nn[0] = v[0]").error?.contains("cannot assign Tensor[] into an IntTensor") == true)
  }

  @Test("integers beyond Int32 are errors with the span, not traps")
  func integerOverflow() {
    let range = "is outside the Int32 range -2147483648...2147483647"
    #expect(run("print(tensor([3000000000]))").error?.hasPrefix("test.dpl:1:7: error: tensor: 3000000000 \(range) of an IntTensor") == true)
    #expect(run("print(sum(tensor([2000000000, 2000000000])))").error?.hasPrefix("test.dpl:1:7: error: sum: the sum 4000000000 \(range)") == true)
    #expect(run("print(cumsum(tensor([2000000000, 2000000000])))").error?.contains("the running sum 4000000000 \(range)") == true)
    #expect(run("print(minimum(tensor([1]), 5000000000))").error?.hasPrefix("test.dpl:1:7: error: 5000000000 \(range) of an IntTensor") == true)
    #expect(run("print(minimum(tensor([1.5]), 5000000000))").lines == ["[1.5]"], "beside a Tensor it is a number")
  }

  @Test("IntTensor arithmetic beyond Int32, and division by zero, are errors at the operator", arguments: [
    ("print(tensor([1, 2]) + 3000000000)", "1:22: error: 3000000000 is outside the Int32 range -2147483648...2147483647 of an IntTensor"),
    ("print(3000000000 - tensor([1, 2]))", "1:18: error: 3000000000 is outside the Int32 range"),
    ("print(tensor([5]) / 0)", "1:19: error: div: 5 / 0 divides by zero"),
    ("let z = tensor([1, 0])\nprint(tensor([5]) % z)", "2:19: error: mod: 5 % 0 divides by zero"),
    ("print(tensor([-2147483647 - 1]) / -1)", "1:33: error: div: -2147483648 / -1 = 2147483648 is outside the Int32 range"),
    ("print(-tensor([-2147483647 - 1]))", "1:7: error: neg: -(-2147483648) = 2147483648 is outside the Int32 range"),
    ("print(tensor([-2147483647]) - tensor([[1], [2]]))", "1:29: error: sub: -2147483647 - 2 = -2147483649 is outside the Int32 range"),
    ("print(int(tensor([3.0e9])))", "1:7: error: int: 3e+09 is outside the Int32 range"),
    ("print(scatter_add(tensor([2147483647]), tensor([0]), tensor([1]), axis: 0))", "1:7: error: scatter_add: 2147483647 + 1 = 2147483648"),
  ])
  func intTensorArithmeticErrors(_ source: String, _ expected: String) {
    let out = run(source)
    #expect(out.error?.hasPrefix("test.dpl:\(expected)") == true, "\(out.error ?? "no error")")
  }

  @Test("a comparison as the condition of where is not a path; topk's indices carry no gradient")
  func activity() {
    let ok = run("""
      let x = tensor([1.0, -2.0, 3.0])
      print(grad(x) { sum(where(x > 0.0, x * x, -x)) })
      print(grad(x) { let (v, i) = topk(x, 2); sum(v) })
      """)
    #expect(ok.lines == ["[2.0, -1.0, 6.0]", "[1.0, 0.0, 1.0]"], "\(ok.error ?? "")")
    let bad = run("""
      let x = tensor([1.0, -2.0, 3.0])
      let g = grad(x) { let (v, i) = topk(x, 2); sum(float(i)) }
      """)
    #expect(bad.error?.contains("no gradient reaches 'x'") == true, "\(bad.error ?? "no error")")
    let member = run("let x = tensor([1.0, 2.0])\nlet g = grad(x) { sum(float(topk(x, 1).1)) }")
    #expect(member.error?.contains("no gradient reaches 'x'") == true, "\(member.error ?? "no error")")
    let subscripted = run("let x = tensor([1.0, 2.0])\nlet g = grad(x) { let t = topk(x, 1); sum(float(t[1])) }")
    #expect(subscripted.error?.contains("passes through 't[1]', which has no gradient") == true, "\(subscripted.error ?? "no error")")
    // one_hot of plain indices is a side path, but it would silently stop a bypass's gradient.
    let side = run("let x = tensor([[0.1, 0.5]])\nprint(grad(x) { sum(x) + sum(one_hot(argmax(x, axis: 1), 2)) })")
    #expect(side.lines == ["[[1.0, 1.0]]"], "\(side.error ?? "")")
    let cut = run("let x = tensor([[0.1, 0.5]])\nlet g = grad(x) { sum(x) + sum(one_hot(@bypass(es) argmax(x, axis: 1), 2)) }")
    #expect(cut.error?.contains("'one_hot' has no gradient, but it lies on a path from 'x'") == true, "\(cut.error ?? "no error")")
  }

  @Test("@bypass through sort batches its noisy calls along axis 0 and agrees with one call per sample")
  func bypassSort() {
    let source = """
      let x = tensor([[0.3, -1.2, 0.8, 0.1], [1.5, 0.2, -0.4, 0.9]])
      let w = tensor([1.0, 2.0, 3.0, 4.0])
      print(grad(x) { sum(@bypass(es, sigma: 0.5, samples: 8, seed: 3\\(BATCHED)) argsort(x, axis: 1) * w) })
      print(grad(x) { sum(@bypass(es, sigma: 0.5, samples: 8, seed: 3\\(BATCHED)) sort(x, axis: 1, descending: true) * w) })
      """
    let batched = run(source.replacingOccurrences(of: "\\(BATCHED)", with: ""))
    let looped = run(source.replacingOccurrences(of: "\\(BATCHED)", with: ", batched: false"))
    #expect(batched.error == nil && looped.error == nil, "\(batched.error ?? "") \(looped.error ?? "")")
    #expect(batched.lines.count == 2 && batched.lines == looped.lines)
  }
}
