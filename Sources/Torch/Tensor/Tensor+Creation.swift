import CTorch
import Foundation

extension Tensor {
    /// Copies `values` into a new tensor of `shape` (`ct_tensor_from_bytes`); `values.count` must equal the
    /// product of `shape`.
    public convenience init<Element: TensorElement>(_ values: [Element], shape: [Int]) throws(TorchError) {
        let result = values.withUnsafeBytes { bytes in
            Result { () throws(TorchError) in try Self.copyHandle(bytes, shape: shape, dtype: Element.dtype) }
        }
        self.init(owning: try result.get())
    }

    /// Copies `values` into a new one-dimensional tensor.
    public convenience init<Element: TensorElement>(_ values: [Element]) throws(TorchError) {
        try self.init(values, shape: [values.count])
    }

    /// A zero-dimensional tensor holding `value`.
    public convenience init<Element: TensorElement>(scalar value: Element) throws(TorchError) {
        try self.init([value], shape: [])
    }

    /// Copies a tensor read from a weights file into libtorch (`ct_tensor_from_bytes`).
    public convenience init(_ stored: StoredTensor) throws(TorchError) {
        let result = stored.bytes.withUnsafeBytes { bytes in
            Result { () throws(TorchError) in try Self.copyHandle(bytes, shape: stored.shape, dtype: stored.dtype) }
        }
        self.init(owning: try result.get())
    }

    /// Wraps memory without copying (`ct_tensor_from_blob`): the tensor reads and writes `address` directly.
    ///
    /// `release` runs exactly once, when libtorch drops the last tensor using the memory (or at once if the
    /// call fails).
    /// - Important: The memory must hold `shape` elements of `dtype`, stay valid until `release` runs, and not
    ///   be written by anyone else while tensors use it.
    public static func wrapping(
        _ address: UnsafeMutableRawPointer,
        shape: [Int],
        dtype: DType,
        release: @escaping @Sendable () -> Void
    ) throws(TorchError) -> Tensor {
        let context = Unmanaged.passRetained(ReleaseBox(release)).toOpaque()
        return try withInt64s(shape) { sizes, dims throws(TorchError) in
            try makeTensor { out in
                ct_tensor_from_blob(address, sizes, dims, dtype.backendCode, releaseTrampoline, context, out)
            }
        }
    }

    /// A tensor of `shape` filled with `value` (`ct_full`).
    public static func full(_ shape: [Int], value: Double, dtype: DType = .float32) throws(TorchError) -> Tensor {
        try withInt64s(shape) { sizes, dims throws(TorchError) in
            try makeTensor { ct_full(sizes, dims, value, dtype.backendCode, $0) }
        }
    }

    /// A tensor of `shape` filled with zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) throws(TorchError) -> Tensor {
        try full(shape, value: 0, dtype: dtype)
    }

    /// A tensor of `shape` filled with ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32) throws(TorchError) -> Tensor {
        try full(shape, value: 1, dtype: dtype)
    }

    /// A tensor of `shape` whose contents are undefined (`ct_empty`); for buffers about to be overwritten.
    public static func empty(_ shape: [Int], dtype: DType = .float32) throws(TorchError) -> Tensor {
        try withInt64s(shape) { sizes, dims throws(TorchError) in
            try makeTensor { ct_empty(sizes, dims, dtype.backendCode, $0) }
        }
    }

    /// Uniform samples in [0, 1) from the global generator (`ct_rand`).
    public static func rand(_ shape: [Int], dtype: DType = .float32) throws(TorchError) -> Tensor {
        try withInt64s(shape) { sizes, dims throws(TorchError) in
            try makeTensor { ct_rand(sizes, dims, dtype.backendCode, $0) }
        }
    }

    /// Standard normal samples from the global generator (`ct_randn`).
    public static func randn(_ shape: [Int], dtype: DType = .float32) throws(TorchError) -> Tensor {
        try withInt64s(shape) { sizes, dims throws(TorchError) in
            try makeTensor { ct_randn(sizes, dims, dtype.backendCode, $0) }
        }
    }

    /// Integers drawn uniformly from `range` (`ct_randint`).
    public static func randint(_ range: Range<Int>, shape: [Int], dtype: DType = .int64) throws(TorchError) -> Tensor {
        try withInt64s(shape) { sizes, dims throws(TorchError) in
            try makeTensor {
                ct_randint(Int64(range.lowerBound), Int64(range.upperBound), sizes, dims, dtype.backendCode, $0)
            }
        }
    }

    /// A random permutation of `0..<count` as int64 (`ct_randperm`).
    public static func randperm(_ count: Int) throws(TorchError) -> Tensor {
        try makeTensor { ct_randperm(Int64(count), $0) }
    }

    /// Values from `start` up to but excluding `end` in steps of `step` (`ct_arange`).
    public static func arange(
        _ start: Double = 0,
        _ end: Double,
        step: Double = 1,
        dtype: DType = .float32
    ) throws(TorchError) -> Tensor {
        try makeTensor { ct_arange(start, end, step, dtype.backendCode, $0) }
    }

    private static func copyHandle(
        _ bytes: UnsafeRawBufferPointer,
        shape: [Int],
        dtype: DType
    ) throws(TorchError) -> ct_tensor {
        try withInt64s(shape) { sizes, dims throws(TorchError) -> ct_tensor in
            var handle: ct_tensor?
            // A zero-length buffer may have no address; CTorch copies nothing then.
            let address = bytes.baseAddress ?? UnsafeRawPointer(sizes)
            try check(ct_tensor_from_bytes(address, Int64(bytes.count), sizes, dims, dtype.backendCode, &handle))
            guard let handle else {
                throw TorchError.backend(function: "ct_tensor_from_bytes", message: "backend returned no tensor")
            }
            return handle
        }
    }
}

/// Keeps the release closure of a wrapped buffer alive until libtorch calls back.
private final class ReleaseBox: Sendable {
    let release: @Sendable () -> Void

    init(_ release: @escaping @Sendable () -> Void) {
        self.release = release
    }
}

/// The C callback libtorch runs when the last user of wrapped memory goes away.
private func releaseTrampoline(_ context: UnsafeMutableRawPointer?) {
    guard let context else { return }
    let box = Unmanaged<ReleaseBox>.fromOpaque(context).takeRetainedValue()
    box.release()
}
