import Torch

/// Runs an inference model on letterboxed images and returns detections: forward, decode, non-maximum
/// suppression. Boxes are in model-input pixels; `Letterbox.mapToSource` takes them back to the source.
///
/// The forward pass runs on oneDNN through a `CompiledInference` plan per input geometry (built on first use and
/// kept), or through libtorch's ops (`Engine.torch`) for comparison.
/// - Important: Not thread-safe: it keeps plans and decode and suppression scratch buffers. Use one per inference
///   queue; the `InferenceModel` it holds may be shared.
public final class ObjectDetector {
    /// Which implementation runs the forward pass.
    public enum Engine: String, Sendable, CaseIterable {
        /// oneDNN primitives with prepacked weights and fused activations (the real-time path).
        case onednn
        /// libtorch operations on the folded model.
        case torch
    }

    /// The model; setting it (a hot swap) drops the compiled plans, which the next call rebuilds.
    public var model: InferenceModel {
        didSet { plans = [:] }
    }
    /// The forward implementation.
    public let engine: Engine
    /// Thresholds and limits of the suppression.
    public var options: NMSOptions {
        get { suppressor.options }
        set { suppressor.options = newValue }
    }
    private let decoder = RawDecoder()
    private let suppressor: NonMaxSuppressor
    private var plans: [PlanKey: CompiledInference] = [:]

    private struct PlanKey: Hashable {
        var batch: Int
        var height: Int
        var width: Int
    }

    /// Creates a detector over `model`.
    public init(model: InferenceModel, options: NMSOptions = .detection, engine: Engine = .onednn) {
        self.model = model
        self.engine = engine
        suppressor = NonMaxSuppressor(options: options)
    }

    /// Detects objects in each image of an NCHW float batch (values in [0, 1], sides multiples of 32).
    public func detect(_ batch: Tensor) throws(DetectorError) -> [[Detection]] {
        let shape = batch.shape
        guard shape.count == 4, shape[1] == 3 else {
            throw .invalidArgument("expected a [batch, 3, height, width] image, got \(shape)")
        }
        do {
            let dense = try batch.to(.float32).contiguous()
            return try dense.withUnsafeMutableRawPointer { address in
                try detect(
                    UnsafePointer(address.assumingMemoryBound(to: Float.self)), batch: shape[0], height: shape[2],
                    width: shape[3])
            }
        } catch let error as DetectorError {
            throw error
        } catch {
            throw .backend(error as? TorchError ?? .invalidArgument("\(error)"))
        }
    }

    /// Detects objects in `batch` dense NCHW float images of `height` x `width` at `input`.
    public func detect(_ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int) throws(DetectorError)
        -> [[Detection]]
    {
        switch engine {
        case .onednn:
            let plan = try plan(batch: batch, height: height, width: width)
            try plan.run(input)
            return plan.withLogits { levels in
                (0..<batch).map { image in
                    decode(image: image) { level in
                        let shape = plan.outputShapes[level]
                        let perImage = shape[1] * shape[2] * shape[3]
                        let layout = RawDecoder.Layout.channelMajor(
                            rows: shape[2], columns: shape[3], outputs: shape[1] / plan.anchorCount)
                        let start = levels[level].baseAddress.map { $0 + image * perImage }
                        return (UnsafeBufferPointer(start: start, count: perImage), layout, shape[2], shape[3])
                    }
                }
            }
        case .torch:
            do {
                let image = try Tensor.wrapping(
                    UnsafeMutableRawPointer(mutating: input), shape: [batch, 3, height, width], dtype: .float32
                ) {}
                let raw = try model.forward(image)
                var results: [[Detection]] = []
                for image in 0..<batch {
                    results.append(try decodeTorch(raw, image: image))
                }
                return results
            } catch {
                throw .backend(error)
            }
        }
    }

    // TODO: a plan is compiled on the first batch of its geometry, 80-120 ms for yolov7-tiny at 320 on 2 cores,
    // during which a live stream's next frame replaces the one waiting (1 dropped at 25 fps); building it when a
    // stream opens would move the wait before its first frame.
    private func plan(batch: Int, height: Int, width: Int) throws(DetectorError) -> CompiledInference {
        let key = PlanKey(batch: batch, height: height, width: width)
        if let plan = plans[key] { return plan }
        let plan = try model.compile(batch: batch, height: height, width: width)
        plans[key] = plan
        return plan
    }

    /// Decodes one image from per-level logits lent by `level`, then suppresses.
    private func decode(
        image: Int,
        level: (Int) -> (UnsafeBufferPointer<Float>, RawDecoder.Layout, Int, Int)
    ) -> [Detection] {
        decoder.reset()
        for index in model.strides.indices {
            let (logits, layout, rows, columns) = level(index)
            decoder.appendLevel(
                logits, layout: layout, rows: rows, columns: columns, classCount: model.classCount,
                anchors: model.anchors[index], stride: model.strides[index],
                objectnessThreshold: options.confidenceThreshold)
        }
        var detections: [Detection] = []
        decoder.rows.withUnsafeBufferPointer { rows in
            suppressor.detections(
                fromRows: rows, rowCount: decoder.rowCount, classCount: model.classCount, into: &detections)
        }
        return detections
    }

    private func decodeTorch(_ raw: [Tensor], image: Int) throws(TorchError) -> [Detection] {
        var views: [(Tensor, Int, Int, Int)] = []
        for logits in raw {
            let shape = logits.shape
            views.append((try logits.contiguous(), shape[2], shape[3], shape[4]))
        }
        var result: [Detection] = []
        var failure: TorchError?
        do {
            try withAddresses(views.map(\.0)) { addresses in
                result = decode(image: image) { level in
                    let (_, rows, columns, outputs) = views[level]
                    let perImage = model.anchors[level].count * rows * columns * outputs
                    let start = addresses[level].assumingMemoryBound(to: Float.self) + image * perImage
                    return (
                        UnsafeBufferPointer(start: start, count: perImage),
                        .anchorMajor(rows: rows, columns: columns, outputs: outputs), rows, columns
                    )
                }
            }
        } catch {
            failure = error as? TorchError ?? .invalidArgument("\(error)")
        }
        if let failure { throw failure }
        return result
    }

    /// Lends the data addresses of contiguous tensors, all at once.
    private func withAddresses(_ tensors: [Tensor], _ body: ([UnsafeMutableRawPointer]) throws -> Void) throws {
        func lend(_ index: Int, _ collected: [UnsafeMutableRawPointer]) throws {
            guard index < tensors.count else { return try body(collected) }
            try tensors[index].withUnsafeMutableRawPointer { try lend(index + 1, collected + [$0]) }
        }
        try lend(0, [])
    }
}
