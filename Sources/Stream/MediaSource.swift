import CFFmpeg

#if canImport(Glibc)
    import Glibc
#endif

/// An opened media input (an `AVFormatContext`): a file, an image, an RTSP or HTTP URL, and its best video stream.
///
/// ```swift
/// let source = try MediaSource(url: "rtsp://camera/stream", options: .init(formatOptions: ["rtsp_transport": "tcp"]))
/// let packet = try Packet()
/// while try source.readPacket(into: packet) { ... }
/// ```
///
/// Every blocking call (open, probe, read) runs under a deadline, ``Options/ioTimeout`` from its start, that an
/// interrupt callback enforces, so none can hang forever; ``interrupter`` can also stop them from another
/// queue. Only the video stream is demuxed: the others are discarded at the source.
///
/// - Important: Not thread-safe; confine a source to one queue (the stream's demux queue). Only
///   ``interrupter`` may be used from elsewhere.
public final class MediaSource {
    /// How to open a source.
    public struct Options: Sendable {
        /// The longest one blocking call (opening, probing, reading one packet) may take before it fails with
        /// ``FFmpegError/timedOut(url:timeout:)``.
        public var ioTimeout: Duration
        /// Options for the demuxer and protocol, as `ffmpeg -option value` would give them: `rtsp_transport`
        /// (`tcp`), `rw_timeout` or `timeout` (microseconds), `probesize`. Unknown ones are reported in
        /// ``MediaSource/ignoredOptions``.
        public var formatOptions: [String: String]
        /// The demuxer to use (`image2`, `rtsp`, `v4l2`), or nil to let FFmpeg probe.
        public var formatName: String?

        /// Options with a 10 s I/O timeout, no demuxer options and probing by default.
        public init(
            ioTimeout: Duration = .seconds(10), formatOptions: [String: String] = [:], formatName: String? = nil
        ) {
            self.ioTimeout = ioTimeout
            self.formatOptions = formatOptions
            self.formatName = formatName
        }
    }

    /// The URL or path the source was opened with.
    public let url: String
    /// The options the source was opened with.
    public let options: Options
    /// The interrupter polled during blocking calls; cancel it from any queue to stop this source's I/O.
    public let interrupter: IOInterrupter
    /// The index of the chosen video stream in the container.
    public let videoStreamIndex: Int
    /// Entries of ``Options/formatOptions`` that neither the demuxer nor the protocol recognised, sorted.
    public let ignoredOptions: [String]

    /// The demuxer state, owned by this object and closed in `deinit`.
    private var context: UnsafeMutablePointer<AVFormatContext>?
    /// The video stream, owned by `context`.
    private let stream: UnsafeMutablePointer<AVStream>

    /// Opens `url`, reads enough of it to know its streams, and picks the best video stream.
    ///
    /// Calls `avformat_open_input`, `avformat_find_stream_info` and `av_find_best_stream`.
    ///
    /// - Parameters:
    ///   - url: a path or URL; a single image path (`.jpg`, `.png`, `.bmp`) opens as a one-frame video.
    ///   - options: the I/O timeout and demuxer options.
    ///   - interrupter: the interrupter to poll; pass one of your own to cancel this source from another queue
    ///     before `init` returns.
    /// - Throws: ``FFmpegError/openFailed(url:reason:)``, ``FFmpegError/noVideoStream(url:)``,
    ///   ``FFmpegError/timedOut(url:timeout:)`` or ``FFmpegError/interrupted(url:)``.
    public init(url: String, options: Options = Options(), interrupter: IOInterrupter = IOInterrupter())
        throws(FFmpegError)
    {
        FFmpegLibrary.prepare()
        self.url = url
        self.options = options
        self.interrupter = interrupter

        var inputFormat: UnsafePointer<AVInputFormat>?
        if let name = options.formatName {
            guard let format = av_find_input_format(name) else {
                throw .openFailed(url: url, reason: "unknown input format '\(name)'")
            }
            inputFormat = format
        }
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in options.formatOptions.sorted(by: { $0.key < $1.key }) {
            guard av_dict_set(&dictionary, key, value, 0) >= 0 else {
                throw .allocationFailed(function: "av_dict_set")
            }
        }
        guard let allocated = avformat_alloc_context() else {
            throw .allocationFailed(function: "avformat_alloc_context")
        }
        allocated.pointee.interrupt_callback = interrupter.callback

        // On failure avformat_open_input frees the context itself and sets the pointer to NULL.
        var opened: UnsafeMutablePointer<AVFormatContext>? = allocated
        interrupter.arm(timeout: options.ioTimeout)
        let openStatus = avformat_open_input(&opened, url, inputFormat, &dictionary)
        interrupter.disarm()
        guard openStatus >= 0, let context = opened else {
            throw Self.openError(openStatus, url: url, options: options, interrupter: interrupter)
        }
        var isOwnedBySelf = false
        defer { if !isOwnedBySelf { avformat_close_input(&opened) } }
        ignoredOptions = Self.keys(of: dictionary)

        interrupter.arm(timeout: options.ioTimeout)
        let probeStatus = avformat_find_stream_info(context, nil)
        interrupter.disarm()
        guard probeStatus >= 0 else {
            throw Self.openError(probeStatus, url: url, options: options, interrupter: interrupter)
        }

        let index = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard index >= 0, index < context.pointee.nb_streams, let streams = context.pointee.streams,
            let stream = streams[Int(index)], stream.pointee.codecpar != nil
        else {
            if index == cffmpeg_error_stream_not_found() || index >= 0 {
                throw .noVideoStream(url: url)
            }
            throw FFmpegError(code: index, function: "av_find_best_stream")
        }
        // Demux only the video stream: audio and data packets are dropped inside FFmpeg.
        for other in 0..<Int(context.pointee.nb_streams) where other != Int(index) {
            streams[other]?.pointee.discard = AVDISCARD_ALL
        }

        self.context = context
        self.stream = stream
        self.videoStreamIndex = Int(index)
        isOwnedBySelf = true
    }

