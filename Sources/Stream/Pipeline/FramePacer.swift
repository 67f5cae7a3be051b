/// Paces a file at its native rate (`--realtime`): how long to wait before a frame is due, from its PTS.
///
/// The first frame anchors the file's clock to the monotonic clock; a frame of PTS `p` is due `p - p0` after
/// the anchor. A frame that is late is due at once. The anchor moves when the timestamps jump backwards (a
/// loop, a discontinuity) or when the pipeline has fallen more than ``maximumLag`` behind, so that a slow spell
/// is not followed by a burst of frames.
///
/// Pure: the caller passes the clock's readings, and sleeps.
public struct FramePacer: Sendable {
    /// How far behind the file's clock the pacer may fall before it moves the anchor.
    public var maximumLag: Duration = .seconds(1)
    /// The PTS and instant of the anchoring frame.
    private var anchor: (pts: Double, instant: ContinuousClock.Instant)?

    /// A pacer with no anchor: its first frame is due at once.
    public init() {}

    /// Forgets the anchor, as at the start of a new pass: the next frame is due at once.
    public mutating func reset() {
        anchor = nil
    }

    /// How long after `now` the frame with presentation time `pts` (seconds) is due; zero when it is due now.
    public mutating func delay(forPTS pts: Double, now: ContinuousClock.Instant) -> Duration {
        guard let anchor, pts >= anchor.pts else {
            anchor = (pts, now)
            return .zero
        }
        let due = anchor.instant + .nanoseconds(Int64(((pts - anchor.pts) * 1e9).rounded()))
        if now - due > maximumLag {
            self.anchor = (pts, now)
            return .zero
        }
        return due > now ? due - now : .zero
    }
}
