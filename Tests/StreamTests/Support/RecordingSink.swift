import Dispatch
import Foundation
import Stream
import Synchronization

/// A `FrameSink` that writes down everything a stream reader hands it, for tests to inspect while the reader runs
/// and after it ends.
///
/// It keeps a summary of each frame, not the frame, so that buffers go straight back to the reader's pool.
/// - Important: Thread-safe (one mutex): the reader's queue records, the test thread reads.
final class RecordingSink: FrameSink {
    /// What a delivered frame looked like.
    struct Delivery: Sendable {
        /// The frame's index.
        var index: Int
        /// The frame's PTS in seconds.
        var pts: Double
        /// The model input's size.
        var inputWidth: Int
        /// The model input's height.
        var inputHeight: Int
        /// Where the source picture sits in the input.
        var geometry: LetterboxGeometry
        /// The policy the reader asked for.
        var policy: DeliveryPolicy
        /// The input's centre pixel, R G B in [0, 1].
        var centre: [Float]
        /// When the frame was decoded.
        var captureInstant: ContinuousClock.Instant
        /// The scheduling policy of the thread that delivered it (`sched_getscheduler`).
        var schedulingPolicy: Int32
        /// The system's name of the thread that delivered it.
        var threadName: String
    }

    /// One call into the sink, in order.
    enum Entry: Sendable, Equatable {
        /// A frame with this index.
        case frame(Int)
        /// An event of this kind.
        case event(StreamEvent.Kind)
    }

    /// Everything recorded so far.
    struct Record: Sendable {
        /// The frames, in delivery order.
        var frames: [Delivery] = []
        /// The events, in order.
        var events: [StreamEvent] = []
        /// Frames and events interleaved as they came.
        var entries: [Entry] = []
        /// The sums of every counter increment.
        var totals = StreamCounters()
        /// The increments as they came.
        var increments: [StreamCounters] = []
        /// Whether two calls into the sink ever ran at the same time (they must come from one serial queue).
        var hasOverlappingCalls = false

        /// The kinds of the events.
        var eventKinds: [StreamEvent.Kind] { events.map(\.kind) }
    }

    private let record = Mutex(Record())
    /// The calls into the sink running right now.
    private let callsInProgress = Atomic(0)
    /// `deliver` answers false from this frame index on (it still records the frame).
    private let refusingFrom: Int?

    /// A sink that accepts every frame, or refuses from frame `refusingFrom` on.
    init(refusingFrom: Int? = nil) {
        self.refusingFrom = refusingFrom
    }

    /// Records a summary of `frame`; answers false from frame `refusingFrom` on.
    func deliver(_ frame: Frame, policy: DeliveryPolicy) -> Bool {
        enter()
        defer { leave() }
        let centreOffset = frame.buffer.height / 2 * frame.buffer.width + frame.buffer.width / 2
        let plane = frame.buffer.width * frame.buffer.height
        let delivery = Delivery(
            index: frame.index, pts: frame.pts, inputWidth: frame.buffer.width, inputHeight: frame.buffer.height,
            geometry: frame.geometry, policy: policy,
            centre: (0..<3).map { frame.buffer.pointer[$0 * plane + centreOffset] },
            captureInstant: frame.captureInstant, schedulingPolicy: sched_getscheduler(0),
            threadName: Self.currentThreadName())
        record.withLock {
            $0.frames.append(delivery)
            $0.entries.append(.frame(frame.index))
        }
        return refusingFrom.map { frame.index < $0 } ?? true
    }

    /// Records `event`.
    func report(_ event: StreamEvent) {
        enter()
        defer { leave() }
        record.withLock {
            $0.events.append(event)
            $0.entries.append(.event(event.kind))
        }
    }

    /// Adds `counters` to the totals.
    func count(_ counters: StreamCounters, for streamID: String) {
        enter()
        defer { leave() }
        record.withLock {
            $0.totals.decoded += counters.decoded
            $0.totals.corrupt += counters.corrupt
            $0.totals.reconnects += counters.reconnects
            $0.increments.append(counters)
        }
    }

    /// The calling thread's name as the system keeps it (`pthread_getname_np` is not in Swift's Glibc module).
    private static func currentThreadName() -> String {
        let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        return name.hasSuffix("\n") ? String(name.dropLast()) : name
    }

    /// A copy of what was recorded so far.
    var snapshot: Record { record.withLock { $0 } }

    /// Polls every 10 ms until `condition` holds for the record or `timeout` passes; returns whether it held.
    @discardableResult
    func wait(timeout: Duration = .seconds(20), until condition: (Record) -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(snapshot) { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return condition(snapshot)
    }

    /// Notes a call starting, and whether another one is still running.
    private func enter() {
        if callsInProgress.add(1, ordering: .acquiringAndReleasing).newValue > 1 {
            record.withLock { $0.hasOverlappingCalls = true }
        }
    }

    /// Notes a call ending.
    private func leave() {
        callsInProgress.subtract(1, ordering: .acquiringAndReleasing)
    }
}
