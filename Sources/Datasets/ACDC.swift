import Formats
import Foundation
import Tensor

/// Loads the ACDC cardiac MRI training set (Bernard et al., IEEE TMI 2018) as 2-D slices.
///
/// Layout: `ROOT/patientNNN/{Info.cfg, patientNNN_frameFF.nii.gz, patientNNN_frameFF_gt.nii.gz}`
/// (`ROOT` may also be the folder that contains `training/`). Per patient, the ED and ES
/// frames named in `Info.cfg` are read. Each volume is normalised to zero mean and unit
/// standard deviation over all its voxels (the thesis' protocol, after Baumgartner et al.),
/// then every slice is resampled in-plane onto a `size × size` grid centred on the slice
/// centre with pixel spacing `spacing` (default 1.36719 mm × 212 / size, so the field of
/// view is always the thesis' 212 × 1.36719 mm = 290 mm) — bilinear with box
/// anti-aliasing for images, nearest for labels, zero outside the scan. Slices without
/// LV cavity (label 3) are dropped. Patients whose id is divisible by 5 form the
/// validation set. Image rows follow the NIfTI i axis and columns the j axis.
public enum ACDC {
  /// The thesis' pixel spacing at 212 × 212, in mm.
  public static let thesisSpacing = 1.36719
  /// The thesis' image side.
  public static let thesisSize = 212

  /// Options for `load`.
  public struct Options {
    /// Output side `S`.
    public var size: Int
    /// Output pixel spacing in mm; nil keeps the thesis' field of view (1.36719 × 212 / size).
    public var spacing: Double?
    /// Only these patient ids (nil: all found).
    public var patients: Set<Int>?

    public init(size: Int = ACDC.thesisSize, spacing: Double? = nil, patients: Set<Int>? = nil) {
      self.size = size
      self.spacing = spacing
      self.patients = patients
    }

    /// The spacing actually used.
    public var effectiveSpacing: Double { spacing ?? ACDC.thesisSpacing * Double(ACDC.thesisSize) / Double(size) }
  }

  /// Whether patient `id` belongs to the validation set (the thesis' split).
  public static func isValidation(patient id: Int) -> Bool { id % 5 == 0 }

  /// Loads training and validation slices from an ACDC-layout folder, in parallel over patients.
  /// - Throws: `IOError` for a missing folder, a bad `Info.cfg` or a corrupt volume (naming the file).
  public static func load(_ root: URL, options: Options = Options()) throws -> DataSplit {
    guard options.size >= 8 else { throw IOError(root, "image size \(options.size) is too small (need at least 8)") }
    let patients = try patientFolders(root).filter { options.patients?.contains($0.id) ?? true }
    final class Results: @unchecked Sendable {
      var slices: [[Slice]]
      var errors: [Error?]
      init(_ n: Int) { slices = Array(repeating: [], count: n); errors = Array(repeating: nil, count: n) }
    }
    let results = Results(patients.count)
    let lock = NSLock()
    Parallel.forEach(patients.count, cost: 1 << 22) { i in
      let outcome = Result { try loadPatient(patients[i].id, folder: patients[i].url, options: options) }
      lock.lock()
      switch outcome {
      case .success(let s): results.slices[i] = s
      case .failure(let e): results.errors[i] = e
      }
      lock.unlock()
    }
    if let e = results.errors.compactMap({ $0 }).first { throw e }
    var train: [Slice] = [], val: [Slice] = []
    for (p, s) in zip(patients, results.slices) {
      if isValidation(patient: p.id) { val += s } else { train += s }
    }
    // An empty split would fail much later, inside the program, with no word of why.
    let ids = patients.map(\.id)
    for (name, slices, rule) in [("training", train, "id is not divisible by 5"), ("validation", val, "id is divisible by 5")] where slices.isEmpty {
      let found = ids.isEmpty ? "no patientNNN folders" : "patients \(ids.prefix(10).map(String.init).joined(separator: ", "))\(ids.count > 10 ? ", …" : "")"
      throw IOError(root, "the \(name) split is empty: it takes the patients whose \(rule), with at least one slice showing the LV; found \(found)")
    }
    func dataset(_ s: [Slice]) throws -> SliceDataset {
      try SliceDataset(size: options.size, images: s.map(\.image), labels: s.map(\.labels), info: s.map(\.info), name: "acdc")
    }
    return DataSplit(train: try dataset(train), validation: try dataset(val))
  }

