import Dispatch
import Foundation
import Synchronization

// TODO: stop() cannot end a `deliver` that blocks for back-pressure (lossless files): the sink must return
// (false, when it shuts down) before the loop can end.
// TODO: each stream has a thread of its own for its whole life, blocked in reads and sleeps, plus its decoder's
// frame threads: fine for tens of streams, but hundreds would want an event loop over non-blocking reads.
/// Reads one stream: opens its source, demuxes, decodes, letterboxes each picture into a pooled ``FrameBuffer``
/// and hands the ``Frame``s to a ``FrameSink``, reconnecting live sources when they fail.
///
/// ```swift
/// var options = StreamOptions(name: "cam", url: "rtsp://10.0.0.5/stream")
/// options.imageSize = 320
/// let reader = StreamReader(options: options, sink: pipeline)
/// reader.start()
/// ...
/// reader.stop()
/// reader.waitUntilFinished(timeout: .seconds(2))
/// ```
///
/// The reader runs one loop for the stream's whole life on its own serial queue, `detectd.stream.<name>`: every
/// call into the sink (`deliver`, `report`, `count`) comes from there, in order. The queue is driven by a thread
/// named `read.<name>` (cut to 15 bytes) that belongs to the reader alone (not a Dispatch worker), so that its
/// scheduling policy, ``StreamOptions/decodePriority(for:)``, stays with the stream and reaches the decoder's
/// frame threads. The connection follows ``ReconnectPolicy``: the sink hears `connected`, `reconnecting` (with
/// the reason), `eof` or `error` as ``StreamEvent``s. Frames are numbered from 0 in delivery order (after
/// ``StreamOptions/vidStride``), across reconnects and loops. A frame's capture time is taken right after it is
/// decoded (for a paced file, once it is due), before it is letterboxed straight into a buffer from ``pool``.
///
/// Counters go to ``FrameSink/count(_:for:)`` as increments: before each delivered frame (the frames decoded
/// and packets found corrupt since the last report), with each `reconnecting` event (one reconnect), at least
/// once a second while packets arrive but no frame is delivered, and when the loop ends. Increments that are
/// all zero are not sent.
///
/// - Important: Thread-safe: ``start()``, ``stop()`` and the waits may be called from any thread. The loop's
///   own state lives on the reader's queue; ``stop()`` reaches it through atomics, the ``IOInterrupter`` (which
///   stops a blocking open or read) and a semaphore (which ends a backoff or pacing sleep), so the loop ends
///   within about 0.1 s, except while the sink itself blocks in `deliver`. The reader keeps its sink alive
///   until the loop ends.
public final class StreamReader: Sendable {
    /// The stream's options.
    public let options: StreamOptions
    /// What the URL points at, decided once, when the reader is made.
    public let kind: SourceKind
    /// How this stream's frames wait for inference: from ``kind`` and ``StreamOptions/isRealtime``.
    public let deliveryPolicy: DeliveryPolicy
    /// The buffers frames are converted into.
    public let pool: FrameBufferPool
    /// Where frames, events and counters go.
    let sink: any FrameSink
    /// The queue the loop runs on.
    let queue: DispatchQueue
    /// The scheduling of the reading thread, from ``StreamOptions/decodePriority(for:)``.
    public let decodePriority: StreamOptions.DecodePriority
    /// Whether the reading thread runs with ``decodePriority``; false until it has started, and when the system
    /// refused the policy (the thread then runs as an ordinary one).
    public var hasDecodePriority: Bool {
        appliedPriority.load(ordering: .acquiring)
    }
    /// Set by the reading thread once its priority is applied.
    private let appliedPriority = Atomic<Bool>(false)
    /// Stops the source's blocking calls after ``stop()``; one per reader, used by one source at a time.
    let interrupter = IOInterrupter()
    /// Signalled by ``stop()`` to end a sleep early.
    private let wakeup = DispatchSemaphore(value: 0)
    /// Set once by ``stop()`` (or a refused frame).
    private let isStopRequested = Atomic<Bool>(false)
    /// Set once by ``start()``.
    private let isStarted = Atomic<Bool>(false)
    /// Entered by ``start()``, left when the loop ends.
    private let running = DispatchGroup()
    /// The loop's state, published for observers.
    private let published = Mutex(StreamState.connecting)

