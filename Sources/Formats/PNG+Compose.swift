import Foundation
import Tensor

extension PNGImage {
  /// A gray image of a `[H, W]` tensor (or `[1, H, W]`, `[1, 1, H, W]`), mapping `range`
  /// (default: the tensor's own min…max) to 0…255, clamped. NaNs become 0.
  public static func gray(_ t: Tensor, range: ClosedRange<Float>? = nil) throws -> PNGImage {
    let dims = t.shape.drop { $0 == 1 }
    guard dims.count == 2 || (dims.count < 2 && t.rank >= 2) else {
      throw TensorError("png", "expected a [H, W] tensor, got \(shapeString(t.shape))")
    }
    let h = t.shape[t.rank - 2], w = t.shape[t.rank - 1]
    let values = t.scalars.filter { $0.isFinite }
    let lo = range?.lowerBound ?? (values.min() ?? 0)
    let hi = range?.upperBound ?? (values.max() ?? 1)
    let scale = hi > lo ? 255 / (hi - lo) : 0
    let bytes = t.scalars.map { v -> UInt8 in
      guard v.isFinite else { return 0 }
      return UInt8(max(0, min(255, ((v - lo) * scale).rounded())))
    }
    return try PNGImage(width: w, height: h, channels: 1, pixels: bytes)
  }

  /// An RGB overlay: `image` in gray with the contour of each mask drawn in its colour.
  /// A mask is a `[H, W]` IntTensor, nonzero inside; its contour is the inside pixels that
  /// have a 4-neighbour outside.
  public static func overlay(_ image: Tensor, contours: [(mask: IntTensor, color: RGB)],
                             range: ClosedRange<Float>? = nil) throws -> PNGImage {
    var out = try gray(image, range: range).rgb
    for (mask, color) in contours {
      guard mask.shape == [out.height, out.width] else {
        throw TensorError("png", "mask \(shapeString(mask.shape)) does not match image [\(out.height), \(out.width)]")
      }
      for (x, y) in contourPixels(mask) { out.set(x, y, color) }
    }
    return out
  }

  /// Overlay of an ACDC label map: RV (1) yellow, myocardium (2) green, LV (3) red contours.
  public static func overlay(_ image: Tensor, labels: IntTensor) throws -> PNGImage {
    try overlay(image, contours: [(1, RGB.yellow), (2, RGB.green), (3, RGB.red)].map { c in
      (labels.map { $0 == c.0 ? Int32(1) : 0 }, c.1)
    })
  }

  /// The `(x, y)` of pixels inside `mask` with a 4-neighbour outside it (or on the border).
  static func contourPixels(_ mask: IntTensor) -> [(Int, Int)] {
    let h = mask.shape[0], w = mask.shape[1]
    let m = mask.scalars
    var out: [(Int, Int)] = []
    for y in 0..<h {
      for x in 0..<w where m[y * w + x] != 0 {
        let edge = x == 0 || y == 0 || x == w - 1 || y == h - 1
          || m[y * w + x - 1] == 0 || m[y * w + x + 1] == 0 || m[(y - 1) * w + x] == 0 || m[(y + 1) * w + x] == 0
        if edge { out.append((x, y)) }
      }
    }
    return out
  }

  /// Tiles `images` left to right, top to bottom, `columns` per row, with `gap` pixels of
  /// `background` between them (cells are as large as the largest image).
  public static func grid(_ images: [PNGImage], columns: Int, gap: Int = 2, background: RGB = .white) -> PNGImage {
    let cols = max(1, min(columns, images.count))
    let rows = (images.count + cols - 1) / cols
    let cw = images.map(\.width).max() ?? 0, ch = images.map(\.height).max() ?? 0
    var out = PNGImage(width: cols * cw + (cols + 1) * gap, height: rows * ch + (rows + 1) * gap,
                       fill: [background.r, background.g, background.b])
    for (k, img) in images.enumerated() {
      let ox = gap + (k % cols) * (cw + gap), oy = gap + (k / cols) * (ch + gap)
      for y in 0..<img.height { for x in 0..<img.width { out.set(ox + x, oy + y, img.get(x, y)) } }
    }
    return out
  }

  /// Scales the image up by an integer factor (nearest), e.g. to make 128² slices legible.
  public func upscaled(_ factor: Int) -> PNGImage {
    let f = max(1, factor)
    var out = PNGImage(width: width * f, height: height * f, channels: channels)
    for y in 0..<out.height {
      for x in 0..<out.width {
        let src = ((y / f) * width + x / f) * channels, dst = (y * out.width + x) * channels
        for c in 0..<channels { out.pixels[dst + c] = pixels[src + c] }
      }
    }
    return out
  }
}
