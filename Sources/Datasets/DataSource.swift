import Foundation
import Tensor

/// Where a program's slices come from: the built-in synthetic generator (an empty path) or
/// an ACDC-layout folder, cut to the thesis' experiment (§5.1): the training set is shuffled
/// once by `seed` and its first `trainImages` slices are used, so the training sets of a
/// size sweep are telescopic (each contains the smaller ones); validation never changes.
public enum DataSource {
  /// Synthetic images made when the program asks for "all" training images (ACDC's count).
  public static let syntheticTrainAll = 1436
  /// Synthetic validation images when the program asks for all of them.
  public static let syntheticValidationAll = 372

  /// - Parameters:
  ///   - path: "" for the synthetic set, else an ACDC-layout folder.
  ///   - trainImages: ≤ 0 for all.
  ///   - validation: ≤ 0 for all; fewer keeps slices evenly spread over the set.
  public static func load(_ path: String, size: Int, trainImages: Int, validation: Int, seed: UInt64,
                          relativeTo base: URL) throws -> DataSplit {
    // Every slice is a [1, size, size] image; the synthetic sets are made whole, so their
    // stacked sizes are checked before any image is drawn.
    try TensorSize.check([1, size, size], op: "load_data")
    if path.isEmpty {
      let (train, val) = (trainImages > 0 ? trainImages : syntheticTrainAll, validation > 0 ? validation : syntheticValidationAll)
      try TensorSize.check([train, 1, size, size], op: "load_data")
      try TensorSize.check([val, 1, size, size], op: "load_data")
      let gen = SyntheticCardiac(seed: seed, size: size)
      return try gen.split(train: train, validation: val)
    }
    let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
    let all = try ACDC.load(url, options: ACDC.Options(size: size))
    let train = all.train.subset(all.train.shuffledIndices(seed: seed))
    var val = all.validation
    if validation > 0, validation < val.count {
      val = val.subset((0..<validation).map { $0 * val.count / validation })
    }
    return DataSplit(train: trainImages > 0 ? train.prefix(trainImages) : train, validation: val)
  }
}

extension SliceDataset {
  /// All slices as tensors: images `[N, 1, S, S]` and labels `[N, S, S]`.
  public func stacked() throws -> (images: Tensor, labels: IntTensor) { try batch(Array(0..<count)) }
}