  struct Slice {
    var image: Tensor
    var labels: IntTensor
    var info: SliceInfo
  }

  /// The `patientNNN` folders under `root` (or `root/training`), sorted by id.
  static func patientFolders(_ root: URL) throws -> [(id: Int, url: URL)] {
    let fm = FileManager.default
    var isDir: ObjCBool = false
    guard fm.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
      throw IOError(root, "ACDC folder not found")
    }
    var base = root
    let training = root.appendingPathComponent("training")
    if fm.fileExists(atPath: training.path, isDirectory: &isDir), isDir.boolValue { base = training }
    let names = (try? fm.contentsOfDirectory(atPath: base.path)) ?? []
    let found = names.compactMap { n -> (id: Int, url: URL)? in
      guard n.count == 10, n.hasPrefix("patient"), let id = Int(n.dropFirst(7)) else { return nil }
      return (id, base.appendingPathComponent(n))
    }.sorted { $0.id < $1.id }
    guard !found.isEmpty else { throw IOError(base, "no patientNNN folders (expected the ACDC training layout)") }
    return found
  }

  /// ED and ES frame numbers from an `Info.cfg` (`ED: 1`, `ES: 12`).
  static func frames(_ url: URL) throws -> [Int] {
    guard let text = String(data: try readFile(url), encoding: .utf8) else {
      throw IOError(url, "Info.cfg is not UTF-8 text")
    }
    var fields: [String: String] = [:]
    for line in text.split(whereSeparator: \.isNewline) {
      let parts = line.split(separator: ":", maxSplits: 1)
      if parts.count == 2 { fields[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces) }
    }
    guard let ed = fields["ED"].flatMap({ Int($0) }), let es = fields["ES"].flatMap({ Int($0) }) else {
      throw IOError(url, "Info.cfg has no integer 'ED:' and 'ES:' lines")
    }
    return ed == es ? [ed] : [ed, es]
  }

  static func loadPatient(_ id: Int, folder: URL, options: Options) throws -> [Slice] {
    var out: [Slice] = []
    let stem = String(format: "patient%03d", id)
    for frame in try frames(folder.appendingPathComponent("Info.cfg")) {
      let name = stem + String(format: "_frame%02d", frame)
      let image = try NIfTI.read(volumeURL(folder, name))
      let gt = try NIfTI.read(volumeURL(folder, name + "_gt"))
      guard image.dims.count >= 3 || image.dims.count == 2, image.dims.prefix(3) == gt.dims.prefix(3) else {
        throw IOError(volumeURL(folder, name + "_gt"), "label volume \(gt.dims) does not match image volume \(image.dims)")
      }
      if let bad = gt.data.first(where: { $0 != $0.rounded() || $0 < 0 || $0 > 3 }) {
        throw IOError(volumeURL(folder, name + "_gt"), "label value \(bad) is not one of 0, 1, 2, 3")
      }
      let normalized = zscore(image.data)
      let nx = image.dims[0], ny = image.dims[1], nz = image.dims.count > 2 ? image.dims[2] : 1
      for z in 0..<nz {
        let offset = z * nx * ny
        let labels = Resample.nearest(gt.data, offset: offset, nx: nx, ny: ny,
                                      spacing: (image.spacing[0], image.spacing[1]), size: options.size,
                                      outSpacing: options.effectiveSpacing)
        guard labels.contains(SliceDataset.lvLabel) else { continue }
        let pixels = Resample.bilinear(normalized, offset: offset, nx: nx, ny: ny,
                                       spacing: (image.spacing[0], image.spacing[1]), size: options.size,
                                       outSpacing: options.effectiveSpacing)
        let s = options.size
        out.append(Slice(image: try Tensor(shape: [1, s, s], scalars: pixels),
                         labels: try IntTensor(shape: [s, s], scalars: labels),
                         info: SliceInfo(patient: id, frame: frame, slice: z)))
      }
    }
    return out
  }

  /// `name.nii.gz`, or `name.nii` when only that exists.
  static func volumeURL(_ folder: URL, _ name: String) -> URL {
    let gz = folder.appendingPathComponent(name + ".nii.gz")
    let plain = folder.appendingPathComponent(name + ".nii")
    return !FileManager.default.fileExists(atPath: gz.path) && FileManager.default.fileExists(atPath: plain.path) ? plain : gz
  }

  /// Zero mean, unit standard deviation over the whole volume.
  static func zscore(_ v: [Float]) -> [Float] {
    guard !v.isEmpty else { return v }
    var sum = 0.0, sq = 0.0
    for x in v { sum += Double(x); sq += Double(x) * Double(x) }
    let mean = sum / Double(v.count)
    let std = max((sq / Double(v.count) - mean * mean).squareRoot(), 1e-8)
    let m = Float(mean), s = Float(1 / std)
    return v.map { ($0 - m) * s }
  }
}

