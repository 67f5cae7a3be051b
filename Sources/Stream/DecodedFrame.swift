import CFFmpeg

/// One decoded picture (an `AVFrame`) with the time base its timestamps are counted in.
///
/// A ``VideoDecoder`` reuses one frame for every picture it hands out and lends it only for the duration of the
/// call; ``makeReference()`` keeps a picture beyond that without copying its pixels.
///
/// - Important: Not thread-safe; confine a frame to one queue at a time.
public final class DecodedFrame {
    /// The frame, owned by this object and freed in `deinit`.
    let pointer: UnsafeMutablePointer<AVFrame>

    /// The time base of ``pts``: the stream's, given by the decoder that filled the frame.
    public let timeBase: Rational

    /// Allocates an empty frame (calls `av_frame_alloc`).
    public init(timeBase: Rational = Rational(0, 1)) throws(FFmpegError) {
        guard let pointer = av_frame_alloc() else {
            throw .allocationFailed(function: "av_frame_alloc")
        }
        self.pointer = pointer
        self.timeBase = timeBase
    }

    deinit {
        var pointer: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&pointer)
    }

    /// The picture width in pixels; 0 for an empty frame.
    public var width: Int { Int(pointer.pointee.width) }

    /// The picture height in pixels; 0 for an empty frame.
    public var height: Int { Int(pointer.pointee.height) }

    /// The pixel format (`AV_PIX_FMT_NONE` for an empty frame).
    public var pixelFormat: AVPixelFormat { AVPixelFormat(rawValue: pointer.pointee.format) }

    /// The pixel format's FFmpeg name, such as "yuv420p" (calls `av_get_pix_fmt_name`).
    public var pixelFormatName: String {
        guard let name = av_get_pix_fmt_name(pixelFormat) else { return "none" }
        return String(cString: name)
    }

    /// The presentation timestamp in ``timeBase`` ticks: the frame's PTS, else FFmpeg's best-effort guess
    /// (`best_effort_timestamp`), else nil.
    ///
    /// It is the stream's own clock: files usually start at 0, live streams anywhere.
    public var pts: Int64? {
        let none = cffmpeg_nopts_value()
        if pointer.pointee.pts != none { return pointer.pointee.pts }
        if pointer.pointee.best_effort_timestamp != none { return pointer.pointee.best_effort_timestamp }
        return nil
    }

    /// ``pts`` in seconds, or nil when the frame has no timestamp or the time base is unknown.
    public var ptsSeconds: Double? {
        guard let pts else { return nil }
        return timeBase.seconds(pts)
    }

    /// Whether the decoder marked the picture as a keyframe (`key_frame`).
    public var isKeyframe: Bool { pointer.pointee.key_frame != 0 }

    /// Whether the decoder marked the picture as damaged (`AV_FRAME_FLAG_CORRUPT` or `decode_error_flags`):
    /// concealed errors, a missing reference. FFmpeg still outputs such frames by default.
    public var isCorrupt: Bool {
        pointer.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0 || pointer.pointee.decode_error_flags != 0
    }

    /// A new frame that shares this one's pixel buffers (calls `av_frame_ref`; no pixels are copied).
    ///
    /// Use it to keep a picture that a decoder lent: the buffers live until both frames are gone.
    public func makeReference() throws(FFmpegError) -> DecodedFrame {
        let copy = try DecodedFrame(timeBase: timeBase)
        try FFmpegError.check(av_frame_ref(copy.pointer, pointer), "av_frame_ref")
        return copy
    }

    /// Drops the picture, keeping the frame for reuse (calls `av_frame_unref`).
    public func unref() {
        av_frame_unref(pointer)
    }
}