    deinit {
        avformat_close_input(&context)
    }

    /// The name of the demuxer FFmpeg chose, such as "mov,mp4,m4a,3gp,3g2,mj2" or "png_pipe".
    public var formatName: String {
        guard let format = context?.pointee.iformat, let name = format.pointee.name else { return "unknown" }
        return String(cString: name)
    }

    /// The video width in pixels, from the stream's codec parameters.
    public var width: Int { Int(stream.pointee.codecpar.pointee.width) }

    /// The video height in pixels, from the stream's codec parameters.
    public var height: Int { Int(stream.pointee.codecpar.pointee.height) }

    /// The time base of the video stream's timestamps (packet and frame PTS count in these units).
    public var timeBase: Rational { Rational(stream.pointee.time_base) }

    /// The average frame rate the container reports (`avg_frame_rate`), or nil when it does not know one,
    /// as for live streams and single images.
    public var averageFrameRate: Rational? {
        let rate = Rational(stream.pointee.avg_frame_rate)
        return rate.isValid ? rate : nil
    }

    /// The name of the video codec, such as "h264" or "mjpeg" (calls `avcodec_get_name`).
    public var codecName: String {
        String(cString: avcodec_get_name(stream.pointee.codecpar.pointee.codec_id))
    }

    /// Lends the video stream's codec parameters (owned by the source) to `body`, as a decoder needs them.
    public func withCodecParameters<Result, Failure: Error>(
        _ body: (UnsafePointer<AVCodecParameters>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(stream.pointee.codecpar)
    }

    /// Reads the next packet of the video stream into `packet` (calls `av_read_frame`), replacing its contents.
    ///
    /// - Returns: true when a packet was read, false at the end of the input.
    /// - Throws: ``FFmpegError/timedOut(url:timeout:)`` when no packet came within ``Options/ioTimeout``,
    ///   ``FFmpegError/interrupted(url:)`` after a cancel, ``FFmpegError/call(function:code:message:)`` for
    ///   any other failure (a broken connection, a damaged container).
    public func readPacket(into packet: Packet) throws(FFmpegError) -> Bool {
        try readPacket(into: packet, timeout: options.ioTimeout)
    }

    /// Reads the next packet of the video stream into `packet`, as ``readPacket(into:)`` does, but gives up
    /// after `timeout` instead of ``Options/ioTimeout``: a stream reader passes the time left before it calls
    /// the stream stalled.
    ///
    /// - Throws: ``FFmpegError/timedOut(url:timeout:)`` (with this `timeout`) when no packet came in time,
    ///   or any error of ``readPacket(into:)``.
    public func readPacket(into packet: Packet, timeout: Duration) throws(FFmpegError) -> Bool {
        interrupter.arm(timeout: timeout)
        defer { interrupter.disarm() }
        while true {
            packet.unref()
            let status = av_read_frame(context, packet.pointer)
            if status == cffmpeg_error_eof() {
                // A demuxer may report an interrupted read as the end; it is not the end of the input.
                if let error = interrupter.error(for: status, url: url, timeout: timeout) { throw error }
                return false
            }
            if status == cffmpeg_error_eagain() {
                // Only non-blocking inputs say "try again"; the armed deadline still bounds how long we try.
                guard !interrupter.shouldInterrupt else {
                    throw interrupter.error(for: cffmpeg_error_exit(), url: url, timeout: timeout)
                        ?? .interrupted(url: url)
                }
                usleep(1_000)
                continue
            }
            guard status >= 0 else {
                throw interrupter.error(for: status, url: url, timeout: timeout)
                    ?? FFmpegError(code: status, function: "av_read_frame")
            }
            if packet.streamIndex == videoStreamIndex {
                return true
            }
        }
    }

    /// The error for a failed open or probe: a timeout or cancel when the interrupter stopped it, else
    /// ``FFmpegError/openFailed(url:reason:)`` with FFmpeg's message (for system errors, the errno text).
    private static func openError(
        _ status: Int32, url: String, options: Options, interrupter: IOInterrupter
    ) -> FFmpegError {
        interrupter.error(for: status, url: url, timeout: options.ioTimeout)
            ?? .openFailed(url: url, reason: FFmpegError.message(for: status))
    }

    /// The keys left in an options dictionary after FFmpeg took the ones it knows.
    private static func keys(of dictionary: OpaquePointer?) -> [String] {
        var keys: [String] = []
        var entry: UnsafeMutablePointer<AVDictionaryEntry>?
        while let next = av_dict_get(dictionary, "", entry, AV_DICT_IGNORE_SUFFIX) {
            if let key = next.pointee.key { keys.append(String(cString: key)) }
            entry = next
        }
        return keys.sorted()
    }
}
