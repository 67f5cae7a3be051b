/// Everything a ``StreamReader`` needs to know about one stream: where it is, how to shape its frames, how long
/// to wait for it and how to pace it.
///
/// ```swift
/// var options = StreamOptions(name: "cam", url: "rtsp://10.0.0.5/stream")
/// options.imageSize = 320
/// options.stallTimeout = .seconds(5)
/// ```
public struct StreamOptions: Sendable {
    /// How RTSP carries the media (`rtsp_transport`).
    public enum RTSPTransport: String, Sendable, CaseIterable {
        /// Interleaved in the RTSP TCP connection: no loss, works through NAT; the default.
        case tcp
        /// RTP over UDP: lower latency on a clean network, lost packets become corrupt pictures.
        case udp
    }

    /// The stream's name, carried by every frame, event and counter (`NAME=URL` on the command line).
    public var name: String
    /// A URL (`rtsp://`, `http://`, ...) or a path (a media file, an image, a folder of images).
    public var url: String
    /// The long side of the model input in pixels (`--imgsz`).
    public var imageSize = 640
    /// Whether the short side of the input shrinks to the source's aspect ratio (rounded up to ``stride``)
    /// rather than staying ``imageSize``: less padding, fewer pixels to infer.
    public var isRectangular = true
    /// The model's largest stride: rectangular input sides are multiples of it.
    public var stride = 32
    /// The longest one blocking call (connect, probe, read a packet) may take (`--timeout`).
    public var ioTimeout: Duration = .seconds(10)
    /// How long a live source may go without a decoded frame before it is reconnected (`--stall-timeout`).
    public var stallTimeout: Duration = .seconds(10)
    /// How RTSP sources carry the media (`--rtsp-transport`).
    public var rtspTransport = RTSPTransport.tcp
    /// Deliver every `vidStride`-th decoded frame, from the first (`--vid-stride`); 1 delivers all.
    public var vidStride = 1
    /// Whether a file is paced at its native rate by its timestamps, as if it were live (`--realtime`).
    public var isRealtime = false
    /// Whether a file (or image folder) starts again from its beginning at its end (`--loop`).
    public var isLooping = false
    // TODO: VideoDecoder offers frame threads only; slice threads would let a live 4K camera use both cores
    // without the added latency, where one thread may not keep up.
    /// Decoding threads; nil chooses: 2 frame threads for files, 1 for live sources (each frame thread delays
    /// output by one picture, which a live stream pays in latency).
    public var decoderThreads: Int?
    /// How long to wait between reconnection attempts.
    public var backoff = Backoff()

    /// Options with the defaults above for the stream `name` at `url`.
    public init(name: String, url: String) {
        self.name = name
        self.url = url
    }

    /// The model input size for pictures of `sourceWidth` x `sourceHeight` pixels.
    ///
    /// The long side becomes ``imageSize``; when ``isRectangular``, the short side is the letterboxed picture's
    /// short side rounded up to a multiple of ``stride`` (1280x720 at 320 gives 320x192, 640x480 gives 320x256),
    /// otherwise it is ``imageSize`` too.
    public func inputSize(sourceWidth: Int, sourceHeight: Int) -> (width: Int, height: Int) {
        let size = max(imageSize, 1)
        guard isRectangular, sourceWidth > 0, sourceHeight > 0, sourceWidth != sourceHeight else {
            return (size, size)
        }
        let longSide = max(sourceWidth, sourceHeight)
        let shortSide = min(sourceWidth, sourceHeight)
        // The picture's short side after scaling, rounded as LetterboxGeometry rounds it.
        let resized = (Double(shortSide) * Double(size) / Double(longSide)).rounded(.toNearestOrEven)
        let step = max(stride, 1)
        let padded = min(max(Int((resized / Double(step)).rounded(.up)) * step, step), size)
        return sourceWidth >= sourceHeight ? (size, padded) : (padded, size)
    }

    /// The decoding threads for a source of `kind`: ``decoderThreads``, or the default for the kind.
    func decoderThreads(for kind: SourceKind) -> Int {
        decoderThreads ?? (kind.isLive ? 1 : 2)
    }
}
