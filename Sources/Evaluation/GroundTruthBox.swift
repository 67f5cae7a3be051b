/// One labelled object of an evaluation image: a class and an axis-aligned box in source-image pixels.
///
/// A crowd box marks a region holding many objects of its class that were not labelled one by one. It behaves
/// exactly like COCO's `iscrowd`: it does not count as an object to find, detections that fall on it are
/// neither true nor false positives, and any number of detections may match it.
public struct GroundTruthBox: Sendable, Hashable {
    /// The image the box belongs to, in the caller's numbering.
    public var imageID: Int
    /// The class index of the object.
    public var classID: Int
    /// The left edge, in pixels.
    public var x1: Double
    /// The top edge, in pixels.
    public var y1: Double
    /// The right edge, in pixels.
    public var x2: Double
    /// The bottom edge, in pixels.
    public var y2: Double
    /// Whether the box covers a crowd of objects instead of a single one (COCO's `iscrowd`).
    public var isCrowd: Bool

    /// Makes a box from its corners, given in source-image pixels.
    public init(imageID: Int, classID: Int, x1: Double, y1: Double, x2: Double, y2: Double, isCrowd: Bool = false) {
        self.imageID = imageID
        self.classID = classID
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
        self.isCrowd = isCrowd
    }
}
