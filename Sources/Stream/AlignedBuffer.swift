/// A growable scratch buffer aligned to 64 bytes, for FFmpeg to write into.
///
/// swscale's SIMD output writes whole vectors, so it stores a few bytes past the width it was asked for (up to
/// 5 bytes for 8-bit planes and 28 for float planes, measured with FFmpeg 5.1 on x86-64), which FFmpeg's own
/// frames, whose line sizes are padded, allow. Rows given to it therefore need slack: callers round line sizes
/// up with ``alignedLineSize(_:)`` and reserve one ``alignment`` more at the end.
///
/// - Important: Not thread-safe; owned by one converter.
final class AlignedBuffer {
    /// The alignment of the buffer and of line sizes, in bytes: one AVX-512 vector.
    static let alignment = 64

    /// The memory, owned by this object and deallocated in `deinit`; nil until first reserved.
    private var storage: UnsafeMutableRawPointer?
    /// The size of `storage` in bytes.
    private(set) var capacity = 0

    /// An empty buffer.
    init() {}

    deinit {
        storage?.deallocate()
    }

    /// The buffer, grown to at least `byteCount` bytes; its old contents are lost when it grows.
    func reserve(_ byteCount: Int) -> UnsafeMutableRawPointer {
        if let storage, byteCount <= capacity {
            return storage
        }
        storage?.deallocate()
        let grown = UnsafeMutableRawPointer.allocate(
            byteCount: max(byteCount, Self.alignment), alignment: Self.alignment)
        storage = grown
        capacity = max(byteCount, Self.alignment)
        return grown
    }

    /// `byteCount` rounded up to a multiple of ``alignment``.
    static func alignedLineSize(_ byteCount: Int) -> Int {
        (byteCount + alignment - 1) / alignment * alignment
    }
}
