import CTorch
import Foundation

/// An n-dimensional array held by libtorch.
///
/// A `Tensor` owns one CTorch handle and frees it in `deinit`; several `Tensor`s may share storage (views,
/// `detach()`), which libtorch reference-counts. Operations that can fail (shape or type mismatches) throw
/// `TorchError.backend` with libtorch's message.
///
/// - Important: A tensor may move between threads and may be read from several at once, but must be written
///   (in-place operations, optimizer steps) by one thread at a time. libtorch's reference counts are atomic,
///   which is what makes handing the object across queues safe; hence `@unchecked Sendable`.
public final class Tensor: @unchecked Sendable {
    /// The owned handle; never nil, freed once in `deinit`.
    let handle: ct_tensor

    /// Takes ownership of a handle returned by CTorch.
    init(owning handle: ct_tensor) {
        self.handle = handle
    }

    deinit {
        ct_tensor_free(handle)
    }

    /// The element type (`ct_tensor_dtype`).
    public var dtype: DType {
        var code = CT_FLOAT32
        Self.expectSuccess(ct_tensor_dtype(handle, &code))
        return DType(backendCode: code)
    }

    /// The size of each dimension (`ct_tensor_sizes`); empty for a scalar.
    public var shape: [Int] { dimensions(ct_tensor_sizes) }

    /// The distance between neighbours of each dimension, in elements (`ct_tensor_strides`).
    public var strides: [Int] { dimensions(ct_tensor_strides) }

    /// Reads one value per dimension through a CTorch call that reports the true rank, using stack memory for
    /// ranks up to 8 (all detectd uses) and a second call for larger ones.
    private func dimensions(
        _ read: (ct_tensor, UnsafeMutablePointer<Int64>, Int64, UnsafeMutablePointer<Int64>) -> Int32
    ) -> [Int] {
        var rank: Int64 = 0
        let small = withUnsafeTemporaryAllocation(of: Int64.self, capacity: 8) { buffer -> [Int]? in
            Self.expectSuccess(read(handle, buffer.baseAddress!, 8, &rank))
            return rank <= 8 ? (0..<Int(rank)).map { Int(buffer[$0]) } : nil
        }
        if let small { return small }
        var values = [Int64](repeating: 0, count: Int(rank))
        Self.expectSuccess(read(handle, &values, rank, &rank))
        return values.map { Int($0) }
    }

    /// The number of dimensions (`ct_tensor_dim`).
    public var rank: Int {
        var dims: Int64 = 0
        Self.expectSuccess(ct_tensor_dim(handle, &dims))
        return Int(dims)
    }

    /// The number of elements (`ct_tensor_numel`).
    public var elementCount: Int {
        var count: Int64 = 0
        Self.expectSuccess(ct_tensor_numel(handle, &count))
        return Int(count)
    }

    /// Whether the elements are dense in row-major order (`ct_tensor_is_contiguous`).
    public var isContiguous: Bool {
        var result = false
        Self.expectSuccess(ct_tensor_is_contiguous(handle, false, &result))
        return result
    }

    /// Whether the elements are dense in NHWC order (`ct_tensor_is_contiguous` with channels-last).
    public var isChannelsLastContiguous: Bool {
        var result = false
        Self.expectSuccess(ct_tensor_is_contiguous(handle, true, &result))
        return result
    }

    /// Facts about a valid handle cannot fail; a failure here is a broken invariant, not bad input.
    private static func expectSuccess(_ status: Int32, _ function: StaticString = #function) {
        if status != 0 {
            fatalError("CTorch failed reading \(function) of a live tensor: \(String(cString: ct_last_error()))")
        }
    }
}

extension Tensor: CustomStringConvertible {
    /// The type and shape, for example `Tensor(float32, [1, 3, 320, 320])`.
    public var description: String { "Tensor(\(dtype), \(shape))" }
}