/// In-plane resampling of one slice (x fastest in the source) onto a centred square grid.
enum Resample {
  /// Source coordinate of output index `i` along an axis of `n` source pixels.
  @inline(__always)
  static func source(_ i: Double, n: Int, size: Int, ratio: Double) -> Double {
    Double(n - 1) / 2 + (i - Double(size - 1) / 2) * ratio
  }

  /// Nearest-neighbour labels, `[size, size]` with rows along x; 0 outside the slice.
  static func nearest(_ v: [Float], offset: Int, nx: Int, ny: Int, spacing: (Double, Double),
                      size: Int, outSpacing: Double) -> [Int32] {
    var out = [Int32](repeating: 0, count: size * size)
    let rx = outSpacing / spacing.0, ry = outSpacing / spacing.1
    for r in 0..<size {
      let x = Int(source(Double(r), n: nx, size: size, ratio: rx).rounded())
      guard x >= 0 && x < nx else { continue }
      for c in 0..<size {
        let y = Int(source(Double(c), n: ny, size: size, ratio: ry).rounded())
        guard y >= 0 && y < ny else { continue }
        out[r * size + c] = Int32(v[offset + x + nx * y])
      }
    }
    return out
  }

  /// Bilinear image samples, averaged over a k×k grid inside each output pixel when the
  /// output pixels are larger than the input ones (box anti-aliasing); 0 outside the slice.
  static func bilinear(_ v: [Float], offset: Int, nx: Int, ny: Int, spacing: (Double, Double),
                       size: Int, outSpacing: Double) -> [Float] {
    var out = [Float](repeating: 0, count: size * size)
    let rx = outSpacing / spacing.0, ry = outSpacing / spacing.1
    let kx = max(1, Int(rx.rounded(.up))), ky = max(1, Int(ry.rounded(.up)))
    v.withUnsafeBufferPointer { p in
      func at(_ x: Double, _ y: Double) -> Float {
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = Float(x - Double(x0)), fy = Float(y - Double(y0))
        func pix(_ i: Int, _ j: Int) -> Float {
          (i >= 0 && i < nx && j >= 0 && j < ny) ? p[offset + i + nx * j] : 0
        }
        let top = pix(x0, y0) * (1 - fy) + pix(x0, y0 + 1) * fy
        let bottom = pix(x0 + 1, y0) * (1 - fy) + pix(x0 + 1, y0 + 1) * fy
        return top * (1 - fx) + bottom * fx
      }
      let inv = 1 / Float(kx * ky)
      for r in 0..<size {
        for c in 0..<size {
          var acc: Float = 0
          for a in 0..<kx {
            let x = source(Double(r) + (Double(a) + 0.5) / Double(kx) - 0.5, n: nx, size: size, ratio: rx)
            for b in 0..<ky {
              let y = source(Double(c) + (Double(b) + 0.5) / Double(ky) - 0.5, n: ny, size: size, ratio: ry)
              acc += at(x, y)
            }
          }
          out[r * size + c] = acc * inv
        }
      }
    }
    return out
  }
}
