/// One image of a dataset with its ground truth.
public struct LabeledImage: Hashable, Sendable {
    /// The image file, as resolved at load (absolute when the data description was given as an absolute path).
    public var imagePath: String
    /// The file name without its directory and extension ("BloodImage_00001"), the image's id in reports.
    public var stem: String
    /// The decoded image's width in pixels.
    public var width: Int
    /// The decoded image's height in pixels.
    public var height: Int
    /// The ground-truth boxes in source pixels; empty for a background image.
    public var boxes: [LabeledBox]

    /// An image from its path, decoded size and boxes; the stem is derived from the path.
    public init(imagePath: String, width: Int, height: Int, boxes: [LabeledBox]) {
        self.imagePath = imagePath
        self.stem = PathNames.stem(of: imagePath)
        self.width = width
        self.height = height
        self.boxes = boxes
    }
}
