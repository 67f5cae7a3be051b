/// The mapping between a source image and the model input, with upstream YOLOv7's letterbox semantics: the
/// source is scaled by one factor to fit the input, then centred and padded with grey.
///
/// Sizes are in pixels. The padding on each axis is split as upstream does: the left (top) side gets
/// `round(d / 2 - 0.1)` of the `d` free pixels, the right (bottom) side the rest.
public struct Letterbox: Sendable, Equatable {
    /// Width of the source image.
    public let sourceWidth: Int
    /// Height of the source image.
    public let sourceHeight: Int
    /// Width of the model input.
    public let targetWidth: Int
    /// Height of the model input.
    public let targetHeight: Int
    /// Input pixels per source pixel, the same on both axes: `min(targetWidth / sourceWidth,
    /// targetHeight / sourceHeight)`.
    public let scale: Double
    /// Width of the scaled source inside the input: `round(sourceWidth * scale)`, at least 1.
    public let resizedWidth: Int
    /// Height of the scaled source inside the input: `round(sourceHeight * scale)`, at least 1.
    public let resizedHeight: Int
    /// Grey columns left of the image.
    public let padLeft: Int
    /// Grey rows above the image.
    public let padTop: Int
    /// Grey columns right of the image.
    public let padRight: Int
    /// Grey rows below the image.
    public let padBottom: Int

    /// The grey of the padding, 114 of 255, as upstream pads.
    public static let paddingValue: UInt8 = 114

    /// Creates the letterbox that fits a source image into a model input.
    public init(sourceWidth: Int, sourceHeight: Int, targetWidth: Int, targetHeight: Int) {
        precondition(sourceWidth > 0 && sourceHeight > 0, "A source image has pixels")
        precondition(targetWidth > 0 && targetHeight > 0, "A model input has pixels")
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.targetWidth = targetWidth
        self.targetHeight = targetHeight
        scale = Swift.min(
            Double(targetWidth) / Double(sourceWidth),
            Double(targetHeight) / Double(sourceHeight)
        )

        // Python's round is half-to-even; upstream would fail on a zero side, hence the floor of 1.
        resizedWidth = Swift.max(1, Int((Double(sourceWidth) * scale).rounded(.toNearestOrEven)))
        resizedHeight = Swift.max(1, Int((Double(sourceHeight) * scale).rounded(.toNearestOrEven)))

        let freeWidth = targetWidth - resizedWidth
        let freeHeight = targetHeight - resizedHeight
        padLeft = Int((Double(freeWidth) / 2 - 0.1).rounded(.toNearestOrEven))
        padTop = Int((Double(freeHeight) / 2 - 0.1).rounded(.toNearestOrEven))
        padRight = freeWidth - padLeft
        padBottom = freeHeight - padTop
    }

    /// The model input size for a source image: its long side becomes `imageSize`, and the short side is
    /// rounded up to a multiple of `stride` (rectangular inference, as upstream's `detect.py` does), or a
    /// square of `imageSize` when `isRectangular` is false.
    ///
    /// `imageSize` is first rounded up to a multiple of `stride`, as upstream checks it. For example a
    /// 1280x720 source at 320 gets a 320x192 input, a 640x480 source a 320x256 one.
    public static func inputSize(
        forSourceWidth sourceWidth: Int,
        height sourceHeight: Int,
        imageSize: Int,
        stride: Int = 32,
        isRectangular: Bool = true
    ) -> (width: Int, height: Int) {
        precondition(sourceWidth > 0 && sourceHeight > 0, "A source image has pixels")
        precondition(imageSize > 0 && stride > 0, "Sizes are positive")
        let longSide = roundedUp(imageSize, toMultipleOf: stride)
        guard isRectangular else { return (longSide, longSide) }

        // The short side scaled exactly, short * longSide / long, rounded up, in integers.
        let long = Swift.max(sourceWidth, sourceHeight)
        let short = Swift.min(sourceWidth, sourceHeight)
        let shortSide = roundedUp(short * longSide, toMultipleOf: long * stride) / long
        return sourceWidth >= sourceHeight ? (longSide, shortSide) : (shortSide, longSide)
    }

    /// Maps a box from model-input pixels to source pixels: removes the padding, undoes the scale and clips
    /// the box to the source image.
    public func toSource(_ box: BoundingBox) -> BoundingBox {
        func map(_ value: Float, padding: Int, limit: Int) -> Float {
            let unscaled = (Double(value) - Double(padding)) / scale
            return Float(Swift.min(Swift.max(unscaled, 0), Double(limit)))
        }
        return BoundingBox(
            x1: map(box.x1, padding: padLeft, limit: sourceWidth),
            y1: map(box.y1, padding: padTop, limit: sourceHeight),
            x2: map(box.x2, padding: padLeft, limit: sourceWidth),
            y2: map(box.y2, padding: padTop, limit: sourceHeight)
        )
    }

