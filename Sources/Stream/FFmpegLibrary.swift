import CFFmpeg

/// Process-wide FFmpeg set-up: the one documented place where the Stream library touches FFmpeg's globals.
///
/// Every Stream type that calls FFmpeg runs ``prepare()`` first, so the defaults below are in force before the
/// first open, decode or conversion:
/// - FFmpeg's own log (which goes to stderr) is limited to `AV_LOG_ERROR`, so that its warnings about, say, a
///   missing colour space do not flood a daemon's logs. ``setLogLevel(_:)`` changes that for debugging.
/// - `avformat_network_init` is called once, which network protocols (RTSP, HTTP, TLS) want before first use.
public enum FFmpegLibrary {
    /// How much FFmpeg itself writes to stderr, from nothing to everything.
    public enum LogLevel: Sendable {
        /// Nothing (`AV_LOG_QUIET`).
        case quiet
        /// Errors only (`AV_LOG_ERROR`), the default.
        case error
        /// Errors and warnings (`AV_LOG_WARNING`).
        case warning
        /// Informational messages too (`AV_LOG_INFO`), as the `ffmpeg` tool prints them.
        case info
        /// Everything useful for debugging (`AV_LOG_DEBUG`).
        case debug

        /// The `av_log` level.
        var rawLevel: Int32 {
            switch self {
            case .quiet: AV_LOG_QUIET
            case .error: AV_LOG_ERROR
            case .warning: AV_LOG_WARNING
            case .info: AV_LOG_INFO
            case .debug: AV_LOG_DEBUG
            }
        }
    }

    /// Runs the one-time set-up; cheap after the first call. Thread-safe (a lazily initialised global).
    public static func prepare() {
        _ = setUp
    }

    /// Sets how much FFmpeg logs to stderr (calls `av_log_set_level`) after the one-time set-up.
    ///
    /// - Important: FFmpeg's log level is process-wide; call this once at start-up, before streams are opened.
    public static func setLogLevel(_ level: LogLevel) {
        prepare()
        av_log_set_level(level.rawLevel)
    }

    /// Swift runs this initialiser exactly once, on first use, even when several threads race to it.
    private static let setUp: Void = {
        av_log_set_level(AV_LOG_ERROR)
        avformat_network_init()
    }()
}
