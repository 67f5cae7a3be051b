import CTorch
import Foundation

extension Tensor {
    /// The elements in row-major order (`ct_tensor_copy_to`); `Element` must match `dtype`.
    public func toArray<Element: TensorElement>(of type: Element.Type = Element.self) throws(TorchError) -> [Element] {
        guard dtype == Element.dtype else {
            throw TorchError.invalidArgument("tensor holds \(dtype), asked for \(Element.dtype)")
        }
        let count = elementCount
        var status: Int32 = 0
        let values = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            let bytes = UnsafeMutableRawBufferPointer(buffer)
            status = ct_tensor_copy_to(handle, bytes.baseAddress, Int64(bytes.count))
            initialized = status == 0 ? count : 0
        }
        try check(status, "ct_tensor_copy_to")
        return values
    }

    /// The elements converted to `Float`, whatever the tensor's type.
    public func floats() throws(TorchError) -> [Float] {
        try to(.float32).toArray(of: Float.self)
    }

    /// The elements' bytes in row-major order, as a weights file stores them.
    public func stored(name: String) throws(TorchError) -> StoredTensor {
        let byteCount = elementCount * dtype.byteWidth
        var data = Data(count: byteCount)
        let status = data.withUnsafeMutableBytes { bytes in
            ct_tensor_copy_to(handle, bytes.baseAddress, Int64(byteCount))
        }
        try check(status, "ct_tensor_copy_to")
        return StoredTensor(name: name, dtype: dtype, shape: shape, bytes: data)
    }

    /// The value of a one-element tensor (`ct_tensor_item_double`).
    public func item() throws(TorchError) -> Double {
        var value = 0.0
        try check(ct_tensor_item_double(handle, &value))
        return value
    }

    /// The value of a one-element integer tensor (`ct_tensor_item_int64`).
    public func intItem() throws(TorchError) -> Int {
        var value: Int64 = 0
        try check(ct_tensor_item_int64(handle, &value))
        return Int(value)
    }

    /// Calls `body` with the address of the first element of a contiguous tensor (`ct_tensor_data_ptr`).
    ///
    /// - Important: The pointer is valid only inside `body`, and only for contiguous tensors.
    public func withUnsafeMutableRawPointer<R>(_ body: (UnsafeMutableRawPointer) throws -> R) throws -> R {
        guard isContiguous || isChannelsLastContiguous else {
            throw TorchError.invalidArgument("withUnsafeMutableRawPointer needs a contiguous tensor, got \(strides)")
        }
        var address: UnsafeMutableRawPointer?
        try check(ct_tensor_data_ptr(handle, &address), "ct_tensor_data_ptr")
        guard let address else {
            throw TorchError.invalidArgument("tensor has no storage")
        }
        return try withExtendedLifetime(self) { try body(address) }
    }

    /// A tensor of another element type (`ct_to_dtype`); the same storage when the type already matches.
    public func to(_ dtype: DType) throws(TorchError) -> Tensor {
        try makeTensor { ct_to_dtype(handle, dtype.backendCode, $0) }
    }

    /// A row-major contiguous tensor (`ct_contiguous`); the same storage when already contiguous.
    public func contiguous() throws(TorchError) -> Tensor {
        try makeTensor { ct_contiguous(handle, false, $0) }
    }

    /// A channels-last (NHWC in memory) contiguous tensor of the same NCHW shape (`ct_contiguous`).
    public func channelsLast() throws(TorchError) -> Tensor {
        try makeTensor { ct_contiguous(handle, true, $0) }
    }

    /// A deep copy (`ct_clone`).
    public func clone() throws(TorchError) -> Tensor {
        try makeTensor { ct_clone(handle, $0) }
    }

    /// Copies `source` into this tensor in place, broadcasting and converting (`ct_copy_`).
    public func copy(from source: Tensor) throws(TorchError) {
        try check(ct_copy_(handle, source.handle))
    }

    /// Sets every element to `value` in place (`ct_fill_`).
    public func fill(_ value: Double) throws(TorchError) {
        try check(ct_fill_(handle, value))
    }

    /// Another handle to the same tensor: same storage, same autograd identity (`ct_tensor_share`).
    public func shared() throws(TorchError) -> Tensor {
        try makeTensor { ct_tensor_share(handle, $0) }
    }
}
