/// One ground-truth object of a training batch, in network-input pixels.
public struct TargetBox: Sendable, Equatable {
    /// The image's position in the batch.
    public var image: Int
    /// The class index.
    public var classID: Int
    /// Centre x, in input pixels.
    public var centerX: Float
    /// Centre y, in input pixels.
    public var centerY: Float
    /// Width, in input pixels.
    public var width: Float
    /// Height, in input pixels.
    public var height: Float

    /// Creates a target from its centre and size in input pixels.
    public init(image: Int, classID: Int, centerX: Float, centerY: Float, width: Float, height: Float) {
        self.image = image
        self.classID = classID
        self.centerX = centerX
        self.centerY = centerY
        self.width = width
        self.height = height
    }
}
