import CFFmpeg

/// Turns decoded pictures into a detector's input: letterboxed, planar RGB, float32 in [0, 1].
///
/// ```swift
/// let converter = FrameConverter()
/// let geometry = try converter.letterbox(frame, into: input, width: 320, height: 320)
/// ```
///
/// The output is a `[3, height, width]` buffer, R plane first, with the picture scaled to fit (keeping its aspect
/// ratio, see ``LetterboxGeometry``), centred, and the border filled with ``paddingValue`` (114/255, as
/// upstream YOLOv7 pads).
///
/// How: swscale converts and scales in one pass to planar 8-bit RGB (`AV_PIX_FMT_GBRP`) in a scratch buffer;
/// each row is then written into the caller's buffer as `Float(byte) / 255`, with the padding around it. That
/// is exactly upstream's arithmetic (resize in 8 bits, then divide by 255), so 114 grey comes out bit-equal to
/// the padding. swscale can write float planes itself (`AV_PIX_FMT_GBRPF32LE`, supported as output by
/// swscale 6.7), but FFmpeg 5.1's float output is not usable here (measured on x86-64):
/// - its values stay in [0, 1] but are scaled by about 0.9962: white comes out as 0.99615, 114 as 113.56/255;
/// - grey sources (`gray`, as in greyscale JPEGs) come out wrong altogether: 114 becomes 0.974;
/// - its AVX2 code stores 8 floats at a time, so writing into a sub-rectangle of the caller's planes overwrites
///   up to 7 floats of padding right of the picture.
/// The 8-bit path costs the same in swscale (1.4 ms for 1080p to 640x360 on this machine) plus one pass over
/// the picture in Swift.
///
/// Scaling is `SWS_BILINEAR`: the closest swscale filter to OpenCV's `INTER_LINEAR` that upstream YOLOv7
/// letterboxes with, and cheaper than bicubic on a 2-core machine. When shrinking, swscale's bilinear widens
/// its kernel with the scale factor, so its output is smoother (less aliased) than OpenCV's.
///
/// Reuse: the swscale context is cached and rebuilt only when the picture's size, pixel format, colour space
/// or range, or the target size changes; the scratch buffer only grows. After the first picture of a given
/// size, converting allocates nothing. The padding is written on every call, which costs little and stays
/// correct whichever buffer the caller passes (a pipeline may rotate several).
///
/// - Important: Not thread-safe; confine a converter to one queue. Use one converter per stream, so that each
///   keeps the context for its own stream's size.
public final class FrameConverter {
    /// The value of letterbox padding: grey 114 of 255, as in upstream YOLOv7.
    public static let paddingValue = Float(114) / 255

    // TODO: swscale's bilinear and OpenCV's INTER_LINEAR differ when shrinking, so inputs differ slightly from
    // upstream's; the effect on a model's mAP has not been measured.
    /// The cached context for letterboxing: bilinear, see above.
    private let letterboxScaler = ScaleContext(flags: SWS_BILINEAR)
    /// The cached context for ``convertToRGB24(_:)``, which does not scale: full-resolution chroma and exact
    /// rounding, for colours within 1 of the reference where the default path is up to 2 off.
    private let rgbScaler = ScaleContext(flags: SWS_BILINEAR | SWS_FULL_CHR_H_INT | SWS_ACCURATE_RND)
    /// The 8-bit planes swscale writes into before they are placed in the caller's buffer.
    private let planes = AlignedBuffer()
    /// The packed RGB rows swscale writes into for ``convertToRGB24(_:)``.
    private let rgbRows = AlignedBuffer()

    /// A converter with empty caches.
    public init() {
        FFmpegLibrary.prepare()
    }

    /// How many times the letterbox swscale context was built: 1 for a stream whose pictures never change size.
    public var letterboxContextBuilds: Int { letterboxScaler.buildCount }

