import Foundation
import Tensor

/// A seeded generator of synthetic short-axis cardiac cine-MRI slices with ACDC labels
/// (0 background, 1 RV cavity, 2 LV myocardium, 3 LV cavity incl. papillary muscles).
///
/// Every image is drawn from its own RNG, derived from `(seed, index)` only, so image
/// `i` is the same whatever else is generated and in whatever order or thread. The scene
/// (see `SyntheticScene`): a body ellipse with textured tissue, lungs, liver, a bright
/// aorta and other bright blobs as distractors, epicardial fat, a bright RV crescent
/// beside the septum, the LV myocardium as a ring of varying thickness around a
/// star-shaped blood pool (radius a low-order Fourier series) with dark papillary muscles
/// near the wall; slice level from apex (small LV, no RV) to base; random pose, scale,
/// contrast and edge fuzziness; then a smooth multiplicative bias field, Gaussian blur,
/// Rician noise and per-image z-score normalisation (as the ACDC loader does). The field
/// of view matches ACDC's after resampling (about 2.27 mm per pixel at 128 × 128).
public struct SyntheticCardiac: Sendable {
  /// The seed of the whole set.
  public var seed: UInt64
  /// Side `S` of the square images.
  public var size: Int

  /// Index of the first validation image: validation images come from a disjoint index range.
  public static let validationOffset = 1 << 40

  public init(seed: UInt64, size: Int = 128) {
    self.seed = seed
    self.size = size
  }

  /// The RNG of image `index` (independent of every other index).
  func rng(_ index: Int) -> RNG {
    var z = seed ^ 0x5851_F42D_4C95_7F2D
    z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
    z ^= UInt64(bitPattern: Int64(index)) &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 29)) &* 0xC4CE_B9FE_1A85_EC53
    return RNG(seed: z ^ (z >> 32))
  }

  /// Image `index`: `[1, S, S]` normalised intensities and `[S, S]` labels.
  public func sample(_ index: Int) -> (image: Tensor, labels: IntTensor) {
    var r = rng(index)
    let scene = SyntheticScene(size: size, rng: &r)
    let (pixels, labels) = scene.render(rng: &r)
    let image = (try? Tensor(shape: [1, size, size], scalars: pixels)) ?? Tensor(shape: [1, size, size], repeating: 0)
    let lab = (try? IntTensor(shape: [size, size], scalars: labels)) ?? IntTensor(shape: [size, size], repeating: 0)
    return (image, lab)
  }

  /// Images `first ..< first + count`, generated in parallel.
  public func dataset(count: Int, first: Int = 0) throws -> SliceDataset {
    guard size >= 16 else { throw TensorError("synthetic", "image size \(size) is too small (need at least 16)") }
    final class Slots: @unchecked Sendable {
      var images: [Tensor]
      var labels: [IntTensor]
      init(_ n: Int, _ s: Int) {
        images = Array(repeating: Tensor(shape: [1, s, s], repeating: 0), count: n)
        labels = Array(repeating: IntTensor(shape: [s, s], repeating: 0), count: n)
      }
    }
    let slots = Slots(count, size)
    let lock = NSLock()
    Parallel.forEach(count, cost: size * size * 200) { i in
      let s = sample(first + i)
      lock.lock()
      slots.images[i] = s.image
      slots.labels[i] = s.labels
      lock.unlock()
    }
    let info = (0..<count).map { SliceInfo(patient: first + $0) }
    return try SliceDataset(size: size, images: slots.images, labels: slots.labels, info: info, name: "synthetic")
  }

  /// A training set of `train` images (indices from 0) and a validation set of
  /// `validation` images (indices from `validationOffset`), so that growing the training
  /// set keeps the smaller one as a prefix and never touches validation.
  public func split(train: Int, validation: Int) throws -> DataSplit {
    DataSplit(train: try dataset(count: train), validation: try dataset(count: validation, first: Self.validationOffset))
  }
}
