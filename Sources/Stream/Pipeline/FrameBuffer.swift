import Synchronization

/// Float32 memory for one letterboxed model input, [3, height, width] planar RGB in [0, 1], 64-byte aligned.
///
/// Buffers come from a `FrameBufferPool` and go back to it when the last `Frame` holding them is released, so
/// a stream converts into the same few buffers for its whole life.
/// - Important: One writer at a time: the stream's queue while converting, then read-only while the frame
///   travels to inference. That hand-over discipline is the invariant behind `@unchecked Sendable`.
public final class FrameBuffer: @unchecked Sendable {
    /// Input width in pixels.
    public let width: Int
    /// Input height in pixels.
    public let height: Int
    /// The floats, `3 * width * height` of them.
    public let pointer: UnsafeMutableBufferPointer<Float>
    private weak var pool: FrameBufferPool?

    /// Allocates a buffer of the given input size, owned by `pool` (or by nobody).
    init(width: Int, height: Int, pool: FrameBufferPool?) {
        self.width = width
        self.height = height
        self.pool = pool
        let count = 3 * width * height
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
        pointer = UnsafeMutableBufferPointer(start: raw.bindMemory(to: Float.self, capacity: count), count: count)
    }

    deinit {
        pointer.deallocate()
    }

    /// Returns the buffer to its pool for reuse.
    func recycle() {
        pool?.put(self)
    }
}

/// A small free list of equally sized `FrameBuffer`s for one stream.
///
/// - Important: Thread-safe: the stream's queue takes buffers, the inference queue gives them back.
public final class FrameBufferPool: Sendable {
    private let free = Mutex<[FrameBuffer]>([])
    private let limit: Int

    /// A pool that keeps at most `limit` idle buffers.
    public init(limit: Int = 4) {
        self.limit = limit
    }

    /// A buffer of the given size: a recycled one when one fits, otherwise a new one.
    public func take(width: Int, height: Int) -> FrameBuffer {
        let reused = free.withLock { buffers -> FrameBuffer? in
            // Buffers of another size (the stream changed resolution) are dropped here.
            buffers.removeAll { $0.width != width || $0.height != height }
            return buffers.popLast()
        }
        return reused ?? FrameBuffer(width: width, height: height, pool: self)
    }

    fileprivate func put(_ buffer: FrameBuffer) {
        free.withLock { buffers in
            if buffers.count < limit { buffers.append(buffer) }
        }
    }

    /// How many idle buffers the pool holds (for tests).
    public var idleCount: Int { free.withLock { $0.count } }
}
