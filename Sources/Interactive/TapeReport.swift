import Autodiff
import Runtime
import Tensor

func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

/// The tape of the last gradient the session took, captured before the backward pass:
/// each node, its shape, and the rule or estimator that gives its gradient, with the
/// cost in calls of the bypassed (non-differentiable) function.
public struct TapeReport {
  public var nodes: [Tape.NodeSummary]
  public var bypasses: [BypassSite]
  /// The names the gradient was taken with respect to (tensors, models, fields).
  public var wrt: [String]
  /// The tensors watched on the tape, in order: the first leaves are theirs.
  public var inputs: [String]

  public init(nodes: [Tape.NodeSummary], bypasses: [BypassSite], wrt: [String], inputs: [String]? = nil) {
    self.nodes = nodes
    self.bypasses = bypasses
    self.wrt = wrt
    self.inputs = inputs ?? wrt
  }

  /// What a leaf is: a watched input by name, a parameter by name, or another input.
  func label(ofLeaf n: Tape.NodeSummary) -> String {
    if n.index < inputs.count { return "input '\(inputs[n.index])'" }
    if let p = n.parameter { return "parameter '\(p)'" }
    return "input"
  }

  /// The estimator of each `bypass.*` node, matched to the call sites in order.
  func site(for node: Tape.NodeSummary, _ seen: inout [String: Int]) -> BypassSite? {
    guard node.op.hasPrefix("bypass.") else { return nil }
    let s = String(node.op.dropFirst("bypass.".count))
    let candidates = bypasses.filter { $0.strategy == s }
    guard !candidates.isEmpty else { return nil }
    let k = seen[s, default: 0]
    seen[s] = k + 1
    return candidates[k % candidates.count]
  }

  /// The report as text.
  public var text: String {
    var seen: [String: Int] = [:]
    var rows: [[String]] = []
    var calls = 0, estimators = 0
    for n in nodes {
      let from = n.inputs.compactMap { $0.map { "#\($0)" } }.joined(separator: " ")
      var rule: String
      if n.isLeaf {
        rule = label(ofLeaf: n)
      } else if let site = site(for: n, &seen) {
        rule = "estimator \(site.strategy): \(site.rule); \(plural(1 + site.backwardCalls, "call")) of f (1 forward + \(site.backwardCalls) backward)"
        calls += 1 + site.backwardCalls
        estimators += 1
      } else if n.op.hasPrefix("bypass.") {
        rule = "estimator \(n.op.dropFirst(7))"
        estimators += 1
      } else {
        rule = "vjp rule '\(n.op)'"
      }
      rows.append(["#\(n.index)", n.op, shapeString(n.shape), from.isEmpty ? "" : "← " + from, rule])
    }
    var widths = [Int](repeating: 0, count: 4)
    for r in rows { for k in 0..<4 { widths[k] = max(widths[k], r[k].count) } }
    var out = "tape with respect to \(wrt.map { "'\($0)'" }.joined(separator: ", ")): \(nodes.count) node\(nodes.count == 1 ? "" : "s")"
    if estimators > 0 { out += ", \(estimators) bypass estimator\(estimators == 1 ? "" : "s"), \(plural(calls, "call")) of bypassed functions" }
    out += "\n"
    for r in rows {
      out += "  " + (0..<4).map { r[$0] + String(repeating: " ", count: widths[$0] - r[$0].count) }.joined(separator: "  ") + "  " + r[4] + "\n"
    }
    return out
  }
}
