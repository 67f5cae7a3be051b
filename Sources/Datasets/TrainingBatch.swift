/// A batch of augmented training samples, laid out for a detector's forward pass and loss.
public struct TrainingBatch: Sendable {
    /// The inputs: float32 `[count, 3, imageSize, imageSize]`, contiguous, RGB in 0...1.
    public var images: [Float]
    /// The targets of every image; `imageIndex` is the position in the batch (`0..<count`, as upstream's
    /// `collate_fn`), boxes are centre and size in input pixels.
    public var targets: [(imageIndex: Int, classID: Int, cx: Float, cy: Float, w: Float, h: Float)]
    /// The dataset index of each image, in batch order.
    public var indices: [Int]
    /// The side of each square input in pixels.
    public var imageSize: Int

    /// The number of images.
    public var count: Int { indices.count }

    /// A batch from its parts.
    public init(
        images: [Float], targets: [(imageIndex: Int, classID: Int, cx: Float, cy: Float, w: Float, h: Float)],
        indices: [Int], imageSize: Int
    ) {
        precondition(images.count == indices.count * 3 * imageSize * imageSize, "images do not match the indices")
        self.images = images
        self.targets = targets
        self.indices = indices
        self.imageSize = imageSize
    }
}
