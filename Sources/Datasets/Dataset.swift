import Foundation
import Tensor

/// Where a 2-D slice came from.
public struct SliceInfo: Equatable, Sendable {
  /// Patient id (ACDC) or image index (synthetic).
  public var patient: Int
  /// Cardiac frame number (ACDC; 0 for synthetic).
  public var frame: Int
  /// Slice index within the volume (ACDC; 0 for synthetic).
  public var slice: Int

  public init(patient: Int, frame: Int = 0, slice: Int = 0) {
    self.patient = patient
    self.frame = frame
    self.slice = slice
  }
}

/// A set of square 2-D short-axis slices with ACDC labels (0 background, 1 RV,
/// 2 myocardium, 3 LV cavity). Both the synthetic generator and the ACDC loader make one.
public struct SliceDataset {
  /// Side length `S` of every slice.
  public let size: Int
  /// Images, each `[1, S, S]`, normalised intensities.
  public private(set) var images: [Tensor]
  /// Label maps, each `[S, S]`, values in 0…3.
  public private(set) var labels: [IntTensor]
  /// Provenance of each slice.
  public private(set) var info: [SliceInfo]
  /// Name of the source, for logs and metrics ("synthetic", "acdc").
  public var name: String

  /// The LV label (cavity) in ACDC's convention.
  public static let lvLabel: Int32 = 3

  /// A dataset from parallel arrays; throws when counts or shapes disagree.
  public init(size: Int, images: [Tensor], labels: [IntTensor], info: [SliceInfo], name: String) throws {
    guard images.count == labels.count, images.count == info.count else {
      throw TensorError("dataset", "\(images.count) images, \(labels.count) label maps and \(info.count) infos")
    }
    for (i, (x, y)) in zip(images, labels).enumerated() where x.shape != [1, size, size] || y.shape != [size, size] {
      throw TensorError("dataset", "slice \(i) has image \(shapeString(x.shape)) and labels \(shapeString(y.shape)), expected [1, \(size), \(size)] and [\(size), \(size)]")
    }
    self.size = size
    self.images = images
    self.labels = labels
    self.info = info
    self.name = name
  }

  /// Number of slices.
  public var count: Int { images.count }

  /// The slices at `indices`, in that order.
  public func subset(_ indices: [Int]) -> SliceDataset {
    var d = self
    d.images = indices.map { images[$0] }
    d.labels = indices.map { labels[$0] }
    d.info = indices.map { info[$0] }
    return d
  }

  /// The first `n` slices (all when `n` is larger), e.g. for telescopic training sets after a shuffle.
  public func prefix(_ n: Int) -> SliceDataset { subset(Array(0..<min(max(n, 0), count))) }

  /// A permutation of `0..<count` from `seed` (Fisher–Yates), as the thesis' one-off shuffle.
  public func shuffledIndices(seed: UInt64) -> [Int] {
    var rng = RNG(seed: seed)
    var idx = Array(0..<count)
    if count > 1 {
      for i in stride(from: count - 1, to: 0, by: -1) { idx.swapAt(i, rng.int(below: i + 1)) }
    }
    return idx
  }

