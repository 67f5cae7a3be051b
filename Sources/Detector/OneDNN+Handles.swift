import CDNNL
import Torch

/// Turns a oneDNN status into `DetectorError.backend`, keeping the C function's name and the status's name.
@inline(__always)
func checkDNNL(_ status: dnnl_status_t, _ function: StaticString) throws(DetectorError) {
    guard status != dnnl_success else { return }
    throw DetectorError.backend(.backend(function: "\(function)", message: statusName(status)))
}

/// The oneDNN name of a status code, as the C header spells it.
private func statusName(_ status: dnnl_status_t) -> String {
    switch status {
    case dnnl_out_of_memory: "dnnl_out_of_memory"
    case dnnl_invalid_arguments: "dnnl_invalid_arguments"
    case dnnl_unimplemented: "dnnl_unimplemented"
    case dnnl_iterator_ends: "dnnl_iterator_ends"
    case dnnl_runtime_error: "dnnl_runtime_error"
    case dnnl_not_required: "dnnl_not_required"
    default: "dnnl status \(status.rawValue)"
    }
}

/// The CPU engine every other oneDNN object of a plan belongs to (`dnnl_engine_create`, freed with
/// `dnnl_engine_destroy`).
///
/// Memories, primitives and streams keep a reference to their engine, so the engine is destroyed last.
final class DNNLEngine {
    /// The engine handle, valid for the life of this object.
    let handle: dnnl_engine_t

    /// Creates the first CPU engine (`dnnl_engine_create(dnnl_cpu, 0)`).
    init() throws(DetectorError) {
        var engine: dnnl_engine_t?
        try checkDNNL(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create")
        guard let engine else {
            throw DetectorError.backend(.backend(function: "dnnl_engine_create", message: "no engine"))
        }
        handle = engine
    }

    deinit {
        dnnl_engine_destroy(handle)
    }
}

/// An in-order execution stream on a CPU engine (`dnnl_stream_create`, freed with `dnnl_stream_destroy`).
final class DNNLStream {
    /// The stream handle, valid for the life of this object.
    let handle: dnnl_stream_t
    private let engine: DNNLEngine

    /// Creates an in-order stream (`dnnl_stream_create` with `dnnl_stream_default_flags`).
    init(engine: DNNLEngine) throws(DetectorError) {
        var stream: dnnl_stream_t?
        try checkDNNL(
            dnnl_stream_create(&stream, engine.handle, UInt32(dnnl_stream_default_flags.rawValue)),
            "dnnl_stream_create")
        guard let stream else {
            throw DetectorError.backend(.backend(function: "dnnl_stream_create", message: "no stream"))
        }
        handle = stream
        self.engine = engine
    }

    /// Blocks until every primitive submitted to the stream has finished (`dnnl_stream_wait`).
    func wait() throws(DetectorError) {
        try checkDNNL(dnnl_stream_wait(handle), "dnnl_stream_wait")
    }

    deinit {
        dnnl_stream_destroy(handle)
    }
}

/// Memory the plan allocates once and owns: activations, packed weights, biases, outputs and scratchpad.
///
/// Aligned to 64 bytes (a cache line, and what oneDNN's own allocator uses); zero-filled, so the channel padding
/// of blocked layouts reads as zeros.
final class AlignedBuffer {
    /// The first byte; valid for `byteCount` bytes for the life of this object.
    let address: UnsafeMutableRawPointer
    /// The size in bytes.
    let byteCount: Int

    /// Allocates `byteCount` zeroed bytes (at least one, so that every buffer has an address).
    init(byteCount: Int) {
        self.byteCount = max(byteCount, 1)
        address = UnsafeMutableRawPointer.allocate(byteCount: self.byteCount, alignment: 64)
        address.initializeMemory(as: UInt8.self, repeating: 0, count: self.byteCount)
    }

    /// Allocates a buffer holding a copy of `values`.
    convenience init(copying values: [Float]) {
        self.init(byteCount: values.count * MemoryLayout<Float>.stride)
        floats.update(from: values, count: values.count)
    }

    /// The buffer seen as `Float`s.
    var floats: UnsafeMutablePointer<Float> { address.assumingMemoryBound(to: Float.self) }

