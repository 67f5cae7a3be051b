import CDNNL
import Torch

/// The real-time forward pass of an `InferenceModel`, compiled with oneDNN for one input geometry.
///
/// Everything is prepared once in `init`: weights reordered into the blocked layout each convolution prefers,
/// activations kept blocked (nChw16c with AVX-512, nChw8c otherwise) from the first convolution to the head,
/// activations fused into the convolutions, concatenations resolved by letting producers write into their place,
/// and one buffer per live activation group plus one shared scratchpad. `run` then only executes primitives; it
/// allocates nothing on the Swift side.
///
/// Threads: oneDNN runs on the process-wide OpenMP pool (`TorchRuntime.setThreadCount` sets it), on whichever
/// thread calls `run`.
///
/// - Important: Not thread-safe and not `Sendable`: a plan owns mutable buffers that every run overwrites, so it
///   is confined to one queue (the inference queue), and `withLogits` reads what the last `run` on that queue
///   wrote. Build one plan per queue and geometry.
public final class CompiledInference {
    /// Images per run.
    public let batch: Int
    /// Input rows (a multiple of 32).
    public let height: Int
    /// Input columns (a multiple of 32).
    public let width: Int
    /// The shape of each level's logits, [batch, anchors * (5 + classes), ny, nx].
    public let outputShapes: [[Int]]
    /// Anchors per level.
    public let anchorCount: Int

    // TODO: oneDNN splits every primitive statically between OpenMP threads that spin while they wait, so on an
    // oversubscribed machine each of the ~70 primitives can wait for a preempted thread: at a load average of 4 on
    // 2 cores, runs at 320x320 took 540 ms (22 ms idle) where ONNX Runtime's work-stealing pool took about 100 ms.
    // OMP_WAIT_POLICY=passive kept runs under 75 ms in that state; detectd now starts with a short bounded spin
    // (GOMP_SPINCOUNT=3000, read once, at start-up): 0.79x to 1.27x of passive's rate with every core busy
    // elsewhere, 1.25x to 1.73x on a quiet machine (docs/benchmarks.md).
    private let engine: DNNLEngine
    private let stream: DNNLStream
    private let executions: [OneDNNExecution]
    private let image: DNNLMemory
    private let outputMemories: [DNNLMemory]
    private let outputs: [AlignedBuffer]
    private let outputCounts: [Int]
    private let logits: [UnsafeBufferPointer<Float>]
    private let buffers: [AlignedBuffer]
    private let memories: [DNNLMemory]

    /// Compiles `model` for `batch` images of `height` x `width` pixels (`dnnl_engine_create`,
    /// `dnnl_stream_create`, then a primitive per operation: `dnnl_primitive_desc_create`,
    /// `dnnl_primitive_create`).
    ///
    /// - Parameter blockSize: channels per block of the activations, 8 or 16; nil chooses the CPU's
    ///   (``OneDNNPlan/preferredBlockSize``), falling back to 8 when the model's channels do not split into 16s.
    public init(
        _ model: InferenceModel, batch: Int, height: Int, width: Int, blockSize: Int? = nil
    ) throws(DetectorError) {
        guard batch >= 1, height > 0, width > 0, height % 32 == 0, width % 32 == 0 else {
            throw DetectorError.invalidArgument("batch must be positive and the size a multiple of 32")
        }
        let chosen = blockSize ?? OneDNNPlan.preferredBlockSize
        let plan: OneDNNPlan
        do {
            plan = try OneDNNPlan(model, height: height, width: width, blockSize: chosen)
        } catch  where blockSize == nil && chosen != 8 {
            plan = try OneDNNPlan(model, height: height, width: width, blockSize: 8)
        }
        let anchorCount = model.anchors.first?.count ?? 0
        let shapes = plan.outputs.map { plan.values[$0].shape }
        guard anchorCount > 0, shapes.allSatisfy({ $0.channels % anchorCount == 0 }) else {
            throw DetectorError.invalidArgument("the head's channels do not split into its anchors")
        }
        let engine = try DNNLEngine()
        let stream = try DNNLStream(engine: engine)
        let outputs = shapes.map {
            AlignedBuffer(byteCount: batch * $0.channels * $0.planeCount * MemoryLayout<Float>.stride)
        }
        var builder = try OneDNNBuilder(plan: plan, outputs: outputs, engine: engine, stream: stream)
        try builder.addNodes()
        try builder.finish()
        guard let image = builder.valueMemories[0] else {
            throw DetectorError.invalidArgument("the plan has no image")
        }
        var outputMemories: [DNNLMemory] = []
        for value in plan.outputs {
            guard let memory = builder.valueMemories[value] else {
                throw DetectorError.invalidArgument("the plan has no head output")
            }
            outputMemories.append(memory)
        }

        self.batch = batch
        self.height = height
        self.width = width
        self.anchorCount = anchorCount
        self.blockSize = plan.blockSize
        outputShapes = shapes.map { [batch, $0.channels, $0.height, $0.width] }
        self.engine = engine
        self.stream = stream
        executions = builder.executions
        self.image = image
        self.outputMemories = outputMemories
        self.outputs = outputs
        outputCounts = shapes.map { $0.channels * $0.planeCount }
        logits = zip(outputs, shapes).map { (buffer, shape) in
            UnsafeBufferPointer(start: buffer.floats, count: batch * shape.channels * shape.planeCount)
        }
        buffers = builder.buffers
        memories = builder.memories
    }