  /// Stacks the slices at `indices` into a batch: images `[B, 1, S, S]`, labels `[B, S, S]`.
  public func batch(_ indices: [Int]) throws -> (images: Tensor, labels: IntTensor) {
    if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
      throw TensorError("batch", "index \(bad) out of range for a dataset of \(count) slices")
    }
    try TensorSize.check([indices.count, 1, size, size], op: "batch")
    let n = size * size
    var x = Tensor(shape: [indices.count, 1, size, size], repeating: 0)
    var y = IntTensor(shape: [indices.count, size, size], repeating: 0)
    x.withUnsafeMutableBufferPointer { dst in
      for (b, i) in indices.enumerated() {
        images[i].withUnsafeBufferPointer { src in
          _ = UnsafeMutableBufferPointer(rebasing: dst[(b * n)..<((b + 1) * n)]).update(fromContentsOf: src)
        }
      }
    }
    y.withUnsafeMutableBufferPointer { dst in
      for (b, i) in indices.enumerated() {
        labels[i].withUnsafeBufferPointer { src in
          _ = UnsafeMutableBufferPointer(rebasing: dst[(b * n)..<((b + 1) * n)]).update(fromContentsOf: src)
        }
      }
    }
    return (x, y)
  }

  /// Binary LV-cavity masks for `indices`: `[B, S, S]`, 1 inside label 3, else 0.
  public func lvMasks(_ indices: [Int]) throws -> IntTensor {
    let y = try batch(indices).labels
    return y.map { $0 == SliceDataset.lvLabel ? 1 : 0 }
  }

  /// LV-cavity centre of mass `(row, col)` in pixels of slice `i`; nil when it has no LV.
  public func lvCenter(_ i: Int) -> (row: Double, col: Double)? {
    SliceDataset.centerOfMass(labels[i], label: SliceDataset.lvLabel)
  }

  /// The centres of mass of slices `indices` as a `[B, 2]` tensor of (row, col); an
  /// image without LV gets the image centre.
  public func lvCenters(_ indices: [Int]) -> Tensor {
    var out: [Float] = []
    for i in indices {
      let c = lvCenter(i) ?? (Double(size - 1) / 2, Double(size - 1) / 2)
      out += [Float(c.row), Float(c.col)]
    }
    return (try? Tensor(shape: [indices.count, 2], scalars: out)) ?? Tensor(shape: [0, 2], repeating: 0)
  }

  /// The centre of mass `(row, col)` of the pixels equal to `label` in a `[H, W]` map.
  public static func centerOfMass(_ map: IntTensor, label: Int32) -> (row: Double, col: Double)? {
    guard map.rank == 2 else { return nil }
    let w = map.shape[1]
    var sr = 0.0, sc = 0.0, n = 0.0
    map.withUnsafeBufferPointer { p in
      for (k, v) in p.enumerated() where v == label {
        sr += Double(k / w); sc += Double(k % w); n += 1
      }
    }
    return n > 0 ? (sr / n, sc / n) : nil
  }

  /// Distance from `center` to the nearest pixel of slice `i` that is not LV cavity
  /// (the thesis' "object radius"); 0 when the centre is outside the LV.
  public func lvRadius(_ i: Int, center: (row: Double, col: Double)) -> Double {
    let y = labels[i]
    var best = Double.infinity
    y.withUnsafeBufferPointer { p in
      for (k, v) in p.enumerated() where v != SliceDataset.lvLabel {
        let dr = Double(k / size) - center.row, dc = Double(k % size) - center.col
        best = min(best, dr * dr + dc * dc)
      }
    }
    return best.isFinite ? best.squareRoot() : Double(size)
  }

  /// A star-pattern centre for training (thesis §5.4): the LV centre of mass moved by a 2-D
  /// normal with standard deviation equal to the object radius, truncated at 2 σ and
  /// redrawn until it lands inside the LV cavity (falls back to the centre of mass).
  public func jitteredCenter(_ i: Int, rng: inout RNG) -> (row: Double, col: Double)? {
    guard let c = lvCenter(i) else { return nil }
    let r = lvRadius(i, center: c)
    for _ in 0..<20 {
      let dr = rng.normal(), dc = rng.normal()
      if dr * dr + dc * dc > 4 { continue }
      let p = (row: c.row + r * dr, col: c.col + r * dc)
      let ri = Int(p.row.rounded()), ci = Int(p.col.rounded())
      if ri >= 0, ri < size, ci >= 0, ci < size, labels[i][ri, ci] == SliceDataset.lvLabel { return p }
    }
    return c
  }

  /// Each slice's patient as a number that fits an `IntTensor`: the ACDC patient id, or for a
  /// synthetic image (its own patient) its generator index, which for validation images
  /// counts from `SyntheticCardiac.validationOffset` (2⁴⁰) and is taken from there.
  public var patientNumbers: [Int32] {
    info.map { Int32(truncatingIfNeeded: $0.patient % SyntheticCardiac.validationOffset) }
  }

  /// A summary such as `acdc: 1436 slices of 128×128 from 80 patients`.
  public var summary: String {
    "\(name): \(count) slices of \(size)×\(size) from \(Set(info.map(\.patient)).count) \(name == "synthetic" ? "generated images" : "patients")"
  }
}

/// A training and a validation set.
public struct DataSplit {
  public var train: SliceDataset
  public var validation: SliceDataset

  public init(train: SliceDataset, validation: SliceDataset) {
    self.train = train
    self.validation = validation
  }
}
