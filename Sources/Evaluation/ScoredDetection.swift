/// One detection to evaluate: a class, a confidence score and an axis-aligned box in source-image pixels.
public struct ScoredDetection: Sendable, Hashable {
    /// The image the detection was made on, in the caller's numbering (the one of `GroundTruthBox.imageID`).
    public var imageID: Int
    /// The predicted class index.
    public var classID: Int
    /// The confidence; higher scores rank first. Only the order of scores matters to the evaluation.
    public var score: Double
    /// The left edge, in pixels.
    public var x1: Double
    /// The top edge, in pixels.
    public var y1: Double
    /// The right edge, in pixels.
    public var x2: Double
    /// The bottom edge, in pixels.
    public var y2: Double

    /// Makes a detection from its score and corners, given in source-image pixels.
    public init(imageID: Int, classID: Int, score: Double, x1: Double, y1: Double, x2: Double, y2: Double) {
        self.imageID = imageID
        self.classID = classID
        self.score = score
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }
}
