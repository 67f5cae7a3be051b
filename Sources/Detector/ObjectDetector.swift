import Torch

/// Runs an inference model on letterboxed images and returns detections: forward, decode, non-maximum
/// suppression. Boxes are in model-input pixels; `Letterbox.mapToSource` takes them back to the source.
///
/// - Important: Not thread-safe: it keeps decode and suppression scratch buffers. Use one per inference queue;
///   the `InferenceModel` it holds may be shared.
public final class ObjectDetector {
    /// The model; replace it to hot-swap weights (the next call uses the new one).
    public var model: InferenceModel
    /// Thresholds and limits of the suppression.
    public var options: NMSOptions {
        get { suppressor.options }
        set { suppressor.options = newValue }
    }
    private let decoder = RawDecoder()
    private let suppressor: NonMaxSuppressor

    /// Creates a detector over `model`.
    public init(model: InferenceModel, options: NMSOptions = .detection) {
        self.model = model
        suppressor = NonMaxSuppressor(options: options)
    }

    /// Detects objects in each image of an NCHW float batch (values in [0, 1], sides multiples of 32).
    public func detect(_ batch: Tensor) throws(TorchError) -> [[Detection]] {
        let raw = try model.forward(batch)
        let batchSize = batch.shape[0]
        var results: [[Detection]] = []
        for image in 0..<batchSize {
            decoder.reset()
            for (level, logits) in raw.enumerated() {
                let shape = logits.shape
                let (anchors, rows, columns, outputs) = (shape[1], shape[2], shape[3], shape[4])
                let perImage = anchors * rows * columns * outputs
                let layout = RawDecoder.Layout.anchorMajor(rows: rows, columns: columns, outputs: outputs)
                do {
                    try logits.withUnsafeMutableRawPointer { address in
                        let values = address.assumingMemoryBound(to: Float.self) + image * perImage
                        decoder.appendLevel(
                            UnsafeBufferPointer(start: values, count: perImage), layout: layout, rows: rows,
                            columns: columns, classCount: model.classCount, anchors: model.anchors[level],
                            stride: model.strides[level], objectnessThreshold: options.confidenceThreshold)
                    }
                } catch {
                    throw error as? TorchError ?? .invalidArgument("\(error)")
                }
            }
            var detections: [Detection] = []
            decoder.rows.withUnsafeBufferPointer { rows in
                suppressor.detections(
                    fromRows: rows, rowCount: decoder.rowCount, classCount: model.classCount, into: &detections)
            }
            results.append(detections)
        }
        return results
    }
}
