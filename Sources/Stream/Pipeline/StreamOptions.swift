import Foundation

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

    /// How the thread that reads, decodes and letterboxes a stream competes with inference for the cores.
    public enum DecodePriority: String, Sendable, CaseIterable {
        /// The usual time sharing: decoding and inference take turns by their weights.
        case normal
        /// Linux's `SCHED_IDLE`: the thread (and the FFmpeg frame threads it starts, which inherit the policy)
        /// runs only on a core that no ordinary thread wants, and gives way to one at once.
        ///
        /// For a lossless file this keeps decoding out of inference's way: libtorch splits each operation
        /// statically between its threads, so a decoder that preempts one of them stalls them all. With 2 cores
        /// at --imgsz 320 it raised the daemon's lossless rate by 3% (47.1 against 45.7 fps, docs/benchmarks.md).
        // TODO: SCHED_IDLE decoding starves while other processes keep every core busy (its weight is 3 against
        // 1024 for an ordinary thread), and an unprivileged thread cannot leave the policy again; on a machine
        // shared with busy work, pass --decode-priority normal.
        case idle

        /// `SCHED_IDLE` from `<sched.h>`, which Swift's Glibc module leaves out (it is behind `_GNU_SOURCE`).
        public static let idlePolicy: Int32 = 5

        /// Applies the priority to the calling thread; false when the system refused it (the thread keeps the
        /// policy it had).
        func applyToCurrentThread() -> Bool {
            var parameters = sched_param()
            let policy = self == .idle ? Self.idlePolicy : SCHED_OTHER
            return pthread_setschedparam(pthread_self(), policy, &parameters) == 0
        }
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
    /// The scheduling of the stream's reading thread (`--decode-priority`); nil chooses: idle for lossless
    /// sources (files, images), normal for live and paced ones, whose frames must not wait for a free core.
    public var decodePriority: DecodePriority?

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

    /// The reading thread's priority for a source of `kind`: ``decodePriority``, or the default for the kind.
    public func decodePriority(for kind: SourceKind) -> DecodePriority {
        decodePriority ?? (kind.deliveryPolicy(isRealtime: isRealtime) == .latestFrameWins ? .normal : .idle)
    }
}