    /// Runs the network on `input`, dense NCHW float32 [batch, 3, height, width] (planar RGB in [0, 1], what the
    /// letterbox converter writes); the logits are then readable through `withLogits` until the next run
    /// (`dnnl_memory_set_data_handle`, `dnnl_primitive_execute`, `dnnl_stream_wait`).
    ///
    /// - Important: `input` must hold `batch * 3 * height * width` floats; it is read, never written.
    public func run(_ input: UnsafePointer<Float>) throws(DetectorError) {
        try forEachImage(input) { (execution) throws(DetectorError) in try execute(execution) }
        try stream.wait()
    }

    /// Lends the head's raw logits of the last `run`: per level, dense NCHW [batch, anchors * (5 + classes), ny, nx]
    /// (see `outputShapes`).
    ///
    /// - Important: The buffers are valid only inside `body` and are overwritten by the next `run`.
    public func withLogits<R, E: Error>(_ body: ([UnsafeBufferPointer<Float>]) throws(E) -> R) throws(E) -> R {
        try withExtendedLifetime(outputs) { () throws(E) -> R in try body(logits) }
    }

    /// The logits of the last `run` copied into tensors of the training layout, [batch, anchors, ny, nx,
    /// 5 + classes] (the layout of `InferenceModel.forward` and the reference fixtures).
    public func logitTensors() throws(DetectorError) -> [Tensor] {
        do {
            return try withLogits { (levels) throws(TorchError) -> [Tensor] in
                try zip(levels, outputShapes).map { (level, shape) throws(TorchError) -> Tensor in
                    let planar = try Tensor(Array(level), shape: shape)
                    return try planar.view([shape[0], anchorCount, shape[1] / anchorCount, shape[2], shape[3]])
                        .permute([0, 1, 3, 4, 2]).contiguous()
                }
            }
        } catch {
            throw DetectorError.backend(error)
        }
    }

    /// Runs `image` ([batch, 3, height, width], any layout, converted to contiguous float32) and returns
    /// `logitTensors()`: a drop-in for `InferenceModel.forward` in tests and tools.
    public func forward(_ image: Tensor) throws(DetectorError) -> [Tensor] {
        guard image.shape == [batch, 3, height, width] else {
            throw DetectorError.invalidArgument("the image does not have the compiled shape")
        }
        do {
            let dense = try image.to(.float32).contiguous()
            try dense.withUnsafeMutableRawPointer { address in
                try run(address.assumingMemoryBound(to: Float.self))
            }
        } catch let error as DetectorError {
            throw error
        } catch let error as TorchError {
            throw DetectorError.backend(error)
        } catch {
            throw DetectorError.invalidArgument("the image cannot be read")
        }
        return try logitTensors()
    }

    /// Times every primitive (`dnnl_primitive_execute`) over `iterations` runs of `input`; returns milliseconds per
    /// run for each kind of primitive and implementation (for example `conv3x3 s1 jit:avx2`), largest first.
    public func profile(
        _ input: UnsafePointer<Float>, iterations: Int
    ) throws(DetectorError) -> [(label: String, milliseconds: Double)] {
        var totals: [String: Double] = [:]
        let clock = ContinuousClock()
        for _ in 0..<iterations {
            try forEachImage(input) { (execution) throws(DetectorError) in
                let start = clock.now
                try execute(execution)
                let elapsed = start.duration(to: clock.now)
                let milliseconds =
                    Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
                totals[execution.label, default: 0] += milliseconds / Double(iterations)
            }
        }
        try stream.wait()
        return totals.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }
    }

    /// The label of every primitive in execution order (operation and implementation), for tests and logs.
    var primitiveLabels: [String] { executions.map(\.label) }
    /// Channels per block of the activations' layout: 16 (nChw16c) or 8 (nChw8c).
    public let blockSize: Int

    /// Points the image and the outputs at each image of the batch in turn and calls `body` for every primitive.
    private func forEachImage(
        _ input: UnsafePointer<Float>, _ body: (OneDNNExecution) throws(DetectorError) -> Void
    ) throws(DetectorError) {
        // oneDNN sizes its OpenMP team from the calling thread's setting, which libtorch applies to a thread
        // lazily, on its first parallel operator there. Reading the count does that for the inference queue's
        // thread, so `TorchRuntime.setThreadCount` holds here too.
        // TODO: libtorch applies the count once per thread, so a later `setThreadCount` does not reach a thread
        // that already ran; the count can only be chosen at start-up.
        _ = TorchRuntime.threadCount
        let imageCount = 3 * height * width
        for index in 0..<batch {
            try image.setAddress(UnsafeMutableRawPointer(mutating: input + index * imageCount))
            for (level, memory) in outputMemories.enumerated() {
                try memory.setAddress(outputs[level].floats + index * outputCounts[level])
            }
            // TODO: A batch runs image by image on primitives built for one image, so that every concatenation
            // part stays a dense blocked slice; batched primitives would amortise per-primitive overhead better.
            for execution in executions {
                try body(execution)
            }
        }
    }

    /// Executes one primitive (`dnnl_primitive_execute`).
    private func execute(_ execution: OneDNNExecution) throws(DetectorError) {
        let status = execution.arguments.withUnsafeBufferPointer {
            dnnl_primitive_execute(execution.primitive.handle, stream.handle, Int32($0.count), $0.baseAddress)
        }
        try checkDNNL(status, "dnnl_primitive_execute")
    }
}
