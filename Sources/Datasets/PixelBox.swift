/// A box in the pixels of a working picture, as augmentation moves it.
struct PixelBox: Sendable, Equatable {
    /// The class index.
    var classID: Int
    /// Left edge in pixels.
    var x1: Float
    /// Top edge in pixels.
    var y1: Float
    /// Right edge in pixels.
    var x2: Float
    /// Bottom edge in pixels.
    var y2: Float

    /// The box as class, centre and size, the form targets take.
    var centreSize: (classID: Int, cx: Float, cy: Float, w: Float, h: Float) {
        (classID, (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)
    }
}
