import Formats
import Foundation
import IR
import Language
import Tensor

/// `load(path, name:)`: one tensor from a file, by the file's extension.
extension Interpreter {
  func loadTensor(_ url: URL, name: String?, _ op: IR.Op) throws -> Value {
    let ext = url.pathExtension.lowercased()
    if ext == "npy" || ext == "csv" {
      if name != nil {
        throw RuntimeError("load: a .\(ext) file holds one array; 'name:' picks a tensor of a safetensors file", at: op.span)
      }
      if ext == "csv" { return .tensor(try CSV.read(url)) }
      switch try NPY.read(url) {
      case .float(let t): return .tensor(t)
      case .int(let t): return .intTensor(t, nil)
      }
    }
    let c = try Safetensors.read(url)
    let names = (Array(c.tensors.keys) + Array(c.ints.keys)).sorted()
    if let name {
      if let t = c.tensors[name] { return .tensor(t) }
      if let t = c.ints[name] { return .intTensor(t, nil) }
      var notes = ["it holds: " + (names.isEmpty ? "no tensors" : names.joined(separator: ", "))]
      if let best = closest(name, in: names) { notes.insert("did you mean '\(best)'?", at: 0) }
      throw RuntimeError("load: \(url.path) has no tensor named '\(name)'", at: op.span, notes: notes, exitCode: 74)
    }
    if let t = c.tensors["tensor"] ?? (names.count == 1 ? c.tensors.first?.value : nil) { return .tensor(t) }
    if let t = c.ints["tensor"] ?? (names.count == 1 ? c.ints.first?.value : nil) { return .intTensor(t, nil) }
    throw RuntimeError("load: \(url.path) holds \(names.count) tensors; pick one with load(path, name: …)", at: op.span,
                       notes: ["it holds: " + names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", …" : "")], exitCode: 74)
  }
}
