/// The largest connected component of each binary mask (values > ½ are object): the usual
/// post-processing of a segmentation network's thresholded output, which drops the
/// scattered false positives away from the organ.
/// - Parameters: `mask` `[B, H, W]` or `[B, 1, H, W]`; `connectivity` 4 (edge neighbours)
///   or 8 (edge and corner neighbours).
/// - Returns: a mask of the same shape, 1 on the component with the most pixels (ties: the
///   one whose first pixel in row-major order comes first), 0 elsewhere; all 0 for an
///   empty mask.
public func largestComponent(_ mask: Tensor, connectivity: Int = 8) throws -> Tensor {
  let op = "largest_component"
  let (b, h, w) = try maskDims(op, mask.shape)
  guard connectivity == 4 || connectivity == 8 else {
    throw TensorError(op, "connectivity must be 4 or 8, got \(connectivity)")
  }
  let steps = connectivity == 4 ? [(1, 0), (-1, 0), (0, 1), (0, -1)]
    : [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)]
  let src = mask.buffer.pointer
  let result = Tensor(shape: mask.shape, repeating: 0)
  let dst = result.buffer.pointer
  // One breadth-first sweep per component; `label` holds the component number + 1.
  var label = [Int32](repeating: 0, count: h * w)
  var queue = [Int](repeating: 0, count: h * w)
  for i in 0..<b {
    let plane = src + i * h * w
    for k in 0..<(h * w) { label[k] = 0 }
    var count: Int32 = 0, bestLabel: Int32 = 0, bestSize = 0
    for start in 0..<(h * w) where plane[start] > 0.5 && label[start] == 0 {
      count += 1
      label[start] = count
      var head = 0, tail = 1
      queue[0] = start
      while head < tail {
        let k = queue[head]; head += 1
        let y = k / w, x = k % w
        for (dx, dy) in steps {
          let nx = x + dx, ny = y + dy
          guard nx >= 0, nx < w, ny >= 0, ny < h else { continue }
          let n = ny * w + nx
          if plane[n] > 0.5 && label[n] == 0 { label[n] = count; queue[tail] = n; tail += 1 }
        }
      }
      if tail > bestSize { (bestSize, bestLabel) = (tail, count) }
    }
    guard bestLabel > 0 else { continue }
    for k in 0..<(h * w) where label[k] == bestLabel { dst[i * h * w + k] = 1 }
  }
  return result
}
