import Foundation
import Testing
@testable import Runtime
@testable import Formats
import Tensor

/// Checkpoints: `save`/`load_into` of models, optimizers and tensors, and a resumed run
/// that continues bit-identically.
@Suite("executor: checkpoints")
struct ExecCheckpointTests {
  /// Trains with Adam through an `es` bypass and fresh unseeded noise every step (both
  /// draw from the program's generator); saves at step `stop`, resumes from step `resume`.
  static let training = """
    config {
      steps: Int = 10
      stop: Int = 0
      resume: Int = 0
      path: String = "run.safetensors"
    }
    model Net() {
      let a = dense(3, 8)
      let b = dense(8, 1)
      fn forward(x: Tensor) -> Tensor { b(relu(a(x))) }
    }
    let net = Net()
    let opt = adam(net, lr: 0.02)
    if resume > 0 { load_into(opt, path) }
    let xs = randn([16, 3], seed: 5)
    let ys = sum(xs, axis: 1, keepdims: true)
    var s = resume
    while s < steps {
      let noise = randn([16, 1]) * 0.01
      opt.minimize { mse(@bypass(es, samples: 4) round(net(xs) * 4.0) / 4.0 + noise, ys) }
      s = s + 1
      if s == stop {
        save(opt, path)
        break
      }
    }
    print(reshape(eval { net(xs) }, [-1]))
    print(randn([3]))
    """

  @Test("a run resumed from a checkpoint continues bit-identically to one that never stopped")
  func resumeEquality() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let inDir: (Interpreter) -> Void = { $0.workingDirectory = dir }
    let whole = runProgram(source: Self.training, seed: 11, configure: inDir)
    let first = runProgram(source: Self.training, seed: 11, set: ["stop": "4"], configure: inDir)
    let rest = runProgram(source: Self.training, seed: 11, set: ["resume": "4"], configure: inDir)
    #expect(whole.error == nil && first.error == nil && rest.error == nil, "\(whole.error ?? first.error ?? rest.error ?? "")")
    #expect(rest.stdout == whole.stdout)
    #expect(first.stdout != whole.stdout)
    // Without the generator's state the resumed run would draw other noise.
    let stripped = runProgram(source: Self.training.replacingOccurrences(of: "load_into(opt, path)",
                                                                         with: "load_into(net, path)"),
                              seed: 11, set: ["resume": "4"], configure: inDir)
    #expect(stripped.error == nil && stripped.stdout != whole.stdout)
  }

  @Test("save and load_into round-trip a model, an optimizer's step and a tensor")
  func roundTrip() throws {
    let dir = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let program = """
      model Net() {
        let c = conv2d(1, 2, kernel: 3, pad: 1)
        let n = batchnorm2d(2)
        fn forward(x: Tensor) -> Tensor { n(c(x)) }
      }
      let x = randn([2, 1, 4, 4], seed: 1)
      let a = Net()
      let opt = adam(a, lr: 0.1)
      for i in 0..<3 { opt.minimize { mean(a(x) * a(x)) } }
      save(a, "model.safetensors")
      save(opt, "opt.safetensors")
      save(x, "x.safetensors")
      let b = Net()
      load_into(b, "model.safetensors")
      print(max(abs(eval { a(x) } - eval { b(x) })))
      print(max(abs(load("x.safetensors") - x)))
      """
    let out = runProgram(source: program, configure: { $0.workingDirectory = dir })
    #expect(out.error == nil, "\(out.error ?? "")")
    #expect(out.lines == ["0.0", "0.0"])
    let file = try Safetensors.read(dir.appendingPathComponent("opt.safetensors"))
    #expect(file.metadata["step"] == "3")
    #expect(file.metadata["dpl.rng"] != nil)
    #expect(file.tensors.keys.contains("n.running_mean") && file.tensors.keys.contains("optim.c.weight.exp_avg"))
  }

  @Test("the generator's state reads back and continues the same stream")
  func rngState() throws {
    var a = RNG(seed: 42)
    _ = a.next()
    let text = try #require(a.stateText)
    var b = try #require(RNG(stateText: text))
    #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
    #expect(RNG(stateText: "0 0 0 0") == nil && RNG(stateText: "zz") == nil)
  }
}
