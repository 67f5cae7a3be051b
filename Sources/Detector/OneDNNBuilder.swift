import CDNNL
import Torch

/// One primitive of a compiled plan with everything it executes on.
struct OneDNNExecution {
    /// The primitive.
    let primitive: DNNLPrimitive
    /// Its arguments (`DNNL_ARG_*` and memory handles), scratchpad included once `OneDNNBuilder.finish` ran.
    var arguments: [dnnl_exec_arg_t]
    /// What it computes and which implementation oneDNN picked, for profiles: `conv3x3 s1 jit:avx2`.
    let label: String
}

/// Creates the memories and primitives of a `OneDNNPlan` for one image: weights are reordered once into the
/// layout each convolution asks for, activations are blocked memories (nChw8c or nChw16c, as the plan says) over
/// the plan's buffers, and every primitive shares one user-provided scratchpad.
struct OneDNNBuilder {
    /// The engine every memory and primitive is created on.
    let engine: DNNLEngine
    /// The stream the weight reorders run on while building.
    let stream: DNNLStream
    /// What to build.
    let plan: OneDNNPlan
    /// The plan's activation buffers, packed weights, biases and the scratchpad: everything the memories point
    /// into, apart from the image and the head outputs.
    private(set) var buffers: [AlignedBuffer] = []
    /// Every memory object the executions use, kept alive with them.
    private(set) var memories: [DNNLMemory] = []
    /// The primitives in execution order.
    private(set) var executions: [OneDNNExecution] = []
    /// The memory of each plan value, once created.
    private(set) var valueMemories: [DNNLMemory?]
    private let activations: [AlignedBuffer]

    /// Allocates the plan's activation buffers; `outputs` are the head outputs of one image per level.
    init(plan: OneDNNPlan, outputs: [AlignedBuffer], engine: DNNLEngine, stream: DNNLStream) throws(DetectorError) {
        self.engine = engine
        self.stream = stream
        self.plan = plan
        activations = plan.bufferCounts.map { AlignedBuffer(byteCount: $0 * MemoryLayout<Float>.stride) }
        buffers = activations
        valueMemories = Array(repeating: nil, count: plan.values.count)
        for value in plan.values.indices {
            valueMemories[value] = try makeMemory(for: value, outputs: outputs)
        }
    }

    /// The memory of `value`: dense NCHW for the image (no address until a run) and the outputs, blocked in its
    /// buffer at its channel offset otherwise.
    private mutating func makeMemory(for value: Int, outputs: [AlignedBuffer]) throws(DetectorError) -> DNNLMemory {
        let shape = plan.values[value].shape
        let dims = [1, shape.channels, shape.height, shape.width]
        let memory: DNNLMemory
        switch plan.values[value].storage {
        case .image:
            memory = try DNNLMemory(.make(dims, dnnl_nchw), engine: engine, address: nil)
        case .output(let level):
            memory = try DNNLMemory(.make(dims, dnnl_nchw), engine: engine, address: outputs[level].address)
        case .buffer(let index, let channelOffset):
            let address = activations[index].floats + channelOffset * shape.planeCount
            let layout = plan.blockSize == 16 ? dnnl_nChw16c : dnnl_nChw8c
            memory = try DNNLMemory(.make(dims, layout), engine: engine, address: address)
        }
        memories.append(memory)
        return memory
    }

    /// Creates the primitive of every node of the plan.
    mutating func addNodes() throws(DetectorError) {
        for node in plan.nodes {
            switch node.operation {
            case .conv(let weight, let bias, let stride, let padding, let activation):
                try addConvolution(node, weight: weight, bias: bias, stride: stride, padding: padding, activation)
            case .maxPool(let kernel, let stride, let padding):
                try addPooling(node, kernel: kernel, stride: stride, padding: padding)
            case .upsample:
                try addUpsampling(node)
            case .copy:
                try addCopy(node)
            }
        }
    }

