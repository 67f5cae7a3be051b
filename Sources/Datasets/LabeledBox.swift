/// One ground-truth box, in the source image's pixels.
///
/// Coordinates are continuous: the image spans `0...width` by `0...height`, and a box covering the first pixel
/// column only has `x1 = 0, x2 = 1`.
public struct LabeledBox: Hashable, Sendable {
    /// The class index into ``DetectionDataset/classNames``.
    public var classID: Int
    /// Left edge in source pixels.
    public var x1: Float
    /// Top edge in source pixels.
    public var y1: Float
    /// Right edge in source pixels, greater than ``x1``.
    public var x2: Float
    /// Bottom edge in source pixels, greater than ``y1``.
    public var y2: Float
    /// A VOC `<difficult>1</difficult>` object or a COCO `iscrowd` annotation: kept for evaluation, which ignores
    /// detections matching it (as COCO does crowds), and left out of training targets.
    public var isDifficult: Bool

    /// A box from its class and corners in source pixels.
    public init(classID: Int, x1: Float, y1: Float, x2: Float, y2: Float, isDifficult: Bool = false) {
        self.classID = classID
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
        self.isDifficult = isDifficult
    }

    /// The box's width in source pixels.
    public var width: Float { x2 - x1 }

    /// The box's height in source pixels.
    public var height: Float { y2 - y1 }
}