    /// Letterboxes `frame` into `buffer`, a `[3, height, width]` planar RGB float32 image (calls `sws_scale`).
    ///
    /// - Parameters:
    ///   - frame: a decoded picture of any pixel format swscale reads.
    ///   - buffer: at least `3 * width * height` floats, owned by the caller; every one of the first
    ///     `3 * width * height` is written.
    ///   - width: the model input width in pixels.
    ///   - height: the model input height in pixels.
    /// - Returns: where the picture landed, to map detections back to source pixels.
    /// - Throws: ``FFmpegError/conversionFailed(reason:)`` for an empty frame or a pixel format swscale cannot
    ///   read.
    @discardableResult
    public func letterbox(
        _ frame: DecodedFrame, into buffer: UnsafeMutableBufferPointer<Float>, width: Int, height: Int
    ) throws(FFmpegError) -> LetterboxGeometry {
        precondition(width > 0 && height > 0, "empty letterbox target")
        precondition(
            buffer.count >= 3 * width * height, "the buffer holds \(buffer.count) floats, not 3x\(width)x\(height)")
        guard frame.width > 0, frame.height > 0 else {
            throw .conversionFailed(reason: "the frame holds no picture")
        }
        guard let output = buffer.baseAddress else {
            throw .conversionFailed(reason: "the buffer has no storage")
        }
        let geometry = LetterboxGeometry(
            sourceWidth: frame.width, sourceHeight: frame.height, targetWidth: width, targetHeight: height)
        let context = try letterboxScaler.prepare(
            Self.configuration(
                of: frame, width: geometry.resizedWidth, height: geometry.resizedHeight, format: AV_PIX_FMT_GBRP))

        let lineSize = AlignedBuffer.alignedLineSize(geometry.resizedWidth)
        let planeSize = lineSize * geometry.resizedHeight
        let scratch = planes.reserve(3 * planeSize + AlignedBuffer.alignment)
            .bindMemory(to: UInt8.self, capacity: 3 * planeSize)
        // FFmpeg's GBR formats keep green in plane 0, blue in plane 1 and red in plane 2.
        let green = scratch
        let blue = scratch + planeSize
        let red = scratch + 2 * planeSize
        try Self.scale(
            frame, with: context, into: (green, blue, red, nil),
            lineSizes: (Int32(lineSize), Int32(lineSize), Int32(lineSize), 0))

        let outputPlaneSize = width * height
        Self.place(red, lineSize: lineSize, into: output, geometry: geometry)
        Self.place(green, lineSize: lineSize, into: output + outputPlaneSize, geometry: geometry)
        Self.place(blue, lineSize: lineSize, into: output + 2 * outputPlaneSize, geometry: geometry)
        return geometry
    }

    /// Letterboxes `frame` into `array`, which must hold at least `3 * width * height` floats.
    ///
    /// See ``letterbox(_:into:width:height:)-(_,UnsafeMutableBufferPointer<Float>,_,_)``.
    @discardableResult
    public func letterbox(
        _ frame: DecodedFrame, into array: inout [Float], width: Int, height: Int
    ) throws(FFmpegError) -> LetterboxGeometry {
        try array.withUnsafeMutableBufferPointer { buffer throws(FFmpegError) in
            try letterbox(frame, into: buffer, width: width, height: height)
        }
    }

    /// Converts `frame` at its own size to packed 8-bit RGB rows without padding (calls `sws_scale`), for
    /// tests, tools and image dumps. Allocates the returned array on every call.
    ///
    /// - Returns: the size in pixels and `width * height * 3` bytes, row after row, R G B per pixel.
    public func convertToRGB24(_ frame: DecodedFrame) throws(FFmpegError) -> (width: Int, height: Int, bytes: [UInt8]) {
        let width = frame.width
        let height = frame.height
        guard width > 0, height > 0 else {
            throw .conversionFailed(reason: "the frame holds no picture")
        }
        let context = try rgbScaler.prepare(
            Self.configuration(of: frame, width: width, height: height, format: AV_PIX_FMT_RGB24))
        let lineSize = AlignedBuffer.alignedLineSize(width * 3)
        let rows = rgbRows.reserve(lineSize * height + AlignedBuffer.alignment).bindMemory(
            to: UInt8.self, capacity: lineSize * height)
        try Self.scale(frame, with: context, into: (rows, nil, nil, nil), lineSizes: (Int32(lineSize), 0, 0, 0))

        let rowBytes = width * 3
        let bytes = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { packed, count in
            guard let base = packed.baseAddress else { return }
            for y in 0..<height {
                (base + y * rowBytes).initialize(from: rows + y * lineSize, count: rowBytes)
            }
            count = rowBytes * height
        }
        return (width, height, bytes)
    }

