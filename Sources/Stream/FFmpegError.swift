import CFFmpeg

/// Everything that can go wrong in the Stream library: opening, demuxing, decoding and converting media.
///
/// Cases carry the URL (or path) they concern, so a daemon reading many streams can say which one failed.
/// Descriptions hide any `user:password@` in a URL.
public enum FFmpegError: Error, Equatable, Sendable {
    /// The media could not be opened or probed: a missing file, a refused connection, a directory, data that no
    /// demuxer recognises. `reason` is FFmpeg's text for the error, which for system errors is the errno text
    /// (for example "No such file or directory").
    case openFailed(url: String, reason: String)
    /// The media opened, but holds no video stream (an audio-only file, say).
    case noVideoStream(url: String)
    /// The video stream's codec has no decoder in this FFmpeg build, or the decoder refused its parameters.
    case unsupportedCodec(url: String, codec: String)
    /// The decoder failed in a way that is not one corrupt packet (which is counted and skipped instead).
    case decodeFailed(url: String, reason: String)
    /// A blocking call on `url` (open, probe, read) did not finish within `timeout` and was stopped, by the
    /// interrupt callback or by the protocol's own timeout (`rw_timeout`, `timeout`).
    case timedOut(url: String, timeout: Duration)
    /// A blocking call on `url` was stopped because ``IOInterrupter/cancel()`` was called.
    case interrupted(url: String)
    /// A decoded frame could not be converted: no swscale path for its pixel format, or an empty frame.
    case conversionFailed(reason: String)
    /// An FFmpeg allocator (named by `function`) returned NULL.
    case allocationFailed(function: String)
    /// Any other failing FFmpeg call: the C function's name, its return code and `av_strerror`'s message.
    case call(function: String, code: Int32, message: String)

    /// Converts a negative FFmpeg return code from `function` into ``call(function:code:message:)``.
    ///
    /// This is the one place where FFmpeg codes become Swift errors; the other cases take their `reason` from
    /// ``message(for:)``.
    public init(code: Int32, function: String) {
        self = .call(function: function, code: code, message: Self.message(for: code))
    }

    /// Returns `code` when it is not negative and throws ``call(function:code:message:)`` when it is.
    @discardableResult
    public static func check(_ code: Int32, _ function: String) throws(FFmpegError) -> Int32 {
        guard code < 0 else { return code }
        throw FFmpegError(code: code, function: function)
    }

    /// FFmpeg's text for a return code (calls `av_strerror`); for `AVERROR(errno)` codes it is the errno text.
    public static func message(for code: Int32) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(AV_ERROR_MAX_STRING_SIZE)) { buffer in
            guard let base = buffer.baseAddress else { return "error \(code)" }
            guard av_strerror(code, base, buffer.count) == 0 else { return "error \(code)" }
            return String(cString: base)
        }
    }
}

extension FFmpegError: CustomStringConvertible {
    /// A one-line message naming the thing that failed and why.
    public var description: String {
        switch self {
        case .openFailed(let url, let reason):
            "cannot open '\(Self.redacted(url))': \(reason)"
        case .noVideoStream(let url):
            "'\(Self.redacted(url))' has no video stream"
        case .unsupportedCodec(let url, let codec):
            "cannot decode '\(Self.redacted(url))': no usable decoder for codec '\(codec)'"
        case .decodeFailed(let url, let reason):
            "cannot decode '\(Self.redacted(url))': \(reason)"
        case .timedOut(let url, let timeout):
            "I/O on '\(Self.redacted(url))' timed out after \(timeout)"
        case .interrupted(let url):
            "I/O on '\(Self.redacted(url))' was interrupted"
        case .conversionFailed(let reason):
            "cannot convert frame: \(reason)"
        case .allocationFailed(let function):
            "\(function) could not allocate memory"
        case .call(let function, let code, let message):
            "\(function) failed: \(message) (\(code))"
        }
    }

    /// `url` with the password of any `scheme://user:password@host` replaced, so that messages can be logged.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else {
            return url
        }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
