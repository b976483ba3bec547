import Testing

/// `@bypass(…, sense:)`: blackbox and nid on maximising solvers, and the option's errors.
struct ExecBypassSenseTests {
  /// A maximiser's blackbox gradient at x is, by the chain rule, the minimiser's through −x;
  /// by hand: x − λw = [3, 12, 1] picks 1, so the gradient is −([0, 1, 0] − [1, 0, 0])/1.
  @Test func blackboxOnAMaximiserIsTheMirroredMinimiser() {
    let out = runProgram(source: """
      fn onehot_argmax(c: Tensor) -> Tensor { float(c >= max(c)) }
      fn onehot_argmin(c: Tensor) -> Tensor { float(c <= min(c)) }
      let x = tensor([3.0, 2.0, 1.0])
      let w = tensor([0.0, -10.0, 0.0])
      print(grad(x) { sum(@bypass(blackbox, lambda: 1.0, sense: -1) onehot_argmax(x) * w) })
      print(grad(x) { sum(@bypass(blackbox, lambda: 1.0) onehot_argmin(-x) * w) })
      print(grad(x) { sum(@bypass(blackbox, lambda: 1.0) onehot_argmax(x) * w) })
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines.count == 3)
    #expect(out.lines.first.map(numbers) == [1, -1, 0], "\(out.lines)")
    #expect(out.lines.count == 3 && numbers(out.lines[0]) == numbers(out.lines[1]), "\(out.lines)")
    #expect(out.lines.last.map(numbers)?.allSatisfy { $0 == 0 } == true, "a minimiser's rule on a maximiser: \(out.lines)")
  }

  /// A top-2 mask through blackbox: with the maximiser's sense x − λv = [11, −7, 2, 0.5]
  /// picks {0, 2}, so the gradient is −([1, 0, 1, 0] − [0, 1, 1, 0])/10; as a minimiser
  /// x + λv keeps {1, 2} and every gradient is zero.
  @Test func topKThroughBlackboxHasAGradient() {
    let out = runProgram(source: """
      import pto
      let x = tensor([1.0, 3.0, 2.0, 0.5])
      let v = tensor([-1.0, 1.0, 0.0, 0.0])
      let top2 = pto.TopK(2)
      print(grad(x) { sum(@bypass(blackbox, lambda: 10.0, sense: top2.sense) top2(x) * v) })
      print(grad(x) { sum(@bypass(blackbox, lambda: 10.0) top2(x) * v) })
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines.first.map(numbers) == [-0.1, 0.1, 0, 0], "\(out.lines)")
    #expect(out.lines.last.map(numbers)?.allSatisfy { $0 == 0 } == true, "\(out.lines)")
  }

  /// nid's gradient is −sense · v: −v for a minimiser (the default), v for a maximiser.
  @Test func nidIsMinusSenseTimesTheOutputGradient() {
    let out = runProgram(source: """
      fn onehot_argmin(c: Tensor) -> Tensor { float(c <= min(c)) }
      let x = tensor([1.0, 2.0, 3.0])
      let v = tensor([0.5, -2.0, 4.0])
      print(grad(x) { sum(@bypass(nid) onehot_argmin(x) * v) })
      print(grad(x) { sum(@bypass(nid, sense: -1.0) onehot_argmin(x) * v) })
      print(grad(x) { sum(@bypass("nid", sense: 1) onehot_argmin(x) * v) })
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines.map(numbers) == [[-0.5, 2, -4], [0.5, -2, 4], [-0.5, 2, -4]], "\(out.lines)")
  }

  @Test func senseOtherThanOneOrMinusOneIsALocatedError() {
    let constant = runProgram(source: """
      let x = tensor([1.0, 2.0])
      let g = grad(x) { sum(@bypass(blackbox, sense: 2) round(x)) }
      """)
    #expect(constant.error?.contains("test.dpl:2:48: error: '@bypass' option 'sense' must be 1 (minimise) or -1 (maximise), got 2") == true,
            "\(constant.error ?? "none")")
    let float = runProgram(source: "let x = tensor([1.0])\nlet g = grad(x) { sum(@bypass(nid, sense: -0.5) round(x)) }")
    #expect(float.error?.contains("test.dpl:2:43: error: '@bypass' option 'sense' must be 1 (minimise) or -1 (maximise), got -0.5") == true,
            "\(float.error ?? "none")")
    let type = runProgram(source: "let x = tensor([1.0])\nlet g = grad(x) { sum(@bypass(nid, sense: \"max\") round(x)) }")
    #expect(type.error?.contains("option 'sense' must be a number") == true, "\(type.error ?? "none")")
    // Known only when the call runs: located at the call.
    let dynamic = runProgram(source: """
      fn g(s: Float) -> Tensor {
        let x = tensor([1.0, 2.0])
        grad(x) { sum(@bypass(blackbox, sense: s) round(x)) }
      }
      print(g(-1.0))
      print(g(0.0))
      """)
    #expect(dynamic.lines.count == 1, "\(dynamic.lines)")
    #expect(dynamic.error?.contains("test.dpl:3:17: error: '@bypass' option 'sense' must be 1 (minimise) or -1 (maximise), got 0") == true,
            "\(dynamic.error ?? "none")")
  }
}
