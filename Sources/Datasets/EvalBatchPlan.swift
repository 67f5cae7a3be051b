/// How evaluation groups images into batches and which input shape each batch gets.
///
/// Rectangular evaluation (upstream's `rect=True`, used by its `test.py`) saves the padding of square inputs:
/// - images are ordered by aspect ratio `h / w`, ascending (ties keep dataset order);
/// - consecutive runs of `batchSize` images form the batches (the last may be smaller);
/// - each batch's shape, as `(h, w)` ratios of `imageSize`, is `(maxRatio, 1)` when every image is wider than
///   tall (`maxRatio < 1`), `(1, 1 / minRatio)` when every image is taller than wide (`minRatio > 1`), and
///   `(1, 1)` otherwise;
/// - each side becomes `ceil(ratio * imageSize / stride + pad) * stride` pixels, with `pad` 0.5 as upstream's
///   evaluation uses. So 640x480 images at `imageSize` 320 get 352 x 256 (w x h) inputs: the half-stride pad
///   can make a side longer than `imageSize`, exactly as upstream.
///
/// Without rect, images keep dataset order and every batch is `imageSize` square.
public struct EvalBatchPlan: Hashable, Sendable {
    /// One evaluation batch.
    public struct Batch: Hashable, Sendable {
        /// The dataset indices in the batch, in batch order.
        public var indices: [Int]
        /// The input width in pixels for every image of the batch.
        public var width: Int
        /// The input height in pixels for every image of the batch.
        public var height: Int
    }

    /// The batches in evaluation order; every dataset index appears exactly once.
    public let batches: [Batch]

    /// The plan for images of the given sizes (in pixels, by dataset index).
    ///
    /// - Parameters:
    ///   - sizes: each image's width and height in pixels.
    ///   - imageSize: the nominal input side in pixels.
    ///   - batchSize: the largest batch.
    ///   - isRectangular: whether to use upstream's rectangular shapes (see ``EvalBatchPlan``).
    ///   - stride: the model's largest stride; input sides are multiples of it.
    ///   - pad: the fraction of a stride added before rounding up (upstream evaluation: 0.5).
    public init(
        sizes: [(width: Int, height: Int)], imageSize: Int, batchSize: Int, isRectangular: Bool, stride: Int = 32,
        pad: Double = 0.5
    ) {
        precondition(batchSize > 0 && imageSize > 0 && stride > 0, "empty batch, image size or stride")
        guard isRectangular else {
            batches = Swift.stride(from: 0, to: sizes.count, by: batchSize).map { start in
                Batch(indices: Array(start..<min(start + batchSize, sizes.count)), width: imageSize, height: imageSize)
            }
            return
        }
        let ratios = sizes.map { Double($0.height) / Double($0.width) }
        let order = ratios.indices.sorted { (ratios[$0], $0) < (ratios[$1], $1) }
        batches = Swift.stride(from: 0, to: order.count, by: batchSize).map { start in
            let indices = Array(order[start..<min(start + batchSize, order.count)])
            let batchRatios = indices.map { ratios[$0] }
            let (lowest, highest) = (batchRatios.min()!, batchRatios.max()!)
            var shape = (height: 1.0, width: 1.0)
            if highest < 1 {
                shape = (highest, 1)
            } else if lowest > 1 {
                shape = (1, 1 / lowest)
            }
            let side = { (ratio: Double) in
                Int((ratio * Double(imageSize) / Double(stride) + pad).rounded(.up)) * stride
            }
            return Batch(indices: indices, width: side(shape.width), height: side(shape.height))
        }
    }

    /// The plan for the images of `dataset`; see ``init(sizes:imageSize:batchSize:isRectangular:stride:pad:)``.
    public init(
        dataset: DetectionDataset, imageSize: Int, batchSize: Int, isRectangular: Bool, stride: Int = 32,
        pad: Double = 0.5
    ) {
        self.init(
            sizes: dataset.samples.map { ($0.width, $0.height) }, imageSize: imageSize, batchSize: batchSize,
            isRectangular: isRectangular, stride: stride, pad: pad)
    }
}
