import Foundation
import Datasets
import IR
import Tensor

/// The native module `cardiac` (`import cardiac`): the cardiac-MRI data sets of the
/// `Datasets` target, the left-ventricle mask, star placement and the in-box Dice score.
/// Data sets are plain tensors: `cardiac.load_data` returns `(train_x [N, 1, S, S],
/// train_y IntTensor [N, S, S], val_x, val_y)` and programs index them with `batch_indices`.
extension BuiltinTable {
  /// The split `load_data` and `patients` describe: arguments (data, size, train_images,
  /// validation, seed).
  static func loadSplit(_ i: Interpreter, _ a: [Value], _ op: Op) throws -> DataSplit {
    try DataSource.load(try i.string(a[0], op), size: try i.positive(a[1], op, "size"),
                        trainImages: try i.int(a[2], op, "train_images"),
                        validation: try i.int(a[3], op, "validation"),
                        seed: UInt64(bitPattern: Int64(try i.int(a[4], op, "seed"))),
                        relativeTo: i.workingDirectory)
  }

  static let cardiac: [String: BuiltinImpl] = [
    "load_data": { i, a, op in
      let split = try loadSplit(i, a, op)
      i.log("data: \(split.train.name), \(split.train.count) training / \(split.validation.count) validation slices of \(split.train.size)×\(split.train.size)\n")
      let (tx, ty) = try split.train.stacked(), (vx, vy) = try split.validation.stacked()
      return .tuple([.tensor(tx), .intTensor(ty, nil), .tensor(vx), .intTensor(vy, nil)])
    },
    "patients": { i, a, op in
      let split = try loadSplit(i, a, op)
      func ids(_ d: SliceDataset) throws -> Value {
        .intTensor(try IntTensor(shape: [d.count], scalars: d.patientNumbers), nil)
      }
      return .tuple([try ids(split.train), try ids(split.validation)])
    },
    "lv_mask": { i, a, op in
      .tensor(try i.intTensor(a[0], op, "labels").map { $0 == 3 ? Float(1) : 0 })
    },
    "center_of_mass": { i, a, op in .tensor(try objectCenters(try i.tensor(a[0], op).value).centers) },
    "star_jitter": { i, a, op in
      let mask = try i.tensor(a[0], op, "mask").value
      let p = try jitteredStarPlacement(mask, rng: &i.rng, spread: Float(try i.double(a[1], op, "spread")),
                                        maxRotation: Float(try i.double(a[2], op, "max_angle")))
      return .tuple([.tensor(p.centers), .tensor(p.rotation)])
    },
    "dice_in_box": { i, a, op in
      .tensor(try diceInBox(try i.tensor(a[0], op).value, try i.tensor(a[1], op).value,
                            centers: try i.centers(a[2], op), halfSize: Float(try i.double(a[3], op, "half"))))
    },
    "dice_full": { i, a, op in .tensor(try dice(try i.tensor(a[0], op).value, try i.tensor(a[1], op).value)) },
  ]
}