    /// A reader for the stream described by `options`, delivering to `sink`.
    ///
    /// Classifies the URL (which may `stat` a path); opens nothing until ``start()``.
    ///
    /// - Parameter pool: the buffers to convert into; by default a pool sized for the delivery policy.
    public init(options: StreamOptions, sink: any FrameSink, pool: FrameBufferPool? = nil) {
        self.options = options
        self.sink = sink
        kind = SourceKind(url: options.url)
        deliveryPolicy = kind.deliveryPolicy(isRealtime: options.isRealtime)
        // Buffers in flight: the waiting frames, one in inference, one being converted, one spare.
        let waiting: Int
        switch deliveryPolicy {
        case .latestFrameWins: waiting = 1
        case .lossless(let capacity): waiting = capacity
        }
        self.pool = pool ?? FrameBufferPool(limit: waiting + 3)
        decodePriority = options.decodePriority(for: kind)
        queue = DispatchQueue(label: "detectd.stream.\(options.name)", qos: .userInitiated)
    }

    /// Starts the loop on the reader's queue, on a new thread; later calls do nothing.
    public func start() {
        guard !isStarted.exchange(true, ordering: .acquiringAndReleasing) else { return }
        running.enter()
        let thread = Thread { [self] in
            ThreadName.setForCurrentThread("read.\(options.name)")
            appliedPriority.store(decodePriority.applyToCurrentThread(), ordering: .releasing)
            // A serial queue runs a `sync` block on the calling thread: the loop keeps this thread's policy.
            queue.sync { StreamLoop(reader: self).run() }
            running.leave()
        }
        // FFmpeg's demuxers and parsers run on this thread; 4 MiB leaves them room (Dispatch workers have 512 KiB).
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Asks the loop to end, from any thread: stops a blocking open or read at once and ends a backoff sleep.
    /// Finishes the stream without an event. Returns at once; wait with ``waitUntilFinished(timeout:)``.
    public func stop() {
        guard !isStopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        interrupter.cancel()
        wakeup.signal()
    }

    /// Blocks until the loop has ended or `timeout` has passed; true when it ended (or never started).
    @discardableResult
    public func waitUntilFinished(timeout: Duration) -> Bool {
        running.wait(timeout: .now() + Self.dispatchInterval(timeout)) == .success
    }

    /// Runs `body` on `queue` once the loop has ended (at once when it never started).
    public func onFinished(queue: DispatchQueue = .global(), _ body: @escaping @Sendable () -> Void) {
        running.notify(queue: queue, execute: body)
    }

    /// The connection's state as the loop last published it; ``StreamState/finished(_:)`` once it ended.
    public var state: StreamState {
        published.withLock { $0 }
    }

    /// Whether ``stop()`` was called or the sink refused a frame.
    var isStopping: Bool {
        isStopRequested.load(ordering: .acquiring)
    }

    /// Marks the reader stopping from the loop itself (the sink refused a frame).
    func requestStop() {
        stop()
    }

    /// Publishes the loop's state.
    func publish(_ state: StreamState) {
        published.withLock { $0 = state }
    }

    /// Sleeps for `duration` unless stopped; returns false when ``stop()`` cut the sleep short (or came
    /// before it).
    func sleep(for duration: Duration) -> Bool {
        guard !isStopping else { return false }
        guard duration > .zero else { return true }
        if wakeup.wait(timeout: .now() + Self.dispatchInterval(duration)) == .success {
            // Keep the signal for any later sleep: the reader stays stopped.
            wakeup.signal()
            return false
        }
        return !isStopping
    }

    /// `duration` as Dispatch takes it, in nanoseconds (clamped, so that huge timeouts do not overflow).
    private static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let nanoseconds = Backoff.seconds(duration) * 1e9
        return .nanoseconds(Int(min(max(nanoseconds, 0), 1e17)))
    }
}
