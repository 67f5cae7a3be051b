/// One augmented training input and its targets.
public struct TrainingSample: Sendable {
    /// The input picture: planar float32 `[3, imageSize, imageSize]`, RGB, values in 0...1.
    public var image: [Float]
    /// The input's side in pixels.
    public var imageSize: Int
    /// The targets, boxes as centre and size in input pixels; difficult (crowd) boxes are left out.
    public var boxes: [(classID: Int, cx: Float, cy: Float, w: Float, h: Float)]

    /// A sample from its parts.
    public init(image: [Float], imageSize: Int, boxes: [(classID: Int, cx: Float, cy: Float, w: Float, h: Float)]) {
        precondition(image.count == 3 * imageSize * imageSize, "an image of \(image.count) floats")
        self.image = image
        self.imageSize = imageSize
        self.boxes = boxes
    }
}
