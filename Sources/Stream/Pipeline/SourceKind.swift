import Foundation

/// What a stream's URL points at, which decides how it is opened, whether it is live and how its frames wait.
public enum SourceKind: Equatable, Sendable {
    /// An RTSP camera or server (`rtsp://`, `rtsps://`).
    case rtsp
    // TODO: a finite file served over HTTP counts as live too: at its end it reconnects and plays again (with a
    // `reconnecting` event) instead of reporting `eof`, and its frames are latest-frame-wins, not lossless.
    /// Another network stream: `http(s)://` (HLS playlists included), `udp://`, `rtmp://`, `srt://`, or any
    /// other `scheme://` URL. Treated as live.
    case network
    /// A folder of images: each image file in it, sorted by name, is one frame.
    case imageFolder
    /// One image file: a single frame.
    case image
    /// Any other path (or `file://` URL): a media file (MP4, MKV, AVI, MPEG-TS, ...).
    case file

    /// The file extensions (lower case) read as images, in folders and as single files.
    public static let imageExtensions: Set<String> = [
        "bmp", "dng", "jpeg", "jpg", "mpo", "pbm", "pgm", "png", "ppm", "tif", "tiff", "webp",
    ]

    /// Classifies `url`: by scheme for URLs, and by looking at the file system for paths.
    ///
    /// - Important: Reads the file system (a `stat` of the path); call it off latency-critical queues.
    public init(url: String) {
        if let schemeEnd = url.range(of: "://") {
            switch url[..<schemeEnd.lowerBound].lowercased() {
            case "rtsp", "rtsps": self = .rtsp
            case "file": self = .file
            default: self = .network
            }
            return
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url, isDirectory: &isDirectory), isDirectory.boolValue {
            self = .imageFolder
        } else if Self.isImagePath(url) {
            self = .image
        } else {
            self = .file
        }
    }

    /// Whether the source is live: it never ends by itself, it is reconnected after failures and its frames
    /// are latest-frame-wins.
    public var isLive: Bool {
        switch self {
        case .rtsp, .network: true
        case .imageFolder, .image, .file: false
        }
    }

    /// How the source's frames wait for inference: live sources (and files paced with `isRealtime`) keep only
    /// the newest frame; files and images are lossless with a small queue.
    public func deliveryPolicy(isRealtime: Bool) -> DeliveryPolicy {
        isLive || isRealtime ? .latestFrameWins : .lossless(capacity: 4)
    }

    /// The demuxer and protocol options for opening a source of this kind: the transport and socket timeout
    /// for RTSP, the read/write timeout for other network protocols (both in microseconds).
    ///
    /// The protocol timeouts are one second longer than `ioTimeout`: the ``IOInterrupter`` deadline ends every
    /// open and read first, with a clear ``FFmpegError/timedOut(url:timeout:)`` (the RTSP demuxer reports its
    /// own timeout as "Invalid data found"); the protocol timeout bounds what runs outside a deadline, such
    /// as the RTSP TEARDOWN sent when a source is closed.
    public func formatOptions(ioTimeout: Duration, rtspTransport: StreamOptions.RTSPTransport) -> [String: String] {
        let microseconds = String(max(Int64((Backoff.seconds(ioTimeout) + 1) * 1e6), 1))
        switch self {
        case .rtsp:
            // TODO: FFmpeg's H.264 parser holds each RTSP picture until the next one starts to arrive, one frame
            // interval (40 ms at 25 fps) of latency before decoding that the stats do not see; the RTP marker bit
            // ends a picture sooner, but FFmpeg 5.1 has no public switch to parse by it.
            // FFmpeg 5.1's RTSP demuxer takes `timeout` as the socket I/O timeout in microseconds (it was
            // `stimeout` before 5.0); audio and data tracks are not set up at all.
            // The stream probe decodes frames before the stream counts as open, and every frame it reads comes out
            // again afterwards, at once: stale frames that latest-frame-wins then drops. By default it waits for
            // 20 frames to estimate the frame rate (`fpsprobesize` 2 ends that) and for 7 decoded H.264 frames to
            // guess the decoding delay; `probesize` 32 and `analyzeduration` 0.1 s end it after the first packets,
            // since the size and format come from the SDP's parameter sets or from the decoded pictures (each
            // picture plans its own conversion). Measured with a 25 fps camera: 11-12 frames dropped on connecting
            // with only `fpsprobesize`, 1 with all three (during the first plan build).
            return [
                "rtsp_transport": rtspTransport.rawValue, "timeout": microseconds, "allowed_media_types": "video",
                "fpsprobesize": "2", "probesize": "32", "analyzeduration": "100000",
            ]
        case .network:
            return ["rw_timeout": microseconds]
        case .imageFolder, .image, .file:
            return [:]
        }
    }

    // TODO: no natural sort: `frame10.png` comes before `frame2.png`; name images with zero-padded numbers.
    /// The image files directly inside `folder` (hidden files and other extensions left out), sorted by name
    /// (by Unicode scalars, so `10.png` comes before `2.png`).
    public static func imagePaths(inFolder folder: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        return names.filter { !$0.hasPrefix(".") && isImagePath($0) }.sorted().map { base + $0 }
    }

    /// Whether `path` ends in one of ``imageExtensions`` (any case).
    static func isImagePath(_ path: String) -> Bool {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return false }
        return imageExtensions.contains(path[path.index(after: dot)...].lowercased())
    }
}
