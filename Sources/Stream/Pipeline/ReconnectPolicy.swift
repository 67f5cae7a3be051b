/// Where a stream's connection stands.
public enum StreamState: Equatable, Sendable {
    /// Opening the source, for the first time or after a backoff.
    case connecting
    /// The source is open and frames flow.
    case connected
    /// A looping file reached its end and is opened again from the start, without an event.
    case rewinding
    /// The source failed; the stream waits `delay`, then makes its `attempt`-th consecutive attempt (from 1).
    case reconnecting(attempt: Int, delay: Duration)
    /// The stream is over, for good.
    case finished(StreamEnd)

    /// Whether the stream is over.
    public var isFinished: Bool {
        if case .finished = self { return true }
        return false
    }
}

/// Why a stream finished.
public enum StreamEnd: Equatable, Sendable {
    /// A file (or image) reached its end.
    case eof
    /// The source could not be opened at start, or a file failed for good.
    case error
    /// The owner stopped the stream, or the sink refused a frame.
    case stopped
}

/// The connection's state machine: what a stream does after each thing that happens to it, and which
/// ``StreamEvent`` to report. Pure: no threads, no clocks, no FFmpeg, so every transition is testable.
///
/// The rules:
/// - A source that cannot be opened at the very start finishes the stream with an `error` event.
/// - Once a stream has connected, a live source's failure (I/O error, timeout, end of stream, stall) is a
///   `reconnecting` event and a retry after the ``Backoff`` delay, forever; the delay grows with consecutive
///   failures and starts again from the first after a frame gets through.
/// - A file's end is an `eof` event and the end of the stream, unless it loops: then it is opened again,
///   silently (a pass that delivered no frame ends the loop with `eof`, rather than spinning).
/// - A file's failure after it opened (a read error, a decoder that gives up) is an `error` event and the end:
///   opening it again would only replay the frames before the damage.
/// - Stopping finishes the stream without an event, from any state.
public struct ReconnectPolicy: Sendable {
    /// What happened to the stream.
    public enum Input: Equatable, Sendable {
        /// The source opened (and its decoder with it).
        case opened
        /// The source could not be opened, for `reason`.
        case openFailed(reason: String)
        /// A frame went to the sink.
        case frameDelivered
        /// The open source failed: a read error, a timeout, a stall, a live decoder failure.
        case failed(reason: String)
        /// The source reached its end.
        case endOfInput
        /// Something failed that no retry can mend (a file's decoder gave up, say).
        case fatal(reason: String)
        /// The backoff delay is over.
        case backoffElapsed
        /// The owner stopped the stream.
        case stopped
    }

    /// An event to report after a transition: its kind and reason.
    public struct Notice: Equatable, Sendable {
        /// What to report.
        public var kind: StreamEvent.Kind
        /// Why, when there is a reason.
        public var reason: String?

        /// A notice of `kind` for `reason`.
        public init(_ kind: StreamEvent.Kind, reason: String? = nil) {
            self.kind = kind
            self.reason = reason
        }
    }

    /// The reason given when a live source ends.
    public static let endOfStreamReason = "the live source ended"

    /// Whether the source is live (reconnected after failures) rather than a file.
    public let isLive: Bool
    /// Whether a file starts again at its end.
    public let isLooping: Bool
    /// The delays between attempts.
    public let backoff: Backoff
    /// The current state; ``connecting`` at first.
    public private(set) var state = StreamState.connecting
    /// Whether the source has opened at least once.
    public private(set) var hasConnected = false
    /// Failures since the last delivered frame (or since the start): the attempt number of the next retry.
    public private(set) var consecutiveFailures = 0
    /// Whether a frame was delivered since the source last opened.
    private var hasDeliveredSinceOpen = false

    /// A machine in ``StreamState/connecting`` for a live source or a file.
    public init(isLive: Bool, isLooping: Bool = false, backoff: Backoff = Backoff()) {
        self.isLive = isLive
        self.isLooping = isLooping && !isLive
        self.backoff = backoff
    }

    /// Applies `input` to the state and returns the event to report, if any. Inputs that mean nothing in the
    /// current state (a frame while reconnecting, anything after the end) change nothing.
    public mutating func handle(_ input: Input) -> Notice? {
        if case .finished = state { return nil }
        switch (state, input) {
        case (_, .stopped):
            state = .finished(.stopped)
            return nil
        case (_, .fatal(let reason)):
            return finish(.error, reason: reason)
        case (.connecting, .opened):
            hasConnected = true
            hasDeliveredSinceOpen = false
            state = .connected
            return Notice(.connected)
        case (.rewinding, .opened):
            hasDeliveredSinceOpen = false
            state = .connected
            return nil
        case (.connecting, .openFailed(let reason)):
            return hasConnected && isLive ? retry(reason: reason) : finish(.error, reason: reason)
        case (.rewinding, .openFailed(let reason)):
            return finish(.error, reason: reason)
        case (.connected, .frameDelivered):
            consecutiveFailures = 0
            hasDeliveredSinceOpen = true
            return nil
        case (.connected, .failed(let reason)):
            return isLive ? retry(reason: reason) : finish(.error, reason: reason)
        case (.connected, .endOfInput):
            if isLive { return retry(reason: Self.endOfStreamReason) }
            if isLooping && hasDeliveredSinceOpen {
                state = .rewinding
                return nil
            }
            return finish(.eof, reason: nil)
        case (.reconnecting, .backoffElapsed):
            state = .connecting
            return nil
        default:
            return nil
        }
    }

    /// Moves to ``StreamState/reconnecting(attempt:delay:)`` with the next backoff delay.
    private mutating func retry(reason: String) -> Notice {
        consecutiveFailures += 1
        state = .reconnecting(attempt: consecutiveFailures, delay: backoff.delay(forAttempt: consecutiveFailures))
        return Notice(.reconnecting, reason: reason)
    }

    /// Moves to ``StreamState/finished(_:)``.
    private mutating func finish(_ end: StreamEnd, reason: String?) -> Notice {
        state = .finished(end)
        return Notice(end == .eof ? .eof : .error, reason: reason)
    }
}