    /// Maps a box from source pixels to model-input pixels: applies the scale and adds the padding. No
    /// clipping.
    public func toInput(_ box: BoundingBox) -> BoundingBox {
        func map(_ value: Float, padding: Int) -> Float {
            Float(Double(value) * scale + Double(padding))
        }
        return BoundingBox(
            x1: map(box.x1, padding: padLeft),
            y1: map(box.y1, padding: padTop),
            x2: map(box.x2, padding: padLeft),
            y2: map(box.y2, padding: padTop)
        )
    }

    /// Maps the boxes of detections made on the model input to the source image, clipped to it.
    public func mapToSource(_ detections: inout [Detection]) {
        for index in detections.indices {
            detections[index].box = toSource(detections[index].box)
        }
    }

    private static func roundedUp(_ value: Int, toMultipleOf multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }
}

extension Letterbox {
    /// Writes the model input for an RGB24 source image into `input`: planar RGB float32 of shape
    /// `[3, targetHeight, targetWidth]`, values in [0, 1] (byte / 255), the padding grey 114 / 255.
    ///
    /// The image is resized bilinearly with OpenCV's `INTER_LINEAR` pixel-centre convention: the input pixel
    /// `d` samples the source at `(d + 0.5) * source / resized - 0.5`, clamped to the image, per axis. When
    /// the resized size equals the source size the pixels are copied.
    ///
    /// - Parameters:
    ///   - input: At least `3 * targetHeight * targetWidth` floats; every one of them is written.
    ///   - pixels: The source, interleaved R, G, B bytes, `sourceHeight` rows of `sourceWidth` pixels.
    ///   - bytesPerRow: Distance between the starts of two source rows, at least `3 * sourceWidth`.
    ///
    /// - Important: Used for still images; the video path letterboxes with swscale.
    public func fill(
        _ input: UnsafeMutableBufferPointer<Float>,
        fromRGB24 pixels: UnsafeBufferPointer<UInt8>,
        bytesPerRow: Int
    ) {
        precondition(bytesPerRow >= 3 * sourceWidth, "A row holds 3 bytes per pixel")
        precondition(
            pixels.count >= (sourceHeight - 1) * bytesPerRow + 3 * sourceWidth,
            "Fewer bytes than the source image needs"
        )
        precondition(input.count >= 3 * targetHeight * targetWidth, "Fewer floats than the model input needs")
        guard let source = pixels.baseAddress, let planes = input.baseAddress else { return }

        let planeSize = targetWidth * targetHeight
        let grey = Float(Self.paddingValue) / 255
        for channel in 0..<3 {
            let plane = planes + channel * planeSize
            plane.update(repeating: grey, count: padTop * targetWidth)
            (plane + (padTop + resizedHeight) * targetWidth).update(repeating: grey, count: padBottom * targetWidth)
        }

        let isCopy = resizedWidth == sourceWidth && resizedHeight == sourceHeight
        // TODO: Interpolation is done in float, while OpenCV rounds to 8 bits in fixed point, so the input
        // differs from upstream's by up to about 1/255 wherever the image is resized.
        var resampler = isCopy ? nil : RowResampler(self)
        for row in 0..<resizedHeight {
            let offset = (padTop + row) * targetWidth
            for channel in 0..<3 {
                let line = planes + channel * planeSize + offset
                line.update(repeating: grey, count: padLeft)
                (line + padLeft + resizedWidth).update(repeating: grey, count: padRight)
            }
            let red = planes + offset + padLeft
            let lines = (red, red + planeSize, red + 2 * planeSize)
            if isCopy {
                copyRow(source + row * bytesPerRow, into: lines)
            } else {
                resampler?.resampleRow(row, of: source, bytesPerRow: bytesPerRow, into: lines)
            }
        }
    }

    private func copyRow(
        _ sourceRow: UnsafePointer<UInt8>,
        into lines: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
    ) {
        for column in 0..<resizedWidth {
            let pixel = sourceRow + 3 * column
            lines.0[column] = Float(pixel[0]) / 255
            lines.1[column] = Float(pixel[1]) / 255
            lines.2[column] = Float(pixel[2]) / 255
        }
    }
}