    deinit {
        address.deallocate()
    }
}

/// A oneDNN memory object over memory the caller owns (`dnnl_memory_create`, freed with `dnnl_memory_destroy`).
///
/// - Important: The memory object never owns its data: the `AlignedBuffer` (or the caller's buffer, for the
///   image and the outputs) must outlive every execution that uses it.
final class DNNLMemory {
    /// The memory handle, valid for the life of this object.
    let handle: dnnl_memory_t
    /// The layout this memory was created with.
    let descriptor: dnnl_memory_desc_t
    private let engine: DNNLEngine

    /// Wraps `address` (nil for none yet; see `setAddress`) as memory of layout `descriptor` (`dnnl_memory_create`).
    init(
        _ descriptor: dnnl_memory_desc_t, engine: DNNLEngine, address: UnsafeMutableRawPointer?
    ) throws(DetectorError) {
        var memory: dnnl_memory_t?
        var layout = descriptor
        try checkDNNL(dnnl_memory_create(&memory, &layout, engine.handle, address), "dnnl_memory_create")
        guard let memory else {
            throw DetectorError.backend(.backend(function: "dnnl_memory_create", message: "no memory"))
        }
        handle = memory
        self.descriptor = descriptor
        self.engine = engine
    }

    /// Points the memory object at other data of the same layout (`dnnl_memory_set_data_handle`).
    func setAddress(_ address: UnsafeMutableRawPointer) throws(DetectorError) {
        try checkDNNL(dnnl_memory_set_data_handle(handle, address), "dnnl_memory_set_data_handle")
    }

    deinit {
        dnnl_memory_destroy(handle)
    }
}

/// A primitive ready to execute (`dnnl_primitive_create`, freed with `dnnl_primitive_destroy`), with what its
/// descriptor said about it.
final class DNNLPrimitive {
    /// The primitive handle, valid for the life of this object.
    let handle: dnnl_primitive_t
    /// The implementation oneDNN picked (`dnnl_query_impl_info_str`), for example `jit:avx2`.
    let implementation: String
    /// The scratchpad layout the primitive needs (`dnnl_query_scratchpad_md`); zero bytes when it needs none.
    let scratchpad: dnnl_memory_desc_t
    private let engine: DNNLEngine

    /// Creates the primitive of `descriptor` (`dnnl_primitive_create`); the descriptor stays the caller's.
    init(_ descriptor: dnnl_primitive_desc_t, engine: DNNLEngine) throws(DetectorError) {
        var primitive: dnnl_primitive_t?
        try checkDNNL(dnnl_primitive_create(&primitive, descriptor), "dnnl_primitive_create")
        guard let primitive else {
            throw DetectorError.backend(.backend(function: "dnnl_primitive_create", message: "no primitive"))
        }
        handle = primitive
        self.engine = engine
        var name: UnsafePointer<CChar>?
        let status = dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name)
        implementation = status == dnnl_success ? name.map { String(cString: $0) } ?? "unknown" : "unknown"
        let scratchpadLayout = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0)
        scratchpad = scratchpadLayout?.pointee ?? dnnl_memory_desc_t()
    }

    deinit {
        dnnl_primitive_destroy(handle)
    }
}

/// Creates a primitive descriptor for the operation descriptor at `operation` (`dnnl_primitive_desc_create`),
/// lends it to `body`, and destroys it (`dnnl_primitive_desc_destroy`).
func withPrimitiveDescriptor<R>(
    _ operation: UnsafeRawPointer, attributes: dnnl_primitive_attr_t?, engine: DNNLEngine,
    _ body: (dnnl_primitive_desc_t) throws(DetectorError) -> R
) throws(DetectorError) -> R {
    var descriptor: dnnl_primitive_desc_t?
    try checkDNNL(
        dnnl_primitive_desc_create(&descriptor, operation, attributes, engine.handle, nil),
        "dnnl_primitive_desc_create")
    guard let descriptor else {
        throw DetectorError.backend(.backend(function: "dnnl_primitive_desc_create", message: "no descriptor"))
    }
    defer { dnnl_primitive_desc_destroy(descriptor) }
    return try body(descriptor)
}