    /// Convolution (`dnnl_convolution_forward_desc_init`, direct, forward inference) with weights in the layout
    /// the implementation prefers and the activation fused as a post-op.
    private mutating func addConvolution(
        _ node: OneDNNPlan.Node, weight: Tensor, bias: Tensor, stride: Int, padding: Int, _ activation: Activation?
    ) throws(DetectorError) {
        let (source, destination) = try arguments(of: node)
        var sourceLayout = source.descriptor
        var destinationLayout = destination.descriptor
        var weightsLayout = try dnnl_memory_desc_t.make(weight.shape, dnnl_format_tag_any)
        var biasLayout = try dnnl_memory_desc_t.make(bias.shape, dnnl_x)
        var operation = dnnl_convolution_desc_t()
        try checkDNNL(
            dnnl_convolution_forward_desc_init(
                &operation, dnnl_forward_inference, dnnl_convolution_direct, &sourceLayout, &weightsLayout,
                &biasLayout, &destinationLayout, [Int64(stride), Int64(stride)], [Int64(padding), Int64(padding)],
                [Int64(padding), Int64(padding)]),
            "dnnl_convolution_forward_desc_init")
        try withAttributes(activation: activation) { (attributes) throws(DetectorError) in
            try withPrimitiveDescriptor(&operation, attributes: attributes, engine: engine) {
                (descriptor) throws(DetectorError) in
                guard let packedLayout = dnnl_primitive_desc_query_md(descriptor, dnnl_query_weights_md, 0) else {
                    throw DetectorError.backend(.backend(function: "dnnl_primitive_desc_query_md", message: "none"))
                }
                let weights = try prepack(weight, as: packedLayout.pointee)
                let biases = try copy(bias, as: biasLayout)
                let primitive = try DNNLPrimitive(descriptor, engine: engine)
                executions.append(
                    OneDNNExecution(
                        primitive: primitive,
                        arguments: [
                            dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: source.handle),
                            dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: weights.handle),
                            dnnl_exec_arg_t(arg: DNNL_ARG_BIAS, memory: biases.handle),
                            dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: destination.handle),
                        ],
                        label: "\(node.operation.label) \(primitive.implementation)"))
            }
        }
    }

    /// Max pooling without a workspace (`dnnl_pooling_forward_desc_init`, forward inference).
    private mutating func addPooling(
        _ node: OneDNNPlan.Node, kernel: Int, stride: Int, padding: Int
    ) throws(DetectorError) {
        let (source, destination) = try arguments(of: node)
        var sourceLayout = source.descriptor
        var destinationLayout = destination.descriptor
        var operation = dnnl_pooling_desc_t()
        try checkDNNL(
            dnnl_pooling_forward_desc_init(
                &operation, dnnl_forward_inference, dnnl_pooling_max, &sourceLayout, &destinationLayout,
                [Int64(stride), Int64(stride)], [Int64(kernel), Int64(kernel)], [Int64(padding), Int64(padding)],
                [Int64(padding), Int64(padding)]),
            "dnnl_pooling_forward_desc_init")
        try addSimple(node, &operation, source: source, destination: destination)
    }

    /// Nearest-neighbour upsampling by 2 (`dnnl_resampling_forward_desc_init`, forward inference).
    private mutating func addUpsampling(_ node: OneDNNPlan.Node) throws(DetectorError) {
        let (source, destination) = try arguments(of: node)
        var sourceLayout = source.descriptor
        var destinationLayout = destination.descriptor
        var operation = dnnl_resampling_desc_t()
        try checkDNNL(
            dnnl_resampling_forward_desc_init(
                &operation, dnnl_forward_inference, dnnl_resampling_nearest, [2, 2], &sourceLayout,
                &destinationLayout),
            "dnnl_resampling_forward_desc_init")
        try addSimple(node, &operation, source: source, destination: destination)
    }

    /// A copy of a concatenation part into its place (a reorder, `dnnl_reorder_primitive_desc_create`).
    private mutating func addCopy(_ node: OneDNNPlan.Node) throws(DetectorError) {
        let (source, destination) = try arguments(of: node)
        try withAttributes(activation: nil) { (attributes) throws(DetectorError) in
            try withReorderDescriptor(
                from: source.descriptor, to: destination.descriptor, attributes: attributes, engine: engine
            ) { (descriptor) throws(DetectorError) in
                try append(node, DNNLPrimitive(descriptor, engine: engine), source: source, destination: destination)
            }
        }
    }

    /// A primitive of one source and one destination from an operation descriptor.
    private mutating func addSimple(
        _ node: OneDNNPlan.Node, _ operation: UnsafeRawPointer, source: DNNLMemory, destination: DNNLMemory
    ) throws(DetectorError) {
        try withAttributes(activation: nil) { (attributes) throws(DetectorError) in
            try withPrimitiveDescriptor(operation, attributes: attributes, engine: engine) {
                (descriptor) throws(DetectorError) in
                try append(node, DNNLPrimitive(descriptor, engine: engine), source: source, destination: destination)
            }
        }
    }

    private mutating func append(
        _ node: OneDNNPlan.Node, _ primitive: DNNLPrimitive, source: DNNLMemory, destination: DNNLMemory
    ) {
        executions.append(
            OneDNNExecution(
                primitive: primitive,
                arguments: [
                    dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: source.handle),
                    dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: destination.handle),
                ],
                label: "\(node.operation.label) \(primitive.implementation)"))
    }

    private func arguments(of node: OneDNNPlan.Node) throws(DetectorError) -> (DNNLMemory, DNNLMemory) {
        guard let source = valueMemories[node.input], let destination = valueMemories[node.output] else {
            throw DetectorError.invalidArgument("a node reads or writes a value without memory")
        }
        return (source, destination)
    }

    /// Reorders `weight` (any layout libtorch holds, [out, in, kh, kw]) into a new buffer of `layout`
    /// (`dnnl_reorder_primitive_desc_create`, `dnnl_primitive_execute`), waiting for the copy to finish.
    private mutating func prepack(_ weight: Tensor, as layout: dnnl_memory_desc_t) throws(DetectorError) -> DNNLMemory {
        let plainLayout = try dnnl_memory_desc_t.make(weight.shape, dnnl_oihw)
        let values = AlignedBuffer(copying: try floats(of: weight))
        let plain = try DNNLMemory(plainLayout, engine: engine, address: values.address)
        let packed = AlignedBuffer(byteCount: layout.byteCount)
        let memory = try DNNLMemory(layout, engine: engine, address: packed.address)
        try withReorderDescriptor(from: plainLayout, to: layout, attributes: nil, engine: engine) {
            (descriptor) throws(DetectorError) in
            let reorder = try DNNLPrimitive(descriptor, engine: engine)
            let arguments = [
                dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: plain.handle),
                dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: memory.handle),
            ]
            try checkDNNL(
                dnnl_primitive_execute(reorder.handle, stream.handle, Int32(arguments.count), arguments),
                "dnnl_primitive_execute")
            try stream.wait()
        }
        buffers.append(packed)
        memories.append(memory)
        return memory
    }

    /// Copies a one-dimensional `tensor` into a new buffer of `layout` (plain, so no reorder is needed).
    private mutating func copy(_ tensor: Tensor, as layout: dnnl_memory_desc_t) throws(DetectorError) -> DNNLMemory {
        let buffer = AlignedBuffer(copying: try floats(of: tensor))
        let memory = try DNNLMemory(layout, engine: engine, address: buffer.address)
        buffers.append(buffer)
        memories.append(memory)
        return memory
    }

    private func floats(of tensor: Tensor) throws(DetectorError) -> [Float] {
        do {
            return try tensor.to(.float32).contiguous().toArray(of: Float.self)
        } catch {
            throw DetectorError.backend(error)
        }
    }

    /// Gives every primitive that needs one the shared scratchpad: one buffer as large as the largest need,
    /// which is safe because the primitives run one after another.
    mutating func finish() throws(DetectorError) {
        let largest = executions.map { $0.primitive.scratchpad.byteCount }.max() ?? 0
        let scratchpad = AlignedBuffer(byteCount: largest)
        buffers.append(scratchpad)
        for index in executions.indices where executions[index].primitive.scratchpad.byteCount > 0 {
            let memory = try DNNLMemory(
                executions[index].primitive.scratchpad, engine: engine, address: scratchpad.address)
            memories.append(memory)
            executions[index].arguments.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: memory.handle))
        }
    }
}
