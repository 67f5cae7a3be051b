import Foundation

/// A decoded, letterboxed frame on its way from a stream to the detector.
///
/// Its buffer goes back to the stream's pool when the frame (and every copy of it) is released, after
/// inference. Immutable once made.
public final class Frame: Sendable {
    /// The stream's name (`NAME=URL` on the command line, or the URL).
    public let streamID: String
    /// The index of the frame among those the stream delivered (after `--vid-stride`), from 0.
    public let index: Int
    /// The presentation time in seconds, from the container (0 for still images).
    public let pts: Double
    /// When the frame was decoded, by the wall clock: latency is measured from here.
    public let captureTime: Date
    /// The same instant on the monotonic clock, for durations.
    public let captureInstant: ContinuousClock.Instant
    /// Where the source picture sits inside the model input.
    public let geometry: LetterboxGeometry
    /// The letterboxed input.
    public let buffer: FrameBuffer

    /// Creates a frame.
    public init(
        streamID: String, index: Int, pts: Double, captureTime: Date, captureInstant: ContinuousClock.Instant,
        geometry: LetterboxGeometry, buffer: FrameBuffer
    ) {
        self.streamID = streamID
        self.index = index
        self.pts = pts
        self.captureTime = captureTime
        self.captureInstant = captureInstant
        self.geometry = geometry
        self.buffer = buffer
    }

    deinit {
        buffer.recycle()
    }
}

/// A change in a stream's state, reported as an `event` line.
public struct StreamEvent: Sendable, Equatable {
    /// The kinds of transition.
    public enum Kind: String, Sendable {
        /// The source opened and frames flow.
        case connected
        /// The source failed or stalled; the stream waits, then tries again.
        case reconnecting
        /// A file reached its end (and `--loop` is off): the stream is finished.
        case eof
        /// The stream gave up (a source that cannot be opened at start, or a permanent error).
        case error
    }

    /// The stream's name.
    public var streamID: String
    /// What happened.
    public var kind: Kind
    /// Why, in words, when there is a reason.
    public var reason: String?
    /// When.
    public var time: Date

    /// Creates an event.
    public init(streamID: String, kind: Kind, reason: String? = nil, time: Date = Date()) {
        self.streamID = streamID
        self.kind = kind
        self.reason = reason
        self.time = time
    }
}

/// Where a stream delivers its frames and events.
///
/// - Important: Called on the stream's own serial queue. `deliver` may block to apply back-pressure (lossless
///   files) and must return promptly otherwise.
public protocol FrameSink: AnyObject, Sendable {
    /// Hands over a frame. Returns false if the pipeline is shutting down and the stream should stop.
    func deliver(_ frame: Frame, policy: DeliveryPolicy) -> Bool
    /// Reports a state change.
    func report(_ event: StreamEvent)
    /// Counts what the stream did since the last call (decoded frames, corrupt packets, reconnects).
    func count(_ counters: StreamCounters, for streamID: String)
}

/// How frames wait for inference when it is busy.
public enum DeliveryPolicy: Sendable, Equatable {
    /// Live sources: at most one frame waits; a newer frame replaces it, and the older one counts as dropped.
    case latestFrameWins
    /// Files: up to `capacity` frames wait; the stream blocks until there is room. No frame is lost.
    case lossless(capacity: Int)
}

/// Increments of a stream's counters.
public struct StreamCounters: Sendable, Equatable {
    /// Frames decoded (before `--vid-stride`).
    public var decoded = 0
    /// Packets the decoder rejected as corrupt, plus pictures it marked as damaged (and still delivered).
    public var corrupt = 0
    /// Reconnection attempts.
    public var reconnects = 0

    /// No counts.
    public init(decoded: Int = 0, corrupt: Int = 0, reconnects: Int = 0) {
        self.decoded = decoded
        self.corrupt = corrupt
        self.reconnects = reconnects
    }
}
