import Formats
import Foundation
import Tensor

/// The overlay grid of thesis Fig. 5.6: one row per slice with the image, the ground truth
/// (red contour), the predicted contour (green, with the ground truth in red) and the CNN's
/// output map, side by side.
public enum OverlayGrid {
  /// - Parameters:
  ///   - images: `[B, 1, S, S]` or `[B, S, S]`.
  ///   - truth, prediction: `[B, S, S]` masks (object where > ½).
  ///   - maps: `[B, S, S]` or `[B, 1, S, S]` (any range; each map is scaled to its own min…max).
  ///   - rows: at most this many slices.
  public static func render(images: Tensor, truth: Tensor, prediction: Tensor, maps: Tensor?, rows: Int = 8) throws -> PNGImage {
    guard let b = images.shape.first, images.rank >= 3 else {
      throw TensorError("write_overlays", "images must be [B, 1, S, S], got \(shapeString(images.shape))")
    }
    let h = images.shape[images.rank - 2], w = images.shape[images.rank - 1]
    for (name, t) in [("truth", truth), ("prediction", prediction)] + (maps.map { [("maps", $0)] } ?? [])
    where t.count != b * h * w {
      throw TensorError("write_overlays", "\(name) has shape \(shapeString(t.shape)); expected \(b) items of \(h)×\(w)")
    }
    let scale = max(1, 128 / max(h, w))
    var cells: [PNGImage] = []
    func plane(_ t: Tensor, _ i: Int) throws -> Tensor {
      try Tensor(shape: [h, w], scalars: Array(t.scalars[(i * h * w)..<((i + 1) * h * w)]))
    }
    func mask(_ t: Tensor, _ i: Int) throws -> IntTensor {
      try IntTensor(shape: [h, w], scalars: t.scalars[(i * h * w)..<((i + 1) * h * w)].map { $0 > 0.5 ? 1 : 0 })
    }
    for i in 0..<min(b, rows) {
      let img = try plane(images, i)
      let gt = try mask(truth, i), pred = try mask(prediction, i)
      cells.append(try PNGImage.gray(img).rgb.upscaled(scale))
      cells.append(try PNGImage.overlay(img, contours: [(gt, .red)]).upscaled(scale))
      cells.append(try PNGImage.overlay(img, contours: [(gt, .red), (pred, .green)]).upscaled(scale))
      if let maps { cells.append(try PNGImage.gray(try plane(maps, i)).rgb.upscaled(scale)) }
    }
    return PNGImage.grid(cells, columns: maps == nil ? 3 : 4)
  }
}
