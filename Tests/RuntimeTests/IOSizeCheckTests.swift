import Datasets
import Foundation
import Testing
@testable import Formats
@testable import Fuzz
@testable import Runtime

/// File headers are checked before any tensor is made: shape product × dtype size equals the
/// data's length (with overflow checks), offsets lie inside the file, sizes pass
/// `TensorSize.check`. Crafted files of issue 27 are refused naming the file and the reason.
@Suite struct IOSizeCheckTests {
  func safetensorsError(_ json: String, _ data: [UInt8] = []) -> String {
    do {
      _ = try Safetensors.decode(handMade(json, data), path: "x.safetensors")
      return "decoded"
    } catch {
      return "\(error)"
    }
  }

  @Test("crafted safetensors headers", arguments: [
    (#"{"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#,
     "x.safetensors: tensor 't': F32[4294967296, 4294967296] needs 64.0 EiB, data_offsets give 0"),
    (#"{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#,
     "x.safetensors: tensor 't': F32[4611686018427387904, 4] needs 64.0 EiB, data_offsets give 0"),
    (#"{"t":{"dtype":"U8","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#,
     "x.safetensors: tensor 't': U8[4611686018427387904, 4] needs 16.0 EiB, data_offsets give 0"),
    (#"{"t":{"dtype":"F32","shape":[0,4611686018427387904],"data_offsets":[0,0]}}"#,
     "x.safetensors: tensor 't': shape [0, 4611686018427387904] spans 16.0 EiB, more than the size limit"),
    (#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[9223372036854775800,9223372036854775808]}}"#,
     "x.safetensors: tensor 't': data_offsets must be [begin, end] with begin <= end"),
    (#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
     "x.safetensors: truncated: tensor 't' ends at byte 12 of the data, file has 8"),
    (#"{"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,0]}}"#,
     "x.safetensors: tensor 't': shape is not a list of non-negative integers"),
  ])
  func craftedSafetensors(json: String, message: String) {
    let text = safetensorsError(json, [UInt8](repeating: 0, count: 8))
    #expect(text.hasPrefix(message), "\(text)")
  }

  @Test func noTensorIsMadeBeforeEveryHeaderIsChecked() {
    // The good tensor comes first in the data; the second entry is refused all the same.
    let json = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[8,8]}}"#
    #expect(safetensorsError(json, [UInt8](repeating: 0, count: 8)).contains("tensor 'b'"))
  }

  func npy(_ header: String, data: [UInt8] = []) -> [UInt8] {
    var h = Array(header.utf8)
    while (10 + h.count + 1) % 64 != 0 { h.append(0x20) }
    h.append(0x0A)
    return [0x93] + Array("NUMPY".utf8) + [1, 0] + le(UInt16(h.count)) + h + data
  }

  @Test("crafted .npy headers", arguments: [
    ("(4294967296, 4294967296)", "x.npy: the header's shape (4294967296, 4294967296): a [4294967296, 4294967296] tensor needs 64.0 EiB, more than the size limit"),
    ("(4611686018427387904, 4)", "x.npy: the header's shape (4611686018427387904, 4): a [4611686018427387904, 4] tensor needs 64.0 EiB"),
    ("(0, 4611686018427387904)", "x.npy: the header's shape (0, 4611686018427387904): shape [0, 4611686018427387904] spans 16.0 EiB"),
    ("(3, 4)", "x.npy: truncated: <f4[3, 4] needs 48 bytes of data, the file has 8"),
  ])
  func craftedNPY(shape: String, message: String) {
    let bytes = npy("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }", data: [UInt8](repeating: 0, count: 8))
    do {
      _ = try NPY.decode(bytes, path: "x.npy")
      Issue.record("decoded")
    } catch {
      #expect("\(error)".hasPrefix(message), "\(error)")
    }
  }

  @Test func niftiDimensionsWhoseProductOverflows() throws {
    var b = [UInt8](try NIfTI.encode(dims: [2, 2], spacing: [1, 1], values: [1, 2, 3, 4], datatype: 16))
    b[40] = 7
    for i in 0..<7 { b[42 + 2 * i] = 0xFF; b[43 + 2 * i] = 0x7F }  // 32767 on every axis: 32767^7 > 2^63
    for i in 1...7 { b.replaceSubrange((76 + 4 * i)..<(80 + 4 * i), with: le(Float(1).bitPattern)) }  // 1 mm voxels
    do {
      _ = try NIfTI.decode(Data(b), path: "x.nii")
      Issue.record("decoded")
    } catch {
      #expect("\(error)".hasPrefix("x.nii: dimensions [32767, 32767, 32767, 32767, 32767, 32767, 32767]: a [32767"), "\(error)")
    }
  }

  @Test func csvTablesPassTheSameCheck() throws {
    #expect(try CSV.decode("a,b\n1,2\n3,4\n").shape == [2, 2])
  }

  @Test func loadStopsAtTheCallWithTheFileNamed() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("wrapped.safetensors")
    try handMade(#"{"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#, []).write(to: file)
    let out = runProgram(source: "let t = load(\"\(file.path)\")\nprint(t[0, 0])\n")
    let text = out.error ?? ""
    #expect(text.hasPrefix("test.dpl:1:9: error: \(file.path): tensor 't': F32[4294967296, 4294967296] needs 64.0 EiB"), "\(text)")
  }

  /// A seeded slice of `dpl fuzz --files N` (the long runs are in BENCHMARKS.md).
  @Test func craftedFilesFuzzSlice() {
    let count = ProcessInfo.processInfo.environment["DPL_FILE_FUZZ_COUNT"].flatMap(Int.init) ?? 3_000
    var fuzzer = FileFuzzer(seed: 27)
    let r = fuzzer.run(count: count)
    #expect(r.inputs == count)
    #expect(r.decoded > 0, "some crafted files are valid")
    #expect(r.decoded < count, "most crafted files are refused")
    #expect(r.failures.isEmpty, "\(r.failures.prefix(3).joined(separator: "\n"))")
  }
}
