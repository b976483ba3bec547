import Foundation
import Testing
@testable import Runtime

/// The compiled execution form (docs/runtime.md, "Execution"): variables in slots, in-place
/// updates that keep value semantics, control flow as values, frames on a stack.
@Suite struct ExecCompiledTests {
  @Test("a copy made before an in-place update is unaffected")
  func copiesKeepTheirValues() {
    let out = runProgram(source: """
      var xs = [1, 2, 3]
      let before = xs
      xs[0] = 10
      xs = xs + [4]
      print(before)
      print(xs)
      var ys = xs
      ys[1] = 20
      print(xs)
      print(ys)
      fn bump(v: [Int]) -> [Int] {
        var w = v
        w[0] = w[0] + 1
        w
      }
      let z = bump(xs)
      print(xs)
      print(z)
      var grid = [[0, 0], [0, 0]]
      var row = grid[0]
      row[1] = 5
      grid[0] = row
      row[0] = 7
      print(grid)
      print(row)
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["[1, 2, 3]", "[10, 2, 3, 4]", "[10, 2, 3, 4]", "[10, 20, 3, 4]", "[10, 2, 3, 4]",
                          "[11, 2, 3, 4]", "[[0, 5], [0, 0]]", "[7, 5]"])
  }

  @Test("a list appended to itself, and updated from its own elements")
  func selfReferencingUpdates() {
    let out = runProgram(source: """
      var xs = [1, 2]
      xs = xs + xs
      xs[xs[0]] = xs[3] * 10
      print(xs)
      var t = xs
      xs = t + [t[0]]
      print(t)
      print(xs)
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["[1, 20, 1, 2]", "[1, 20, 1, 2]", "[1, 20, 1, 2, 1]"])
  }

  @Test("a failed in-place update leaves the variable as it was")
  func failedUpdateKeepsTheValue() {
    let out = runProgram(source: """
      var xs = [1, 2, 3]
      xs[5] = 0
      """)
    #expect(out.error?.hasPrefix("test.dpl:2:1: error: index 5 is out of range for 3 elements") == true, "\(out.error ?? "")")
  }

  @Test("building a list by appending is linear: 200,000 appends and a quicksort of 20,000")
  func appendIsAmortisedConstant() {
    // Quadratic appends would copy 2·10^10 elements here and not finish in the suite.
    let out = runProgram(source: """
      var xs: [Int] = []
      var s = 1
      for i in 0..<200000 {
        s = (s * 1103515245 + 12345) % 2147483648
        xs = xs + [s % 1000]
      }
      print(len(xs))
      fn sort(v: [Int]) -> [Int] {
        if len(v) < 2 { return v }
        let pivot = v[0]
        var lo: [Int] = []
        var hi: [Int] = []
        for k in 1..<len(v) {
          if v[k] < pivot { lo = lo + [v[k]] } else { hi = hi + [v[k]] }
        }
        sort(lo) + [pivot] + sort(hi)
      }
      let sorted = sort(xs[0:20000])
      var ok = true
      for k in 1..<len(sorted) { if sorted[k - 1] > sorted[k] { ok = false } }
      print(ok)
      print(len(sorted))
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["200000", "true", "20000"])
  }

  @Test("break, continue and return leave nested loops, branches and gradient blocks")
  func controlFlowAsValues() {
    let out = runProgram(source: """
      fn first(xs: [Int], target: Int) -> Int {
        for i in 0..<len(xs) {
          if xs[i] == target { return i }
        }
        -1
      }
      print(first([4, 5, 6], 6))
      print(first([4, 5, 6], 7))
      var n = 0
      var i = 0
      while true {
        i = i + 1
        if i % 2 == 0 { continue }
        if i > 9 { break }
        for j in 0..<100 {
          if j == i { break }
          n = n + 1
        }
      }
      print(n)
      fn g(x: Tensor) -> Tensor {
        let d = grad(x) {
          var acc = sum(x * 0.0)
          for k in 0..<10 {
            if k == 3 { break }
            acc = acc + sum(x * x)
          }
          acc
        }
        d
      }
      print(g(tensor([1.0, 2.0])))
      """)
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["2", "-1", "25", "[6.0, 12.0]"])
  }

  @Test("a run-time error inside a loop in a function carries the call trace")
  func errorsKeepTheirTrace() {
    let out = runProgram(source: """
      fn at(xs: [Int], k: Int) -> Int {
        var t = 0
        for i in 0..<k { t = t + xs[i] }
        t
      }
      fn outer(k: Int) -> Int { at([1, 2, 3], k) }
      print(outer(2))
      print(outer(5))
      """, skipping: ["inline"])
    #expect(out.lines == ["3"])
    let text = out.error ?? ""
    #expect(text.hasPrefix("test.dpl:3:28: error: index 3 is out of range for 3 elements"), "\(text)")
    #expect(text.contains("at at (test.dpl:6:27)") && text.contains("at outer (test.dpl:8:7)"), "\(text)")
  }

  @Test("a stop request ends a loop at its next iteration, with the loop's location")
  func stopRequestEndsALoop() {
    let out = runProgram(source: """
      var n = 0
      while true { n = n + 1 }
      """) { interpreter in
      let flag = interpreter.cancelFlag
      Thread.detachNewThread {
        Thread.sleep(forTimeInterval: 0.2)
        flag.isSet = true
      }
    }
    #expect(out.error?.hasPrefix("test.dpl:2:1: error: interrupted") == true, "\(out.error ?? "")")
  }

  @Test("frames deeper than one chunk of the value stack")
  func deepFramesSpanChunks() {
    // 9,000 frames of a function with many values: more slots than one chunk holds.
    let out = runProgram(source: """
      fn down(n: Int, xs: [Int]) -> Int {
        let a = xs[0] + 1
        let b = [a, a, a]
        let c = b + b + b
        if n == 0 { len(c) } else { down(n - 1, c) + a - a }
      }
      print(down(9000, [0]))
      print(down(10, [0]))
      """)
    #expect(out.error == nil, "\(out.error?.prefix(300) ?? "")")
    #expect(out.lines == ["9", "9"])
  }
}
