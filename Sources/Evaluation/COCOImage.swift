/// An image entry of a COCO ground-truth file.
public struct COCOImage: Sendable, Hashable {
    /// The caller's number for the image, the one `GroundTruthBox.imageID` refers to.
    public var imageID: Int
    /// The `id` written to the file, which results files must use as their `image_id`.
    public var cocoID: COCOImageID
    /// The width of the source image, in pixels.
    public var width: Int
    /// The height of the source image, in pixels.
    public var height: Int
    /// The image's file name, written as `file_name`.
    public var fileName: String

    /// Describes an image; `cocoID` defaults to the caller's number.
    public init(imageID: Int, cocoID: COCOImageID? = nil, width: Int, height: Int, fileName: String) {
        self.imageID = imageID
        self.cocoID = cocoID ?? .number(imageID)
        self.width = width
        self.height = height
        self.fileName = fileName
    }
}
