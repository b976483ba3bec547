/// Finite-difference cases for the library builtins (`Language/Builtins+Library.swift`) and
/// for assignment into a slice of a `var` tensor.
extension BuiltinGradSpecs {
  static let library: [String: [GradSpec]] = [
    // Sorting: distinct values, so no step of ±h changes the permutation.
    "sort": [
      GradSpec(label: "sort last axis", call: "sort(x0)", inputs: [.distinct([3, 5])]),
      GradSpec(label: "sort axis 0 descending", call: "sort(x0, axis: 0, descending: true)", inputs: [.distinct([4, 2, 3])]),
    ],
    "topk": [
      GradSpec(label: "topk values", call: "topk(x0, 2).0", inputs: [.distinct([3, 5])]),
      GradSpec(label: "topk smallest along axis 1", call: "topk(x0, 3, axis: 1, largest: false).0", inputs: [.distinct([2, 4, 3])]),
    ],
    "where": [
      GradSpec(label: "where mask from a comparison", setup: "let m = tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])",
               call: "where(m > 0.5, x0, x1)", inputs: [.any([2, 3]), .any([2, 3])]),
      GradSpec(label: "where broadcasting a row and a number", setup: "let m = tensor([[1.0], [0.0]])",
               call: "where(m, x0, 2.0) + where(m, 0.5, x0)", inputs: [.any([3])]),
      GradSpec(label: "where on x's own sign", call: "where(x0 > 0.0, x0 * x0, -x0)", inputs: [.awayFromZero([2, 4])]),
    ],
    "gather": [
      GradSpec(label: "gather along axis 1, repeats", setup: "let i = tensor([[2, 0, 2], [1, 1, 3]])",
               call: "gather(x0, i, axis: 1)", inputs: [.any([2, 4])]),
      GradSpec(label: "gather along axis 0, smaller index", setup: "let i = tensor([[[1, 0]], [[0, 0]]])",
               call: "gather(x0, i, axis: 0)", inputs: [.any([2, 3, 2])]),
    ],
    "scatter_add": [
      GradSpec(label: "scatter_add to x and src", setup: "let i = tensor([[2, 0, 2], [1, 1, 3]])",
               call: "scatter_add(x0, i, x1, axis: 1)", inputs: [.any([2, 4]), .any([2, 3])]),
      GradSpec(label: "scatter_add along axis 0", setup: "let i = tensor([[0, 1, 0]])",
               call: "scatter_add(x0, i, x1 * x1, axis: 0)", inputs: [.any([2, 3]), .any([1, 3])]),
    ],
    "cumsum": [
      GradSpec(label: "cumsum last axis", call: "cumsum(x0)", inputs: [.any([3, 4])]),
      GradSpec(label: "cumsum axis 0", call: "cumsum(x0, axis: 0)", inputs: [.any([4, 2, 2])]),
    ],
    "minimum": [
      GradSpec(label: "minimum broadcast", call: "minimum(x0, x1)", inputs: [.distinct([2, 3]), .distinct([3], spacing: 0.07)]),
      GradSpec(label: "minimum with a number", call: "minimum(x0, 0.01)", inputs: [.distinct([2, 4], spacing: 0.1)]),
      // Exact ties (each x against a column holding every value x takes): central
      // differences see half the slope on each side, as the even split gives.
      GradSpec(label: "minimum ties split evenly", setup: "let c = tensor([[-0.75], [-0.25], [0.25], [0.75]])",
               call: "minimum(x0, c)", inputs: [.distinct([4], spacing: 0.5)]),
    ],
    "maximum": [
      GradSpec(label: "maximum broadcast", call: "maximum(x0, x1)", inputs: [.distinct([2, 3]), .distinct([2, 1], spacing: 0.07)]),
      GradSpec(label: "maximum ties split evenly", setup: "let c = tensor([[-0.75], [-0.25], [0.25], [0.75]])",
               call: "maximum(c, x0)", inputs: [.distinct([4], spacing: 0.5)]),
    ],
    "logsumexp": [
      GradSpec(label: "logsumexp all", call: "logsumexp(x0)", inputs: [.any([3, 4])]),
      GradSpec(label: "logsumexp axis 1 keepdims", call: "logsumexp(x0 * 3.0, axis: 1, keepdims: true)", inputs: [.any([2, 3, 2])]),
      GradSpec(label: "logsumexp axes [0, 2]", call: "logsumexp(x0, axis: [0, 2])", inputs: [.any([2, 3, 2])]),
      GradSpec(label: "logsumexp of large values", call: "logsumexp(x0 + 200.0, axis: 0)", inputs: [.any([3, 2])]),
    ],
    "param": [
      GradSpec(label: "param in a model", setup: """
        model Codebook(k: Int) {
          let c = param([k, 2], init: "uniform")
          let s = param([2], init: "ones", scale: 0.0)
          fn forward(x: Tensor) -> Tensor { sum(square(unsqueeze(x, 1) - unsqueeze(c, 0)) * s, axis: 2) }
        }
        let m = Codebook(3)
        """, call: "m(x0)", inputs: [.any([4, 2])], parameters: true),
    ],
    // A model's parameters read as values reach the same leaves as the layer's own use.
    "params": [
      GradSpec(label: "params of a model, beside the layer itself", setup: """
        model Two() {
          let l = dense(2, 3)
          let c = param([3], init: "uniform")
          fn forward(x: Tensor) -> Tensor { l(x) * c }
        }
        let m = Two()
        """, call: "x0 @ params(m)[0].1 + params(m)[2].1 * m(x0)", inputs: [.any([4, 2])], parameters: true),
    ],
    // Several axes: one reduction over the merged axes (max and min on distinct values).
    "sum": [GradSpec(label: "sum axes [0, 2] keepdims", call: "sum(x0, axis: [0, 2], keepdims: true)", inputs: [.any([2, 3, 4])])],
    "mean": [GradSpec(label: "mean axes [-1, 0]", call: "mean(x0, axis: [-1, 0])", inputs: [.any([2, 3, 4])])],
    "max": [GradSpec(label: "max axes [1, 2]", call: "max(x0, axis: [1, 2])", inputs: [.distinct([2, 3, 4])])],
    "min": [GradSpec(label: "min axes [0, 2]", call: "min(x0, axis: [2, 0], keepdims: true)", inputs: [.distinct([2, 3, 4])])],
  ]

  /// Assignment into a slice of a `var`: the gradient reaches the old value outside the
  /// region and the assigned value inside it.
  static let assignments: [GradSpec] = [
    GradSpec(label: "d[:, 1] = a", call: "f2(x0, x1)", inputs: [.any([3, 4]), .any([3])]),
    GradSpec(label: "d[i] = row, d[1:3] += t, broadcast", setup: "", call: "f3(x0, x1)", inputs: [.any([4, 3]), .any([3])]),
  ].map { s in
    var s = s
    s.setup = """
      fn f2(x: Tensor, a: Tensor) -> Tensor {
        var d = x * 2.0
        d[:, 1] = a * a
        d
      }
      fn f3(x: Tensor, r: Tensor) -> Tensor {
        var d = x
        d[0] = r
        d[1:3] += tanh(r)
        d[3, 1:] = r[0]
        d * x
      }
      """
    return s
  }
}
