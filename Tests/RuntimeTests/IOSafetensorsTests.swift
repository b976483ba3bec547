import Foundation
import Testing
@testable import Runtime
@testable import Formats

func temporaryFolder() throws -> URL {
  let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-io-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  return dir
}

/// A safetensors file assembled by hand: header length, JSON, data.
func handMade(_ json: String, _ data: [UInt8]) -> Data {
  var header = Array(json.utf8)
  while header.count % 8 != 0 { header.append(0x20) }
  var out = Data()
  withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
  out.append(contentsOf: header)
  out.append(contentsOf: data)
  return out
}

func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

@Suite("safetensors and checkpoints")
struct IOSafetensorsTests {
  @Test("round trip of float and int tensors with metadata, written atomically")
  func roundTrip() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("a.safetensors")
    let w = try Tensor(shape: [2, 3], scalars: [1, -2, 3.5, .pi, 0, -0])
    let s = Tensor(scalar: 42)
    let i = try IntTensor(shape: [4], scalars: [0, -1, .max, .min])
    try Safetensors.write(["w": w, "scalar": s], ints: ["idx": i], metadata: ["step": "10", "note": "a \"quoted\"\nline"], to: url)
    let back = try Safetensors.read(url)
    #expect(back.tensors == ["w": w, "scalar": s])
    #expect(back.ints == ["idx": i])
    #expect(back.metadata == ["step": "10", "note": "a \"quoted\"\nline"])
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
    #expect(leftovers == ["a.safetensors"])
    // Header: aligned to 8, names sorted, data packed in name order.
    let bytes = try Data(contentsOf: url)
    let n = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    #expect(n % 8 == 0)
    let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
    #expect(header.contains("\"idx\":{\"dtype\":\"I32\",\"shape\":[4],\"data_offsets\":[0,16]}"))
    #expect(header.contains("\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[16,20]}"))
    #expect(header.contains("\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[20,44]}"))
    #expect(bytes.count == 8 + n + 44)
  }

  @Test("a hand-made file with I64, F64, F16, BF16, U8 and metadata")
  func fixture() throws {
    let json = """
      {"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},\
      "b":{"dtype":"I64","shape":[1,1],"data_offsets":[8,16]},"c":{"dtype":"F64","shape":[1],"data_offsets":[16,24]},\
      "d":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},"e":{"dtype":"BF16","shape":[1],"data_offsets":[28,30]},\
      "f":{"dtype":"U8","shape":[2],"data_offsets":[30,32]}}
      """
    let data = le(Float(1.5).bitPattern) + le(Float(-2).bitPattern) + le(Int64(-7)) + le(Double(0.25).bitPattern)
      + le(UInt16(0x3C00)) + le(UInt16(0xC000)) + le(UInt16(0x4040)) + [200, 3]
    let c = try Safetensors.decode(handMade(json, data))
    #expect(c.metadata == ["format": "pt"])
    #expect(c.tensors["a"]?.scalars == [1.5, -2])
    #expect(c.ints["b"] == (try IntTensor(shape: [1, 1], scalars: [-7])))
    #expect(c.tensors["c"]?.scalars == [0.25])
    #expect(c.tensors["d"]?.scalars == [1, -2])
    #expect(c.tensors["e"]?.scalars == [3])
    #expect(c.ints["f"]?.scalars == [200, 3])
  }

  @Test("corrupt and truncated files give IOErrors that say what is wrong", arguments: [
    ("short", "too short"), ("huge", "implausibly large"), ("cut header", "truncated"), ("json", "not valid JSON"),
    ("dtype", "unsupported dtype"), ("size", "needs 8 bytes"), ("cut data", "truncated"), ("overlap", "overlap"),
    ("i64", "does not fit"),
  ])
  func corrupt(_ c: (String, String)) throws {
    let good = handMade(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, [UInt8](repeating: 0, count: 8))
    let bad: Data
    switch c.0 {
    case "short": bad = good.prefix(5)
    case "huge": bad = Data(le(UInt64(1) << 40)) + good.dropFirst(8)
    case "cut header": bad = good.prefix(20)
    case "json": bad = handMade(#"{"a":{"dtype":"F32",}"#, [])
    case "dtype": bad = handMade(#"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, [UInt8](repeating: 0, count: 8))
    case "size": bad = handMade(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, [UInt8](repeating: 0, count: 8))
    case "cut data": bad = good.dropLast(3)
    case "overlap": bad = handMade(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, [UInt8](repeating: 0, count: 8))
    default: bad = handMade(#"{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, le(Int64(1) << 40))
    }
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("bad.safetensors")
    try bad.write(to: url)
    do {
      _ = try Safetensors.read(url)
      Issue.record("no error for \(c.0)")
    } catch let e as IOError {
      #expect(e.path == url.path)
      #expect(e.message.contains(c.1), "\(e)")
    }
    #expect(throws: IOError.self) { try Safetensors.read(dir.appendingPathComponent("missing.safetensors")) }
  }

  @Test("checkpoint: parameters, optimizer state and metadata round trip; mismatches are listed")
  func checkpoint() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("ckpt.safetensors")
    let w = Parameter("l1.weight", try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
    let b = Parameter("l1.bias", try Tensor(shape: [2], scalars: [5, 6]))
    let opt = Adam([w, b], lr: 1e-3)
    w.grad = Tensor(shape: [2, 2], repeating: 1)
    b.grad = Tensor(shape: [2], repeating: 1)
    try opt.step()
    let saved = (w.value, b.value, opt.state)
    try Checkpoint.save([w, b], optimizer: opt, info: .init(step: 3, seed: 99, rng: 12345, extra: ["program": "x.dpl"]), to: url)

    let w2 = Parameter("l1.weight", Tensor(shape: [2, 2], repeating: 0))
    let b2 = Parameter("l1.bias", Tensor(shape: [2], repeating: 0))
    let opt2 = Adam([w2, b2], lr: 1e-3)
    let loaded = try Checkpoint.load(url, into: [w2, b2], optimizer: opt2)
    #expect(loaded.info == .init(step: 3, seed: 99, rng: 12345, extra: ["program": "x.dpl"]))
    #expect(w2.value == saved.0 && b2.value == saved.1)
    #expect(opt2.state == saved.2)

    let wrong = Parameter("l1.weight", Tensor(shape: [3, 2], repeating: 0))
    let extra = Parameter("l2.bias", Tensor(shape: [1], repeating: 0))
    do {
      try Checkpoint.load(url, into: [wrong, extra])
      Issue.record("expected a mismatch")
    } catch let e as IOError {
      #expect(e.message.contains("'l1.weight' has shape [2, 2] in the file, the model expects [3, 2]"), "\(e)")
      #expect(e.message.contains("missing 'l2.bias'"), "\(e)")
      #expect(e.message.contains("unexpected 'l1.bias'"), "\(e)")
    }
    #expect(wrong.value == Tensor(shape: [3, 2], repeating: 0))

    // A checkpoint with a NaN weight is refused by name, and loads nothing.
    w.value = try Tensor(shape: [2, 2], scalars: [1, .nan, 3, 4])
    try Checkpoint.save([w, b], info: .init(step: 4, seed: 99, rng: 1, extra: [:]), to: url)
    let w3 = Parameter("l1.weight", Tensor(shape: [2, 2], repeating: 0))
    let b3 = Parameter("l1.bias", Tensor(shape: [2], repeating: 0))
    do {
      try Checkpoint.load(url, into: [w3, b3])
      Issue.record("expected the NaN to be refused")
    } catch let e as IOError {
      #expect(e.message.contains("non-finite values (NaN or Inf) in 'l1.weight'"), "\(e)")
    }
    #expect(b3.value == Tensor(shape: [2], repeating: 0))
  }

  static let peerPython = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".peer-venv/bin/python")
  static let peerHasSafetensors = FileManager.default.isExecutableFile(atPath: peerPython.path)
    && run(peerPython, ["-c", "import safetensors.torch"]) == 0

  @Test("PyTorch reads our files and we read its",
        .enabled(if: peerHasSafetensors, "needs ~/.peer-venv with the safetensors package"))
  func pytorchInterop() throws {
    let python = Self.peerPython
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("t.safetensors")
    try Safetensors.write(["w": try Tensor(shape: [2], scalars: [1.5, -2])], ints: ["i": try IntTensor(shape: [1], scalars: [7])], metadata: ["k": "v"], to: url)
    let script = """
      import sys; from safetensors.torch import load_file; t = load_file(sys.argv[1])
      assert t['w'].tolist() == [1.5, -2.0] and t['i'].tolist() == [7], t
      """
    #expect(run(python, ["-c", script, url.path]) == 0)
    // And the other way: PyTorch writes, we read.
    let theirs = dir.appendingPathComponent("py.safetensors")
    let writer = """
      import sys, torch; from safetensors.torch import save_file
      save_file({'x': torch.arange(6, dtype=torch.float32).reshape(2, 3), 'n': torch.tensor([3, -4], dtype=torch.int64),
                 'h': torch.tensor([0.5], dtype=torch.float16)}, sys.argv[1], metadata={'m': 'v'})
      """
    #expect(run(python, ["-c", writer, theirs.path]) == 0)
    let c = try Safetensors.read(theirs)
    #expect(c.tensors["x"] == (try Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])))
    #expect(c.ints["n"]?.scalars == [3, -4] && c.tensors["h"]?.scalars == [0.5] && c.metadata == ["m": "v"])
  }
}

/// Runs a program and returns its exit status.
func run(_ exe: URL, _ args: [String]) -> Int32 {
  let p = Process()
  p.executableURL = exe
  p.arguments = args
  p.standardOutput = FileHandle.nullDevice
  p.standardError = FileHandle.nullDevice
  do { try p.run() } catch { return -1 }
  p.waitUntilExit()
  return p.terminationStatus
}