/// Creates a reorder descriptor from layout `source` to layout `destination` on one CPU engine
/// (`dnnl_reorder_primitive_desc_create`), lends it to `body`, and destroys it (`dnnl_primitive_desc_destroy`).
func withReorderDescriptor<R>(
    from source: dnnl_memory_desc_t, to destination: dnnl_memory_desc_t, attributes: dnnl_primitive_attr_t?,
    engine: DNNLEngine, _ body: (dnnl_primitive_desc_t) throws(DetectorError) -> R
) throws(DetectorError) -> R {
    var descriptor: dnnl_primitive_desc_t?
    var from = source
    var to = destination
    try checkDNNL(
        dnnl_reorder_primitive_desc_create(&descriptor, &from, engine.handle, &to, engine.handle, attributes),
        "dnnl_reorder_primitive_desc_create")
    guard let descriptor else {
        throw DetectorError.backend(
            .backend(function: "dnnl_reorder_primitive_desc_create", message: "no descriptor"))
    }
    defer { dnnl_primitive_desc_destroy(descriptor) }
    return try body(descriptor)
}

/// Creates primitive attributes with a user-provided scratchpad (`dnnl_primitive_attr_create`,
/// `dnnl_primitive_attr_set_scratchpad_mode`) and the activation as an eltwise post-op
/// (`dnnl_post_ops_append_eltwise`), lends them to `body`, and destroys them (`dnnl_primitive_attr_destroy`).
///
/// LeakyReLU(0.1) is `dnnl_eltwise_relu` with alpha 0.1; SiLU is `dnnl_eltwise_swish` with alpha 1.
func withAttributes<R>(
    activation: Activation?, _ body: (dnnl_primitive_attr_t) throws(DetectorError) -> R
) throws(DetectorError) -> R {
    var created: dnnl_primitive_attr_t?
    try checkDNNL(dnnl_primitive_attr_create(&created), "dnnl_primitive_attr_create")
    guard let attributes = created else {
        throw DetectorError.backend(.backend(function: "dnnl_primitive_attr_create", message: "no attributes"))
    }
    defer { dnnl_primitive_attr_destroy(attributes) }
    try checkDNNL(
        dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user),
        "dnnl_primitive_attr_set_scratchpad_mode")
    if let activation {
        var createdOps: dnnl_post_ops_t?
        try checkDNNL(dnnl_post_ops_create(&createdOps), "dnnl_post_ops_create")
        guard let postOps = createdOps else {
            throw DetectorError.backend(.backend(function: "dnnl_post_ops_create", message: "no post-ops"))
        }
        defer { dnnl_post_ops_destroy(postOps) }
        let (algorithm, alpha): (dnnl_alg_kind_t, Float) =
            switch activation {
            case .leakyReLU: (dnnl_eltwise_relu, 0.1)
            case .silu: (dnnl_eltwise_swish, 1)
            }
        try checkDNNL(dnnl_post_ops_append_eltwise(postOps, 1, algorithm, alpha, 0), "dnnl_post_ops_append_eltwise")
        try checkDNNL(dnnl_primitive_attr_set_post_ops(attributes, postOps), "dnnl_primitive_attr_set_post_ops")
    }
    return try body(attributes)
}

extension dnnl_memory_desc_t {
    /// A dense layout of `dims` in format `tag` (`dnnl_memory_desc_init_by_tag`), float32.
    static func make(_ dims: [Int], _ tag: dnnl_format_tag_t) throws(DetectorError) -> dnnl_memory_desc_t {
        var descriptor = dnnl_memory_desc_t()
        let sizes = dims.map { Int64($0) }
        try checkDNNL(
            dnnl_memory_desc_init_by_tag(&descriptor, Int32(dims.count), sizes, dnnl_f32, tag),
            "dnnl_memory_desc_init_by_tag")
        return descriptor
    }

    /// The region `dims` at `offsets` of this layout (`dnnl_memory_desc_init_submemory`).
    func submemory(_ dims: [Int], offsets: [Int]) throws(DetectorError) -> dnnl_memory_desc_t {
        var descriptor = dnnl_memory_desc_t()
        var parent = self
        try checkDNNL(
            dnnl_memory_desc_init_submemory(&descriptor, &parent, dims.map { Int64($0) }, offsets.map { Int64($0) }),
            "dnnl_memory_desc_init_submemory")
        return descriptor
    }

    /// The bytes data of this layout spans, padding included (`dnnl_memory_desc_get_size`).
    var byteCount: Int {
        var descriptor = self
        return dnnl_memory_desc_get_size(&descriptor)
    }
}
