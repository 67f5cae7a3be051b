import CTorch

/// Turns a CTorch status into a thrown `TorchError.backend`, keeping the entry point's name and libtorch's message.
///
/// - Important: Must run on the thread that made the call: the message is thread-local.
@inline(__always)
func check(_ status: Int32, _ function: StaticString = #function) throws(TorchError) {
    guard status != 0 else { return }
    throw TorchError.backend(function: "\(function)", message: String(cString: ct_last_error()))
}

/// Calls a CTorch function that hands back one new tensor through its last argument.
@inline(__always)
func makeTensor(
    _ function: StaticString = #function,
    _ body: (UnsafeMutablePointer<ct_tensor?>) -> Int32
) throws(TorchError) -> Tensor {
    var handle: ct_tensor?
    try check(body(&handle), function)
    guard let handle else {
        throw TorchError.backend(function: "\(function)", message: "backend returned no tensor")
    }
    return Tensor(owning: handle)
}

/// Lends `values` as `int64_t` to a C call, from stack memory (no heap allocation per call).
@inline(__always)
func withInt64s<R>(_ values: [Int], _ body: (UnsafePointer<Int64>, Int64) throws(TorchError) -> R) throws(TorchError)
    -> R
{
    let result = withUnsafeTemporaryAllocation(of: Int64.self, capacity: max(values.count, 1)) { buffer in
        for (index, value) in values.enumerated() {
            buffer[index] = Int64(value)
        }
        // At least one element is allocated, so the buffer always has an address to lend.
        return Result { () throws(TorchError) in try body(UnsafePointer(buffer.baseAddress!), Int64(values.count)) }
    }
    return try result.get()
}

/// Lends the handles of `tensors` to a C call; the tensors stay alive for the call.
@inline(__always)
func withHandles<R>(_ tensors: [Tensor], _ body: (UnsafePointer<ct_tensor?>, Int64) throws(TorchError) -> R)
    throws(TorchError) -> R
{
    // One spare element keeps the buffer non-empty, so it always has an address to lend.
    let handles: [ct_tensor?] = tensors.map { $0.handle } + [nil]
    return try withExtendedLifetime(tensors) { () throws(TorchError) -> R in
        try handles.withUnsafeBufferPointer { buffer throws(TorchError) -> R in
            try body(buffer.baseAddress!, Int64(tensors.count))
        }
    }
}

extension DType {
    /// The CTorch code of this type.
    var backendCode: ct_dtype {
        switch self {
        case .float32: CT_FLOAT32
        case .float64: CT_FLOAT64
        case .float16: CT_FLOAT16
        case .bfloat16: CT_BFLOAT16
        case .int64: CT_INT64
        case .int32: CT_INT32
        case .int16: CT_INT16
        case .int8: CT_INT8
        case .uint8: CT_UINT8
        case .bool: CT_BOOL
        }
    }

    /// The type for a CTorch code.
    init(backendCode: ct_dtype) {
        switch backendCode {
        case CT_FLOAT32: self = .float32
        case CT_FLOAT64: self = .float64
        case CT_FLOAT16: self = .float16
        case CT_BFLOAT16: self = .bfloat16
        case CT_INT64: self = .int64
        case CT_INT32: self = .int32
        case CT_INT16: self = .int16
        case CT_INT8: self = .int8
        case CT_UINT8: self = .uint8
        case CT_BOOL: self = .bool
        default: fatalError("CTorch returned unknown dtype \(backendCode.rawValue)")
        }
    }
}
