import CFFmpeg

/// Decodes one video stream's packets into pictures (an `AVCodecContext`), with frame threads.
///
/// ```swift
/// let decoder = try VideoDecoder(source: source)
/// while try source.readPacket(into: packet) {
///     try decoder.decode(packet) { frame in ... }
/// }
/// try decoder.flush { frame in ... }  // the pictures still inside the decoder
/// ```
///
/// A packet the decoder rejects as corrupt is counted in ``corruptPackets`` and skipped: one damaged packet on
/// a camera stream is no reason to stop. Corrupt means `AVERROR_INVALIDDATA`, or `AVERROR_PATCHWELCOME`, which
/// is what a decoder says when damaged headers ask for a feature it lacks (seen with MJPEG). Every other
/// failure throws.
///
/// Frame threading (`FF_THREAD_FRAME`) decodes several pictures at once, which delays output by up to
/// `threadCount - 1` pictures; ``flush(_:)`` returns the delayed ones at the end.
///
/// - Important: Not thread-safe; confine a decoder to one queue (the stream's decode queue). FFmpeg's own
///   decoding threads stay inside the decoder.
public final class VideoDecoder {
    /// The URL the packets come from, for error messages.
    public let url: String
    /// The time base of packet and frame timestamps.
    public let timeBase: Rational
    /// The number of packets the decoder rejected as corrupt and that were skipped.
    public private(set) var corruptPackets = 0
    /// The number of pictures handed out since the decoder was made.
    public private(set) var decodedFrames = 0
    /// Whether the decoder has returned its last picture after a flush (`AVERROR_EOF`); ``reset()`` clears it.
    public private(set) var isDrained = false

    /// The codec state, owned by this object and freed in `deinit`.
    private var context: UnsafeMutablePointer<AVCodecContext>?
    /// The one frame every picture is received into and lent from.
    private let frame: DecodedFrame

    /// A decoder for the video stream of `source`.
    ///
    /// - Parameter threadCount: decoding threads; 0 lets FFmpeg choose (one per core, plus one).
    /// - Throws: ``FFmpegError/unsupportedCodec(url:codec:)`` when FFmpeg has no decoder for the stream.
    public convenience init(source: MediaSource, threadCount: Int = 2) throws(FFmpegError) {
        try self.init(url: source.url, timeBase: source.timeBase, threadCount: threadCount) {
            (context: UnsafeMutablePointer<AVCodecContext>) throws(FFmpegError) in
            try source.withCodecParameters { parameters throws(FFmpegError) -> Void in
                try FFmpegError.check(
                    avcodec_parameters_to_context(context, parameters), "avcodec_parameters_to_context")
            }
        }
    }

    /// A decoder for a stream described by `codecParameters`, whose timestamps count in `timeBase`.
    ///
    /// Calls `avcodec_find_decoder`, `avcodec_alloc_context3`, `avcodec_parameters_to_context` and
    /// `avcodec_open2`.
    ///
    /// - Parameters:
    ///   - codecParameters: the stream's parameters; copied, so they need not outlive the call.
    ///   - timeBase: the time base of the packets' timestamps.
    ///   - url: where the packets come from, for error messages.
    ///   - threadCount: decoding threads; 0 lets FFmpeg choose (one per core, plus one).
    public convenience init(
        codecParameters: UnsafePointer<AVCodecParameters>, timeBase: Rational, url: String, threadCount: Int = 2
    ) throws(FFmpegError) {
        try self.init(url: url, timeBase: timeBase, threadCount: threadCount) {
            (context: UnsafeMutablePointer<AVCodecContext>) throws(FFmpegError) in
            try FFmpegError.check(
                avcodec_parameters_to_context(context, codecParameters), "avcodec_parameters_to_context")
        }
    }

    /// Allocates the context, lets `configure` copy the stream's parameters in, and opens the decoder.
    private init(
        url: String, timeBase: Rational, threadCount: Int,
        configure: (UnsafeMutablePointer<AVCodecContext>) throws(FFmpegError) -> Void
    ) throws(FFmpegError) {
        FFmpegLibrary.prepare()
        self.url = url
        self.timeBase = timeBase
        self.frame = try DecodedFrame(timeBase: timeBase)

        guard let allocated = avcodec_alloc_context3(nil) else {
            throw .allocationFailed(function: "avcodec_alloc_context3")
        }
        var isOwnedBySelf = false
        defer {
            if !isOwnedBySelf {
                var unowned: UnsafeMutablePointer<AVCodecContext>? = allocated
                avcodec_free_context(&unowned)
            }
        }
        try configure(allocated)

        // TODO: decoding is software only: hardware frames (VAAPI) would need av_hwframe_transfer_data before
        // FrameConverter could read them, so a camera's 4K H.265 may not decode in real time on 2 cores.
        let codecID = allocated.pointee.codec_id
        guard let codec = avcodec_find_decoder(codecID) else {
            throw .unsupportedCodec(url: url, codec: String(cString: avcodec_get_name(codecID)))
        }
        allocated.pointee.pkt_timebase = timeBase.avRational
        allocated.pointee.thread_count = Int32(clamping: max(0, threadCount))
        allocated.pointee.thread_type = FF_THREAD_FRAME
        let status = avcodec_open2(allocated, codec, nil)
        guard status >= 0 else {
            throw .unsupportedCodec(
                url: url, codec: "\(String(cString: avcodec_get_name(codecID))): \(FFmpegError.message(for: status))")
        }
        context = allocated
        isOwnedBySelf = true
    }

