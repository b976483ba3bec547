import Foundation
import Tensor

/// A table of numbers in comma-separated text: one row per line, the same number of
/// fields on every line. A first line holding anything that is not a number is a header
/// and is skipped; blank lines are ignored.
public enum CSV {
  public static func read(_ url: URL) throws -> Tensor {
    guard let text = String(data: try readFile(url), encoding: .utf8) else { throw IOError(url, "is not UTF-8 text") }
    return try decode(text, path: url.path)
  }

  /// Parses CSV text into a 2-D tensor `[rows, columns]`; `path` names the file in errors.
  public static func decode(_ text: String, path: String = "") throws -> Tensor {
    var values: [Float] = []
    var columns: Int?, rows = 0, sawFirst = false
    for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.hasSuffix("\r") ? raw.dropLast() : raw[...]
      if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      let numbers = fields.map { Double($0).map(Float.init) }
      defer { sawFirst = true }
      if !sawFirst, numbers.contains(where: { $0 == nil }) { continue }  // a header
      if let bad = numbers.firstIndex(where: { $0 == nil }) {
        throw IOError(path, "line \(i + 1), column \(bad + 1): '\(fields[bad])' is not a number")
      }
      if let c = columns, c != fields.count {
        throw IOError(path, "line \(i + 1) has \(fields.count) fields, the rows above have \(c)")
      }
      columns = fields.count
      values += numbers.map { $0 ?? 0 }
      rows += 1
    }
    guard let columns else { throw IOError(path, "holds no rows of numbers") }
    _ = try IOError.checkedCount([rows, columns], path: path)
    return try Tensor(shape: [rows, columns], scalars: values)
  }
}
