import Foundation

/// Heap storage for tensor elements, recycled through a size-classed pool so that a
/// training step in steady state does not go to the system allocator for every tensor.
public final class Buffer<Element>: @unchecked Sendable {
  public let count: Int
  public let pointer: UnsafeMutablePointer<Element>
  let capacity: Int

  /// A buffer of `count` elements, uninitialised (elements are trivial types).
  init(count: Int) {
    self.count = count
    let (ptr, cap) = BufferPool.shared.take(bytes: max(count, 1) * MemoryLayout<Element>.stride)
    self.pointer = ptr.bindMemory(to: Element.self, capacity: max(count, 1))
    self.capacity = cap
  }

  deinit {
    BufferPool.shared.give(UnsafeMutableRawPointer(pointer), bytes: capacity)
  }
}

/// Recycles freed buffers by power-of-two size class. Small blocks go straight to malloc.
final class BufferPool: @unchecked Sendable {
  static let shared = BufferPool()
  private var free: [Int: [UnsafeMutableRawPointer]] = [:]
  private var pooledBytes = 0
  private let lock = NSLock()
  /// Blocks below this size are not worth pooling; above `maxPooled` total we release.
  /// The cap is a quarter of physical memory, at least 2 GiB: a base-64 U-Net at 212² frees
  /// ≈ 4.5 GB of activations every step, and with a 2 GiB cap the rest went back to the
  /// system and was faulted in again (52 of 375 CPU seconds in the kernel).
  private let minPooled = 4096
  private let maxPooled = max(2 << 30, Int(clamping: ProcessInfo.processInfo.physicalMemory / 4))

  /// Statistics for benchmarks: allocations that had to go to the system.
  private(set) var systemAllocations = 0

  func take(bytes: Int) -> (UnsafeMutableRawPointer, Int) {
    if bytes < minPooled {
      return (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), bytes)
    }
    let cls = BufferPool.sizeClass(bytes)
    lock.lock()
    if var list = free[cls], let p = list.popLast() {
      free[cls] = list
      pooledBytes -= cls
      lock.unlock()
      return (p, cls)
    }
    systemAllocations += 1
    lock.unlock()
    return (UnsafeMutableRawPointer.allocate(byteCount: cls, alignment: 64), cls)
  }

  func give(_ p: UnsafeMutableRawPointer, bytes: Int) {
    if bytes < minPooled { p.deallocate(); return }
    lock.lock()
    if pooledBytes + bytes > maxPooled {
      lock.unlock()
      p.deallocate()
      return
    }
    free[bytes, default: []].append(p)
    pooledBytes += bytes
    lock.unlock()
  }

  /// Size classes: powers of two and the midpoints between them (waste ≤ 33 %).
  static func sizeClass(_ bytes: Int) -> Int {
    var p = 4096
    while p < bytes {
      let mid = p + p / 2
      if mid >= bytes { return mid }
      p <<= 1
    }
    return p
  }

  /// Frees every pooled block (tests and memory measurements).
  func drain() {
    lock.lock()
    for (_, list) in free { for p in list { p.deallocate() } }
    free = [:]
    pooledBytes = 0
    lock.unlock()
  }
}

/// How many times the pool had to ask the system for memory so far.
public var bufferPoolSystemAllocations: Int { BufferPool.shared.systemAllocations }
