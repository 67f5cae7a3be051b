import CFFmpeg
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Decides when FFmpeg's blocking calls on a ``MediaSource`` give up: at a deadline, or at once after ``cancel()``.
///
/// FFmpeg polls an interrupt callback while it waits for a network or file read; when the callback answers
/// "stop", the call returns `AVERROR_EXIT`. The source arms a deadline (now + its I/O timeout) before each
/// blocking call and disarms it after, so that no open, probe or read can hang forever, however the peer
/// behaves. ``cancel()`` stops the current call and every later one, for shutdown.
///
/// - Important: Thread-safe (the state is atomic): the source's queue arms it, FFmpeg's I/O reads it, and any
///   queue may cancel it. Serve one source at a time with it: the deadline is a single value.
public final class IOInterrupter: Sendable {
    /// The deadline in monotonic nanoseconds; `UInt64.max` when disarmed.
    private let deadline = Atomic<UInt64>(.max)
    /// Set once by ``cancel()``; never cleared.
    private let cancelled = Atomic<Bool>(false)
    /// Set when the callback told FFmpeg to stop since the last ``arm(timeout:)``.
    private let hasFired = Atomic<Bool>(false)

    /// A disarmed, uncancelled interrupter.
    public init() {}

    /// Stops the blocking call in progress, if any, and makes every later one fail at once.
    public func cancel() {
        cancelled.store(true, ordering: .releasing)
    }

    /// Whether ``cancel()`` has been called.
    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Whether the callback should stop the blocking call now: cancelled, or past the armed deadline.
    public var shouldInterrupt: Bool {
        isCancelled || Self.monotonicNanoseconds() >= deadline.load(ordering: .relaxed)
    }

    /// Arms the deadline `timeout` from now, before a blocking call.
    func arm(timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds / 1_000_000_000))
        hasFired.store(false, ordering: .relaxed)
        deadline.store(Self.monotonicNanoseconds() &+ nanoseconds, ordering: .relaxed)
    }

    /// Disarms the deadline after a blocking call, so that idle time between calls never counts.
    func disarm() {
        deadline.store(.max, ordering: .relaxed)
    }

    /// The error for a blocking call that returned `status`, when the interrupter or a protocol timeout stopped
    /// it: ``FFmpegError/interrupted(url:)`` after ``cancel()``, ``FFmpegError/timedOut(url:timeout:)`` at the
    /// deadline or on `AVERROR(ETIMEDOUT)`; nil for any other status.
    ///
    /// Some demuxers pass the callback's "stop" on as another error (FFmpeg 5.1's RTSP demuxer reports an
    /// interrupted reply as `AVERROR_INVALIDDATA`), so any failure after the callback fired counts as
    /// interrupted or timed out too.
    func error(for status: Int32, url: String, timeout: Duration) -> FFmpegError? {
        switch status {
        case cffmpeg_error_exit() where isCancelled: .interrupted(url: url)
        case cffmpeg_error_exit(), cffmpeg_error_timedout(): .timedOut(url: url, timeout: timeout)
        case _ where hasInterrupted: isCancelled ? .interrupted(url: url) : .timedOut(url: url, timeout: timeout)
        default: nil
        }
    }

    /// Whether the callback told FFmpeg to stop since the deadline was last armed.
    var hasInterrupted: Bool { hasFired.load(ordering: .relaxed) }

    /// The callback FFmpeg polls (`AVIOInterruptCB`), with this object, unretained, as its opaque pointer.
    ///
    /// - Important: The caller must keep this object alive as long as the FFmpeg context that holds the callback.
    var callback: AVIOInterruptCB {
        AVIOInterruptCB(
            callback: { opaque in
                guard let opaque else { return 0 }
                let interrupter = Unmanaged<IOInterrupter>.fromOpaque(opaque).takeUnretainedValue()
                guard interrupter.shouldInterrupt else { return 0 }
                interrupter.hasFired.store(true, ordering: .relaxed)
                return 1
            },
            opaque: Unmanaged.passUnretained(self).toOpaque())
    }

    /// CLOCK_MONOTONIC in nanoseconds: immune to wall-clock changes.
    private static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
