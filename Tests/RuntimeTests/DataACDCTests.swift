import Foundation
import Testing
@testable import Runtime
@testable import Datasets
@testable import Formats

/// The shared ACDC copy, found relative to the package root (`../shared/data/acdc`).
let acdcRoot: URL = {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  return root.deletingLastPathComponent().appendingPathComponent("shared/data/acdc")
}()
let acdcAvailable = FileManager.default.fileExists(atPath: acdcRoot.appendingPathComponent("training/patient001").path)

@Suite("ACDC on the shared data")
struct DataACDCTests {
  @Test("one volume: dims, spacing, datatypes, labels in 0…3", .enabled(if: acdcAvailable, "needs ../shared/data/acdc"))
  func volume() throws {
    let dir = acdcRoot.appendingPathComponent("training/patient001")
    let img = try NIfTI.read(dir.appendingPathComponent("patient001_frame01.nii.gz"))
    let gt = try NIfTI.read(dir.appendingPathComponent("patient001_frame01_gt.nii.gz"))
    #expect(img.dims == [216, 256, 10])
    #expect(gt.dims == img.dims)
    #expect(img.datatype == 4 && gt.datatype == 2)
    #expect(abs(img.spacing[0] - 1.5625) < 1e-4 && abs(img.spacing[2] - 10) < 1e-4)
    #expect(Set(gt.data) == [0, 1, 2, 3])
    #expect(try ACDC.frames(dir.appendingPathComponent("Info.cfg")) == [1, 12])
  }

  @Test("split by patient: 80 training and 20 validation patients", .enabled(if: acdcAvailable, "needs ../shared/data/acdc"))
  func splitSizes() throws {
    let ids = try ACDC.patientFolders(acdcRoot).map(\.id)
    #expect(ids == Array(1...100))
    #expect(ids.filter { !ACDC.isValidation(patient: $0) }.count == 80)
    #expect(ids.filter { ACDC.isValidation(patient: $0) }.count == 20)
  }

  /// Loads a subset of patients in debug builds (the whole set takes ~90 s unoptimised);
  /// `DPL_FULL_ACDC=1` loads all 100 and checks the thesis' 1436 / 372 slice counts.
  @Test("loaded slices at 128: split, LV in every slice, shapes, labels", .enabled(if: acdcAvailable, "needs ../shared/data/acdc"))
  func slices() throws {
    let full = ProcessInfo.processInfo.environment["DPL_FULL_ACDC"] == "1"
    let start = Date()
    let split = try ACDC.load(acdcRoot, options: .init(size: 128, patients: full ? nil : [1, 2, 5, 91]))
    print("ACDC at 128: \(split.train.summary); \(split.validation.summary); \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    #expect(Set(split.train.info.map(\.patient)) == (full ? Set((1...100).filter { $0 % 5 != 0 }) : [1, 2, 91]))
    #expect(Set(split.validation.info.map(\.patient)) == (full ? Set((1...20).map { $0 * 5 }) : [5]))
    if full { #expect(split.train.count == 1436 && split.validation.count == 372) }
    // `cardiac.patients`' numbers are the ids, slice by slice.
    #expect(split.validation.patientNumbers == split.validation.info.map { Int32($0.patient) })
    for d in [split.train, split.validation] {
      for i in stride(from: 0, to: d.count, by: 7) {
        #expect(d.images[i].shape == [1, 128, 128] && d.labels[i].shape == [128, 128])
        #expect(d.labels[i].scalars.allSatisfy { (0...3).contains($0) })
        #expect(d.labels[i].scalars.contains(3))
        #expect(d.images[i].scalars.allSatisfy { $0.isFinite })
      }
    }
    let (x, y) = try split.train.batch([0, 5, 9])
    #expect(x.shape == [3, 1, 128, 128] && y.shape == [3, 128, 128])
    let c = try #require(split.train.lvCenter(0))
    #expect(y[0, Int(c.row.rounded()), Int(c.col.rounded())] == 3)
  }

  @Test("a missing folder and a corrupt volume give IOErrors naming the file")
  func errors() throws {
    #expect(throws: IOError.self) { try ACDC.load(URL(fileURLWithPath: "/nonexistent/acdc")) }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-acdc-\(UUID().uuidString)/patient005")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
    try Data("ED: 1\nES: 2\n".utf8).write(to: dir.appendingPathComponent("Info.cfg"))
    try Data([0x1F, 0x8B, 8, 0, 0, 0]).write(to: dir.appendingPathComponent("patient005_frame01.nii.gz"))
    do {
      _ = try ACDC.load(dir.deletingLastPathComponent())
      Issue.record("expected an error")
    } catch let e as IOError {
      #expect(e.path.hasSuffix("patient005_frame01.nii.gz"))
      #expect(e.message.contains("truncated") || e.message.contains("corrupt"))
    }
  }
}

/// An ACDC folder whose patients fill only one split is refused with the split rule.
@Suite("ACDC splits")
struct DataACDCSplitTests {
  @Test func aFolderWithoutPatientsIsNamed() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpl-acdc-empty-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    do {
      _ = try ACDC.load(dir, options: .init(size: 64))
      Issue.record("expected an error")
    } catch let e as IOError {
      #expect(e.message.contains("no patientNNN folders"), "\(e)")
    }
  }

  @Test(.enabled(if: acdcAvailable, "needs ../shared/data/acdc"))
  func noValidationPatient() throws {
    do {
      _ = try ACDC.load(acdcRoot, options: .init(size: 64, patients: [1, 2, 3]))
      Issue.record("expected an empty validation split")
    } catch let e as IOError {
      #expect(e.message.contains("the validation split is empty: it takes the patients whose id is divisible by 5"), "\(e)")
      #expect(e.message.contains("found patients 1, 2, 3"), "\(e)")
    }
    do {
      _ = try ACDC.load(acdcRoot, options: .init(size: 64, patients: [5, 10]))
      Issue.record("expected an empty training split")
    } catch let e as IOError {
      #expect(e.message.contains("the training split is empty: it takes the patients whose id is not divisible by 5"), "\(e)")
    }
  }
}
