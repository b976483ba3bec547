import Language

extension ConfigEntry {
  /// The value of `--set name=text` for this field, or why it is not one: the text must
  /// spell a value of the field's type (a finite number for Float) inside its range.
  public func parse(_ text: String) -> Result<ConstValue, ConfigProblem> {
    let value: ConstValue
    switch type {
    case .int:
      guard let v = Int(text) else { return .failure(ConfigProblem("expected an Int")) }
      value = .int(v)
    case .float:
      // Decimal only: Swift's Double(_:) also reads hexadecimal ("0x10" as 16.0).
      let decimal = text.unicodeScalars.allSatisfy { "0123456789.eE+-".unicodeScalars.contains($0) }
      let special = ["inf", "infinity", "nan"].contains(String(text.lowercased().drop { $0 == "+" || $0 == "-" }))
      guard decimal || special, let v = Double(text) else {
        return .failure(ConfigProblem("expected a Float (a decimal number such as 0.5 or 1e-3)"))
      }
      guard v.isFinite else { return .failure(ConfigProblem("a Float setting must be finite")) }
      value = .float(v)
    case .bool:
      guard let v = Bool(text) else { return .failure(ConfigProblem("expected true or false")) }
      value = .bool(v)
    case .string: value = .string(text)
    default: return .failure(ConfigProblem("expected \(type)"))
    }
    if let range, !range.contains(value) {
      return .failure(ConfigProblem("\(name) must be in \(range)"))
    }
    return .success(value)
  }
}

/// Why a `--set` value was refused.
public struct ConfigProblem: Error, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
}
