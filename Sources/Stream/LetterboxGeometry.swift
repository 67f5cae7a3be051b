/// Where a source picture lands inside a letterboxed model input: its scale and the padding around it.
///
/// The arithmetic is upstream YOLOv7's `letterbox` (with `auto=False`, `scaleup=True`), double for double, so
/// that a picture prepared here matches one prepared by the reference code:
/// - `scale = min(targetWidth / sourceWidth, targetHeight / sourceHeight)`;
/// - `resized = round(source * scale)`, rounding halves to even as Python's `round` does;
/// - `padLeft = round((targetWidth - resizedWidth) / 2 - 0.1)`, `padTop` likewise; the right and bottom pads
///   take the rest, so an odd padding puts its extra pixel on the right or at the bottom.
///
/// A point `(x, y)` in the model input maps back to source pixels as `((x - padLeft) / scale, (y - padTop) /
/// scale)`. (Upstream's `scale_coords` subtracts the unrounded padding instead, half a pixel at most away.)
public struct LetterboxGeometry: Hashable, Sendable {
    /// The source picture's width in pixels.
    public let sourceWidth: Int
    /// The source picture's height in pixels.
    public let sourceHeight: Int
    /// The model input's width in pixels.
    public let targetWidth: Int
    /// The model input's height in pixels.
    public let targetHeight: Int
    /// Target pixels per source pixel, the same on both axes.
    public let scale: Double
    /// The scaled picture's width in pixels.
    public let resizedWidth: Int
    /// The scaled picture's height in pixels.
    public let resizedHeight: Int
    /// Padding columns left of the picture.
    public let padLeft: Int
    /// Padding rows above the picture.
    public let padTop: Int

    /// Padding columns right of the picture.
    public var padRight: Int { targetWidth - resizedWidth - padLeft }
    /// Padding rows below the picture.
    public var padBottom: Int { targetHeight - resizedHeight - padTop }

    /// The geometry for fitting a `sourceWidth` x `sourceHeight` picture into `targetWidth` x `targetHeight`.
    ///
    /// Unlike upstream, a scaled side is never less than one pixel, so that extreme aspect ratios (10000 x 1)
    /// still convert. All sizes must be positive.
    public init(sourceWidth: Int, sourceHeight: Int, targetWidth: Int, targetHeight: Int) {
        precondition(sourceWidth > 0 && sourceHeight > 0, "empty source picture")
        precondition(targetWidth > 0 && targetHeight > 0, "empty letterbox target")
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.targetWidth = targetWidth
        self.targetHeight = targetHeight
        scale = min(Double(targetWidth) / Double(sourceWidth), Double(targetHeight) / Double(sourceHeight))
        resizedWidth = Self.clamp((Double(sourceWidth) * scale).rounded(.toNearestOrEven), to: targetWidth)
        resizedHeight = Self.clamp((Double(sourceHeight) * scale).rounded(.toNearestOrEven), to: targetHeight)
        padLeft = Int((Double(targetWidth - resizedWidth) / 2 - 0.1).rounded(.toNearestOrEven))
        padTop = Int((Double(targetHeight - resizedHeight) / 2 - 0.1).rounded(.toNearestOrEven))
    }

    /// A rounded side as a pixel count in `1...limit`.
    private static func clamp(_ side: Double, to limit: Int) -> Int {
        min(max(Int(side), 1), limit)
    }
}