    deinit {
        avcodec_free_context(&context)
    }

    /// Decodes `packet` and calls `body` with every picture that is ready, in presentation order.
    ///
    /// Handles the codec's "read output first" state (`AVERROR(EAGAIN)` from `avcodec_send_packet`) by handing
    /// out the ready pictures and sending again. A corrupt packet is counted and skipped. Passing nil starts a
    /// flush; prefer ``flush(_:)``.
    ///
    /// - Parameter body: receives each picture, lent for the duration of the call (see
    ///   ``DecodedFrame/makeReference()`` to keep one); its errors propagate.
    /// - Throws: ``FFmpegError/decodeFailed(url:reason:)``, or what `body` throws.
    public func decode(_ packet: Packet?, _ body: (DecodedFrame) throws -> Void) throws {
        // After its ready output is read, a decoder must take the packet; the cap only guards against one
        // that breaks that promise.
        var attempts = 0
        while try !send(packet) {
            attempts += 1
            guard attempts < 8 else {
                throw FFmpegError.decodeFailed(url: url, reason: "the decoder takes no input and gives no output")
            }
            try receiveAll(body)
        }
        try receiveAll(body)
    }

    /// Drains the decoder at the end of a stream: sends the end-of-stream marker (a NULL packet), calls `body`
    /// with every picture still inside, then resets the decoder so that it can decode again.
    ///
    /// - Throws: ``FFmpegError/decodeFailed(url:reason:)``, or what `body` throws.
    public func flush(_ body: (DecodedFrame) throws -> Void) throws {
        if !isDrained {
            try decode(nil, body)
        }
        reset()
    }

    /// Drops every buffered packet and picture and starts afresh (calls `avcodec_flush_buffers`), as after a
    /// seek or a reconnect. The counters keep their values.
    public func reset() {
        avcodec_flush_buffers(context)
        frame.unref()
        isDrained = false
    }

    /// Sends one packet, or nil for end of stream (calls `avcodec_send_packet`).
    ///
    /// - Returns: false when the decoder wants its output read first (`AVERROR(EAGAIN)`); true when the packet
    ///   was taken, skipped as corrupt, or came after the end of stream.
    private func send(_ packet: Packet?) throws(FFmpegError) -> Bool {
        let status = avcodec_send_packet(context, packet?.pointer)
        switch status {
        case 0...:
            return true
        case cffmpeg_error_eagain():
            return false
        case _ where Self.isCorruptPacket(status):
            corruptPackets += 1
            return true
        case cffmpeg_error_eof():
            // Already flushed: nothing more will come out until reset().
            return true
        default:
            throw .decodeFailed(url: url, reason: "avcodec_send_packet: \(FFmpegError.message(for: status))")
        }
    }

    /// Receives every picture that is ready (calls `avcodec_receive_frame`) and hands each to `body`.
    ///
    /// - Returns: the number of pictures handed out.
    @discardableResult
    private func receiveAll(_ body: (DecodedFrame) throws -> Void) throws -> Int {
        var count = 0
        // Frame threads report a corrupt packet when its picture is due; skip it and keep receiving. The cap
        // only guards against a decoder that reports the same error forever.
        var consecutiveErrors = 0
        while true {
            let status = avcodec_receive_frame(context, frame.pointer)
            switch status {
            case 0...:
                consecutiveErrors = 0
                count += 1
                decodedFrames += 1
                defer { frame.unref() }
                try body(frame)
            case cffmpeg_error_eagain():
                return count
            case cffmpeg_error_eof():
                isDrained = true
                return count
            case _ where Self.isCorruptPacket(status) && consecutiveErrors < 64:
                corruptPackets += 1
                consecutiveErrors += 1
            default:
                throw FFmpegError.decodeFailed(
                    url: url, reason: "avcodec_receive_frame: \(FFmpegError.message(for: status))")
            }
        }
    }

    /// Whether a decoder's error means "this packet is damaged" rather than "the decoder is broken".
    private static func isCorruptPacket(_ status: Int32) -> Bool {
        status == cffmpeg_error_invaliddata() || status == cffmpeg_error_patchwelcome()
    }
}