    /// The swscale configuration for converting `frame` to `width` x `height` pixels of `format`.
    private static func configuration(
        of frame: DecodedFrame, width: Int, height: Int, format: AVPixelFormat
    ) -> ScaleContext.Configuration {
        let picture = frame.pointer.pointee
        let sourceFormat = frame.pixelFormat
        // The deprecated "J" formats are full-range YUV whatever the frame's range field says.
        let isJPEGFormat: Bool
        switch sourceFormat {
        case AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUVJ411P:
            isJPEGFormat = true
        default:
            isJPEGFormat = false
        }
        return ScaleContext.Configuration(
            sourceWidth: picture.width, sourceHeight: picture.height, sourceFormat: sourceFormat,
            colorspace: picture.colorspace, isFullRange: picture.color_range == AVCOL_RANGE_JPEG || isJPEGFormat,
            targetWidth: Int32(width), targetHeight: Int32(height), targetFormat: format)
    }

    /// Runs `sws_scale` over the whole of `frame` into up to four target planes.
    private static func scale(
        _ frame: DecodedFrame, with context: OpaquePointer,
        into targets: (
            UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?,
            UnsafeMutablePointer<UInt8>?
        ),
        lineSizes: (Int32, Int32, Int32, Int32)
    ) throws(FFmpegError) {
        // sws_scale takes arrays of plane pointers and line sizes; FFmpeg's and ours are fixed-size tuples,
        // which are laid out as arrays, so they are lent as such (no allocation).
        let sourcePlanes = frame.pointer.pointee.data
        let sourceLineSizes = frame.pointer.pointee.linesize
        let rows = withUnsafeBytes(of: sourcePlanes) { sourcePlanes in
            withUnsafeBytes(of: sourceLineSizes) { sourceLineSizes in
                withUnsafeBytes(of: targets) { targets in
                    withUnsafeBytes(of: lineSizes) { lineSizes in
                        sws_scale(
                            context,
                            sourcePlanes.assumingMemoryBound(to: UnsafePointer<UInt8>?.self).baseAddress,
                            sourceLineSizes.assumingMemoryBound(to: Int32.self).baseAddress,
                            0, Int32(frame.height),
                            targets.assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self).baseAddress,
                            lineSizes.assumingMemoryBound(to: Int32.self).baseAddress)
                    }
                }
            }
        }
        try FFmpegError.check(rows, "sws_scale")
    }

    /// Writes one scaled 8-bit plane (rows `lineSize` bytes apart) into the middle of a float target plane as
    /// `value / 255`, and fills the border around it with ``paddingValue``.
    private static func place(
        _ source: UnsafePointer<UInt8>, lineSize: Int, into plane: UnsafeMutablePointer<Float>,
        geometry: LetterboxGeometry
    ) {
        let width = geometry.targetWidth
        plane.update(repeating: paddingValue, count: geometry.padTop * width)
        for y in 0..<geometry.resizedHeight {
            let row = plane + (geometry.padTop + y) * width
            row.update(repeating: paddingValue, count: geometry.padLeft)
            let sourceRow = source + y * lineSize
            let pictureRow = row + geometry.padLeft
            // Division, not multiplication by 1/255, so that every value is upstream's `img / 255.0` to the bit.
            for x in 0..<geometry.resizedWidth {
                pictureRow[x] = Float(sourceRow[x]) / 255
            }
            (pictureRow + geometry.resizedWidth).update(repeating: paddingValue, count: geometry.padRight)
        }
        let bottom = plane + (geometry.padTop + geometry.resizedHeight) * width
        bottom.update(repeating: paddingValue, count: geometry.padBottom * width)
    }
}
