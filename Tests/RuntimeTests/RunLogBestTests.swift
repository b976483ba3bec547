import Foundation
import RunOutput
import Testing

/// metrics.json keeps the best of every Dice column (`val_dice`, `val_dice_…`), also when a
/// resumed run drops the rows after its checkpoint.
struct RunLogBestTests {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-runlog-best-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")

  @Test("best_val_dice_full is the largest val_dice_full, independent of val_dice's best step; other columns keep no best")
  func bestOfEachDiceColumn() throws {
    defer { try? FileManager.default.removeItem(at: folder) }
    let log = RunLog(folder: folder)
    try log.log(step: 1, [("val_dice", 0.5), ("val_dice_full", 0.7), ("centre_miss_rate", 0.1)])
    try log.log(step: 2, [("val_dice", 0.6), ("val_dice_full", 0.4), ("centre_miss_rate", 0.3)])
    try log.log(step: 3, [("val_dice", 0.55), ("val_dice_full", .nan), ("centre_miss_rate", 0.2)])
    try log.flush()
    var s = log.summary()
    #expect(s["best_val_dice"] as? Double == 0.6 && s["best_step"] as? Int == 2)
    #expect(s["best_val_dice_full"] as? Double == 0.7 && s["val_dice_full"] is NSNull)  // the latest, NaN, is kept as null
    #expect(s["centre_miss_rate"] as? Double == 0.2 && s["best_centre_miss_rate"] == nil)
    try log.dropRows(after: 1)
    s = log.summary()
    #expect(s["best_val_dice"] as? Double == 0.5 && s["best_step"] as? Int == 1 && s["best_val_dice_full"] as? Double == 0.7)
  }
}