/// Bilinear resampling of a letterbox's source, one output row at a time.
///
/// Interpolates as `a + w * (b - a)`, which keeps flat regions exact and makes a 2x reduction the exact
/// mean of each 2x2 block.
///
/// Holds the horizontal sample positions, computed once, and the two most recent source rows resampled
/// horizontally, so that an upscale resamples each source row once.
private struct RowResampler {
    private let sourceHeight: Int
    private let resizedWidth: Int
    private let verticalRatio: Double
    /// Where each output column samples a source row.
    private let columns: [ColumnSample]
    /// Two source rows resampled horizontally (interleaved RGB, 0...255), and which rows they are.
    private var upperLine: [Float]
    private var lowerLine: [Float]
    private var upperRow = -1
    private var lowerRow = -1

    init(_ letterbox: Letterbox) {
        let sourceWidth = letterbox.sourceWidth
        sourceHeight = letterbox.sourceHeight
        resizedWidth = letterbox.resizedWidth
        verticalRatio = Double(letterbox.sourceHeight) / Double(letterbox.resizedHeight)
        let horizontalRatio = Double(sourceWidth) / Double(letterbox.resizedWidth)
        columns = (0..<letterbox.resizedWidth).map { column in
            let (left, right, weight) = Self.samplePosition(column, ratio: horizontalRatio, limit: sourceWidth)
            return ColumnSample(leftOffset: 3 * left, rightOffset: 3 * right, rightWeight: weight)
        }
        upperLine = Array(repeating: 0, count: 3 * resizedWidth)
        lowerLine = Array(repeating: 0, count: 3 * resizedWidth)
    }

    /// The two source pixels around the centre of output pixel `index`, and the weight of the second:
    /// OpenCV's `INTER_LINEAR` positions, clamped at the borders.
    static func samplePosition(_ index: Int, ratio: Double, limit: Int) -> (Int, Int, Float) {
        let position = (Double(index) + 0.5) * ratio - 0.5
        let lower = position.rounded(.down)
        if position <= 0 { return (0, 0, 0) }
        if Int(lower) >= limit - 1 { return (limit - 1, limit - 1, 0) }
        return (Int(lower), Int(lower) + 1, Float(position - lower))
    }

    /// Writes output row `row` of the resized image (its three channels) to `lines`, values / 255.
    mutating func resampleRow(
        _ row: Int,
        of source: UnsafePointer<UInt8>,
        bytesPerRow: Int,
        into lines: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
    ) {
        let (upper, lower, weight) = Self.samplePosition(row, ratio: verticalRatio, limit: sourceHeight)
        if upperRow != upper {
            if lowerRow == upper {
                swap(&upperLine, &lowerLine)
                swap(&upperRow, &lowerRow)
            } else {
                Self.resampleSourceRow(source + upper * bytesPerRow, into: &upperLine, using: columns)
                upperRow = upper
            }
        }
        if lowerRow != lower {
            Self.resampleSourceRow(source + lower * bytesPerRow, into: &lowerLine, using: columns)
            lowerRow = lower
        }

        upperLine.withUnsafeBufferPointer { upper in
            lowerLine.withUnsafeBufferPointer { lower in
                for column in 0..<resizedWidth {
                    let base = 3 * column
                    lines.0[column] = (upper[base] + weight * (lower[base] - upper[base])) / 255
                    lines.1[column] = (upper[base + 1] + weight * (lower[base + 1] - upper[base + 1])) / 255
                    lines.2[column] = (upper[base + 2] + weight * (lower[base + 2] - upper[base + 2])) / 255
                }
            }
        }
    }

    /// Resamples one source row horizontally into `line`, interleaved RGB in 0...255.
    ///
    /// Static, so that a mutating caller lends `line` and `columns` without copying either.
    private static func resampleSourceRow(
        _ sourceRow: UnsafePointer<UInt8>,
        into line: inout [Float],
        using columns: [ColumnSample]
    ) {
        columns.withUnsafeBufferPointer { columns in
            line.withUnsafeMutableBufferPointer { values in
                for (column, sample) in columns.enumerated() {
                    let left = sourceRow + sample.leftOffset
                    let right = sourceRow + sample.rightOffset
                    for channel in 0..<3 {
                        let leftValue = Float(left[channel])
                        values[3 * column + channel] =
                            leftValue + sample.rightWeight * (Float(right[channel]) - leftValue)
                    }
                }
            }
        }
    }
}

/// Where an output column samples a source row: byte offsets of the left and right source pixels, and the
/// weight of the right one.
private struct ColumnSample {
    let leftOffset: Int
    let rightOffset: Int
    let rightWeight: Float
}
