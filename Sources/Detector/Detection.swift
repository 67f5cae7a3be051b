/// An axis-aligned box in pixels: `x1, y1` the top-left corner, `x2, y2` the bottom-right corner.
public struct BoundingBox: Sendable, Equatable {
    /// Left edge.
    public var x1: Float
    /// Top edge.
    public var y1: Float
    /// Right edge.
    public var x2: Float
    /// Bottom edge.
    public var y2: Float

    /// Creates a box from its corners.
    public init(x1: Float, y1: Float, x2: Float, y2: Float) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }

    /// Creates a box from its centre and size, as YOLO heads predict them.
    public init(centerX: Float, centerY: Float, width: Float, height: Float) {
        self.init(x1: centerX - width / 2, y1: centerY - height / 2, x2: centerX + width / 2, y2: centerY + height / 2)
    }

    /// Width, never negative.
    public var width: Float { Swift.max(0, x2 - x1) }
    /// Height, never negative.
    public var height: Float { Swift.max(0, y2 - y1) }
    /// Area, never negative.
    public var area: Float { width * height }

    /// Intersection over union with `other`; 0 when either box is empty.
    public func iou(_ other: BoundingBox) -> Float {
        let width = Swift.min(x2, other.x2) - Swift.max(x1, other.x1)
        let height = Swift.min(y2, other.y2) - Swift.max(y1, other.y1)
        guard width > 0, height > 0 else { return 0 }
        let intersection = width * height
        let union = area + other.area - intersection
        return union > 0 ? intersection / union : 0
    }
}

/// One detected object: where, what, and how sure.
public struct Detection: Sendable, Equatable {
    /// The box, in the pixels of whatever image the detection refers to (model input or source frame).
    public var box: BoundingBox
    /// Confidence: objectness times class probability, in [0, 1].
    public var score: Float
    /// The class index into the model's class names.
    public var classIndex: Int

    /// Creates a detection.
    public init(box: BoundingBox, score: Float, classIndex: Int) {
        self.box = box
        self.score = score
        self.classIndex = classIndex
    }
}
