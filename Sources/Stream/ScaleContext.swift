import CFFmpeg

/// One cached swscale conversion (a `SwsContext`), rebuilt only when its source or target changes.
///
/// - Important: Not thread-safe; owned by one ``FrameConverter``.
final class ScaleContext {
    /// Everything a `SwsContext` is built for: when any of it changes, the context is rebuilt.
    struct Configuration: Equatable {
        /// The source size in pixels.
        var sourceWidth: Int32
        /// The source height in pixels.
        var sourceHeight: Int32
        /// The source pixel format.
        var sourceFormat: AVPixelFormat
        /// The source's YUV matrix, as the decoder reported it.
        var colorspace: AVColorSpace
        /// Whether the source uses the full 0-255 range (JPEG) rather than 16-235 (video).
        var isFullRange: Bool
        /// The target width in pixels.
        var targetWidth: Int32
        /// The target height in pixels.
        var targetHeight: Int32
        /// The target pixel format.
        var targetFormat: AVPixelFormat
    }

    /// The `SWS_*` flags the context is built with: the scaling algorithm and accuracy options.
    let flags: Int32
    /// The context, owned by this object and freed in `deinit` (and before each rebuild); nil until first use.
    private var context: OpaquePointer?
    /// What `context` was built for.
    private(set) var configuration: Configuration?
    /// How many times a context was built: for tests that check the cache.
    private(set) var buildCount = 0

    /// An empty cache for contexts built with `flags`.
    init(flags: Int32) {
        self.flags = flags
    }

    deinit {
        sws_freeContext(context)
    }

    /// The context for `configuration`, built now (calls `sws_getContext`, `sws_setColorspaceDetails`) unless
    /// the cached one already matches.
    func prepare(_ configuration: Configuration) throws(FFmpegError) -> OpaquePointer {
        if let context, configuration == self.configuration {
            return context
        }
        sws_freeContext(context)
        context = nil
        self.configuration = nil

        let source = configuration.sourceFormat
        guard sws_isSupportedInput(source) > 0 else {
            throw .conversionFailed(reason: "swscale cannot read pixel format \(Self.name(of: source))")
        }
        guard sws_isSupportedOutput(configuration.targetFormat) > 0 else {
            throw .conversionFailed(
                reason: "swscale cannot write pixel format \(Self.name(of: configuration.targetFormat))")
        }
        guard
            let built = sws_getContext(
                configuration.sourceWidth, configuration.sourceHeight, source,
                configuration.targetWidth, configuration.targetHeight, configuration.targetFormat,
                flags, nil, nil, nil)
        else {
            throw .conversionFailed(
                reason: "sws_getContext refused \(configuration.sourceWidth)x\(configuration.sourceHeight) "
                    + "\(Self.name(of: source)) to \(configuration.targetWidth)x\(configuration.targetHeight)")
        }
        if Self.isYUV(source) {
            Self.setColorspace(of: built, configuration)
        }
        context = built
        self.configuration = configuration
        buildCount += 1
        return built
    }

    /// Tells swscale the source's YUV matrix and range, which it cannot see in a bare pixel format: without
    /// this, BT.709 video (most HD cameras) would be converted with BT.601 colours.
    private static func setColorspace(of context: OpaquePointer, _ configuration: Configuration) {
        // swscale's SWS_CS_* numbers are the AVColorSpace values it supports; others mean "default" (BT.601).
        let matrix: Int32
        switch configuration.colorspace {
        case AVCOL_SPC_BT709, AVCOL_SPC_FCC, AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M, AVCOL_SPC_SMPTE240M,
            AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL:
            matrix = Int32(configuration.colorspace.rawValue)
        default:
            matrix = SWS_CS_DEFAULT
        }
        // Ignoring the result keeps swscale's defaults (BT.601, the pixel format's range) if it refuses.
        _ = sws_setColorspaceDetails(
            context, sws_getCoefficients(matrix), configuration.isFullRange ? 1 : 0,
            sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16)
    }

    /// Whether `format` is YUV (not RGB, not grey), the only kind a YUV matrix applies to.
    private static func isYUV(_ format: AVPixelFormat) -> Bool {
        guard let descriptor = av_pix_fmt_desc_get(format) else { return false }
        return descriptor.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0 && descriptor.pointee.nb_components >= 3
    }

    /// The FFmpeg name of a pixel format, for messages.
    static func name(of format: AVPixelFormat) -> String {
        guard let name = av_get_pix_fmt_name(format) else { return "#\(format.rawValue)" }
        return String(cString: name)
    }
}
