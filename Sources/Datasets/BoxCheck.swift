/// The check every box goes through, whatever the format: finite corners, a positive size, and inside the
/// image up to a rounding slack, within which it is clipped.
enum BoxCheck {
    /// The outcome of checking one box.
    enum Outcome: Equatable {
        /// The box is usable; its corners are clipped to the image.
        case valid(x1: Float, y1: Float, x2: Float, y2: Float)
        /// The box is not usable, for the reason given.
        case invalid(String)
    }

    /// Checks corners against an image of `width` x `height` (pixels, or 1 x 1 for normalised coordinates),
    /// allowing each edge to stick out by `slack` and clipping it back.
    static func check(
        x1: Float, y1: Float, x2: Float, y2: Float, width: Float, height: Float, slack: Float
    ) -> Outcome {
        guard [x1, y1, x2, y2].allSatisfy(\.isFinite) else {
            return .invalid("a coordinate is not a finite number")
        }
        guard x2 > x1, y2 > y1 else {
            return .invalid("the box has no area (\(x2 - x1) x \(y2 - y1))")
        }
        guard x1 >= -slack, y1 >= -slack, x2 <= width + slack, y2 <= height + slack else {
            return .invalid(
                "the box (\(x1), \(y1), \(x2), \(y2)) lies outside the image (\(width) x \(height))")
        }
        let clipped = (max(x1, 0), max(y1, 0), min(x2, width), min(y2, height))
        guard clipped.2 > clipped.0, clipped.3 > clipped.1 else {
            return .invalid("the box has no area inside the image")
        }
        return .valid(x1: clipped.0, y1: clipped.1, x2: clipped.2, y2: clipped.3)
    }
}
