import Autodiff
import Tensor

/// The U-Net of `dpl bench unet_step`, written against the Autodiff API so the benchmark
/// times the tensor runtime alone (programs use `stdlib/nn.dpl`'s `UNet`; this one
/// concatenates [skip, up-sampled], as the PyTorch `unet_step.py` does). The U-Net of
/// Ronneberger et al. with padded convolutions:
/// `depth` levels of [conv3×3 → (BN) → ReLU] ×2 then 2×2 max-pool; a bottleneck; `depth`
/// levels of 2×2 stride-2 transposed conv, concatenation [skip, up-sampled], [conv3×3 → (BN) → ReLU] ×2;
/// a final 1×1 conv. Channels double per level from `base`.
public final class UNet: Layer {
  final class DoubleConv {
    let c1: Conv2d, c2: Conv2d
    let n1: BatchNorm2d?, n2: BatchNorm2d?
    init(_ cin: Int, _ cout: Int, batchNorm: Bool, rng: inout RNG, name: String) {
      c1 = Conv2d(cin, cout, kernel: 3, padding: 1, rng: &rng, name: "\(name).conv1")
      c2 = Conv2d(cout, cout, kernel: 3, padding: 1, rng: &rng, name: "\(name).conv2")
      n1 = batchNorm ? BatchNorm2d(cout, name: "\(name).bn1") : nil
      n2 = batchNorm ? BatchNorm2d(cout, name: "\(name).bn2") : nil
    }
    var layers: [any Layer] { [c1] + (n1.map { [$0] } ?? []) + [c2] + (n2.map { [$0] } ?? []) }
    func callAsFunction(_ x: Var, on tape: Tape) throws -> Var {
      if n1 == nil && n2 == nil {  // conv → ReLU fused
        return try c2(try c1(x, on: tape, relu: true), on: tape, relu: true)
      }
      var h = try c1(x, on: tape)
      if let n1 { h = try n1(h, on: tape) }
      h = try c2(try tape.relu(h), on: tape)
      if let n2 { h = try n2(h, on: tape) }
      return try tape.relu(h)
    }
  }

  let down: [DoubleConv]
  let bottom: DoubleConv
  let up: [ConvTranspose2d]
  let dec: [DoubleConv]
  let final: Conv2d

  public init(cin: Int, cout: Int, depth: Int = 4, base: Int = 16, batchNorm: Bool = true, rng: inout RNG) {
    let ch = (0...depth).map { base << $0 }
    var down: [DoubleConv] = []
    for k in 0..<depth { down.append(DoubleConv(k == 0 ? cin : ch[k - 1], ch[k], batchNorm: batchNorm, rng: &rng, name: "down\(k)")) }
    self.down = down
    bottom = DoubleConv(ch[depth - 1], ch[depth], batchNorm: batchNorm, rng: &rng, name: "bottom")
    var up: [ConvTranspose2d] = [], dec: [DoubleConv] = []
    for k in (0..<depth).reversed() {
      up.append(ConvTranspose2d(ch[k + 1], ch[k], kernel: 2, stride: 2, rng: &rng, name: "up\(k)"))
      dec.append(DoubleConv(2 * ch[k], ch[k], batchNorm: batchNorm, rng: &rng, name: "dec\(k)"))
    }
    self.up = up
    self.dec = dec
    final = Conv2d(ch[0], cout, kernel: 1, rng: &rng, name: "final")
  }

  var layers: [any Layer] {
    down.flatMap(\.layers) + bottom.layers + zip(up, dec).flatMap { [$0.0 as any Layer] + $0.1.layers } + [final]
  }

  public var parameters: [Parameter] { layers.flatMap(\.parameters) }

  /// Switches every batch-norm layer between training and evaluation.
  public func setTraining(_ on: Bool) {
    for case let bn as BatchNorm2d in layers { bn.training = on }
  }

  public func callAsFunction(_ x: Var, on tape: Tape) throws -> Var {
    var skips: [Var] = []
    var h = x
    for blk in down {
      h = try blk(h, on: tape)
      skips.append(h)
      h = try tape.apply(.maxPool2d(kernel: 2, stride: 2, ceil: false), [h])
    }
    h = try bottom(h, on: tape)
    for (u, blk) in zip(up, dec) {
      h = try u(h, on: tape)
      let s = skips.removeLast()
      let dy = s.shape[2] - h.shape[2], dx = s.shape[3] - h.shape[3]
      if dy != 0 || dx != 0 {  // odd sizes: pad the up-sampled map to the skip's size
        h = try tape.apply(.pad([(0, 0), (0, 0), (dy / 2, dy - dy / 2), (dx / 2, dx - dx / 2)], value: 0), [h])
      }
      h = try blk(try tape.apply(.concat(axis: 1), [s, h]), on: tape)  // skip first, as PyTorch's U-Net
    }
    return try final(h, on: tape)
  }
}
