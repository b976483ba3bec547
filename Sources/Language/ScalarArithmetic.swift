/// Operators on scalar values — Int, Float, Bool and String — defined once: the checker
/// folds constants with it, the IR's constant folder folds with it, and the interpreter
/// computes with it, so a folded program and an unfolded one can never disagree.
public enum ScalarArithmetic {
  /// Why an operator gives no value.
  public enum Failure: Error, Equatable {
    /// An Int result outside the 64-bit range.
    case overflow
    /// Int division or remainder by zero.
    case divisionByZero
    /// The operator does not combine these operand types.
    case unsupported
  }

  /// `a op b`. Int with Float computes in Float.
  public static func apply(_ op: BinaryOp, _ a: ConstValue, _ b: ConstValue) -> Result<ConstValue, Failure> {
    switch (a, b) {
    case (.int(let x), .int(let y)): return int(op, x, y)
    case (.int, .float), (.float, .int), (.float, .float):
      guard let x = a.asDouble, let y = b.asDouble else { return .failure(.unsupported) }
      return float(op, x, y)
    case (.bool(let x), .bool(let y)):
      switch op {
      case .and: return .success(.bool(x && y))
      case .or: return .success(.bool(x || y))
      case .eq: return .success(.bool(x == y))
      case .ne: return .success(.bool(x != y))
      default: return .failure(.unsupported)
      }
    case (.string(let x), .string(let y)):
      if op == .add { return .success(.string(x + y)) }
      return compare(op, x, y).map { .success(.bool($0)) } ?? .failure(.unsupported)
    default: return .failure(.unsupported)
    }
  }

  static func int(_ op: BinaryOp, _ x: Int, _ y: Int) -> Result<ConstValue, Failure> {
    let (r, overflow): (Int, Bool)
    switch op {
    case .add: (r, overflow) = x.addingReportingOverflow(y)
    case .sub: (r, overflow) = x.subtractingReportingOverflow(y)
    case .mul: (r, overflow) = x.multipliedReportingOverflow(by: y)
    case .div, .mod:
      guard y != 0 else { return .failure(.divisionByZero) }
      (r, overflow) = op == .div ? x.dividedReportingOverflow(by: y) : x.remainderReportingOverflow(dividingBy: y)
    default: return compare(op, x, y).map { .success(.bool($0)) } ?? .failure(.unsupported)
    }
    return overflow ? .failure(.overflow) : .success(.int(r))
  }

  static func float(_ op: BinaryOp, _ x: Double, _ y: Double) -> Result<ConstValue, Failure> {
    switch op {
    case .add: return .success(.float(x + y))
    case .sub: return .success(.float(x - y))
    case .mul: return .success(.float(x * y))
    case .div: return .success(.float(x / y))
    case .mod: return .success(.float(x.truncatingRemainder(dividingBy: y)))
    default: return compare(op, x, y).map { .success(.bool($0)) } ?? .failure(.unsupported)
    }
  }

  /// `a op b` for a comparison operator, or nil when `op` is not one.
  public static func compare<T: Comparable>(_ op: BinaryOp, _ a: T, _ b: T) -> Bool? {
    switch op {
    case .eq: return a == b
    case .ne: return a != b
    case .lt: return a < b
    case .le: return a <= b
    case .gt: return a > b
    case .ge: return a >= b
    default: return nil
    }
  }
}
