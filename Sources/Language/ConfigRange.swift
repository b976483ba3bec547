/// The values a `config` field accepts: `steps: Int = 400 in 1...`,
/// `lr: Float = 1e-4 in 0.0...1.0`, `batch: Int = 10 in 1..<1000`.
public struct ConfigRange: Hashable, Sendable, CustomStringConvertible {
  public var lower: ConstValue?
  public var upper: ConstValue?
  /// `...` (the upper bound is allowed) rather than `..<`.
  public var closed: Bool

  public init(lower: ConstValue?, upper: ConstValue?, closed: Bool) {
    self.lower = lower
    self.upper = upper
    self.closed = closed
  }

  /// Whether a number lies in the range (non-numbers never do).
  public func contains(_ v: ConstValue) -> Bool {
    guard let x = Self.number(v) else { return false }
    if let lo = lower.flatMap(Self.number), x < lo { return false }
    if let hi = upper.flatMap(Self.number), closed ? x > hi : x >= hi { return false }
    return true
  }

  static func number(_ v: ConstValue) -> Double? {
    switch v {
    case .int(let i): return Double(i)
    case .float(let f): return f
    default: return nil
    }
  }

  public var description: String {
    (lower.map { "\($0)" } ?? "") + (closed ? "..." : "..<") + (upper.map { "\($0)" } ?? "")
  }
}
