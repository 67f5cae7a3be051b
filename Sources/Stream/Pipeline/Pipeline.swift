import Dispatch
import Foundation

/// Turns batches of frames into results. The pipeline calls it on its inference queue only.
public protocol FrameDetector: AnyObject {
    /// What one frame yields (detections, say).
    associatedtype Result: Sendable
    /// Processes frames that share one input shape; returns one result per frame, in order.
    func detect(_ frames: [Frame]) throws -> [Result]
}

/// Receives what the pipeline produces. The pipeline calls it on its writer queue only, in order.
public protocol PipelineOutput: AnyObject {
    /// What one frame yields; the detector's `Result`.
    associatedtype Result
    /// One processed frame; `inferenceMilliseconds` is the time of the batch it was part of.
    func write(frame: Frame, result: Result, inferenceMilliseconds: Double)
    /// A stream's state change.
    func write(event: StreamEvent)
    /// Every stream's figures for the last interval.
    func write(stats: [StatsSnapshot])
    /// A batch the detector failed on; its frames are skipped.
    func write(failure: any Error, frames: [Frame])
}

/// The real-time path after decoding: a bounded hand-off from the streams, one inference queue that batches
/// frames of several streams, and one writer queue for output and statistics.
///
/// - Important: Streams call the `FrameSink` members from their own queues. The detector is touched only on
///   the inference queue and the output and statistics only on the writer queue; the hand-off is locked. Those
///   confinements are the invariant behind `@unchecked Sendable`.
public final class Pipeline<Detector: FrameDetector, Output: PipelineOutput>: FrameSink, @unchecked Sendable
where Output.Result == Detector.Result {
    private let detector: Detector
    private let output: Output
    private let maximumBatch: Int
    private let statsInterval: Duration?
    private let handoff = FrameHandoff()
    private let inferenceQueue = DispatchQueue(label: "detectd.inference", qos: .userInteractive)
    private let writerQueue = DispatchQueue(label: "detectd.writer", qos: .userInitiated)
    private let statistics: StreamStatistics
    private let finished = DispatchGroup()
    private var timer: DispatchSourceTimer?
    private let clock = ContinuousClock()

    /// Creates a pipeline; nothing runs until `start`.
    ///
    /// - Parameters:
    ///   - maximumBatch: the most frames (of different streams) inferred together.
    ///   - statsInterval: how often to write statistics; nil for never (final statistics are still written).
    public init(detector: Detector, output: Output, maximumBatch: Int = 4, statsInterval: Duration? = .seconds(5)) {
        self.detector = detector
        self.output = output
        self.maximumBatch = max(1, maximumBatch)
        self.statsInterval = statsInterval
        statistics = StreamStatistics(now: clock.now)
    }

    /// Names the streams up front so that statistics list them from the first interval.
    public func register(streams: [String]) {
        writerQueue.async { [self] in
            for stream in streams { statistics.register(stream) }
        }
    }

    /// Starts the inference loop and the statistics timer.
    public func start() {
        finished.enter()
        // A dedicated thread with a large stack, not a Dispatch worker: libtorch and oneDNN need more than the
        // workers' 512 KiB, and on a worker thread we saw libtorch's dispatcher state corrupted
        // ("variable_excluded_from_dispatch() INTERNAL ASSERT FAILED") after a few frames.
        let thread = Thread { [self] in
            ThreadName.setForCurrentThread("detectd.infer")
            inferenceQueue.sync { runInference() }
            finished.leave()
        }
        thread.stackSize = 16 << 20
        thread.start()
        if let statsInterval {
            let timer = DispatchSource.makeTimerSource(queue: writerQueue)
            let nanoseconds =
                Int(statsInterval.components.seconds) * 1_000_000_000
                + Int(statsInterval.components.attoseconds / 1_000_000_000)
            timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
            timer.setEventHandler { [weak self] in self?.writeStats() }
            timer.resume()
            self.timer = timer
        }
    }

    /// Stops taking frames, lets inference finish what is waiting (or drops it when `isDraining` is false),
    /// writes the final statistics, then calls `completion` on the writer queue.
    public func finish(isDraining: Bool = true, completion: @escaping @Sendable () -> Void) {
        handoff.close()
        if !isDraining { handoff.discardAll() }
        finished.notify(queue: writerQueue) { [self] in
            timer?.cancel()
            timer = nil
            writeStats()
            completion()
        }
    }

    // MARK: - FrameSink

    public func deliver(_ frame: Frame, policy: DeliveryPolicy) -> Bool {
        handoff.offer(frame, policy: policy)
    }

    public func report(_ event: StreamEvent) {
        writerQueue.async { [self] in output.write(event: event) }
    }

    public func count(_ counters: StreamCounters, for streamID: String) {
        writerQueue.async { [self] in statistics.add(counters, for: streamID) }
    }

    // MARK: - Queues

    private func runInference() {
        dispatchPrecondition(condition: .onQueue(inferenceQueue))
        while let batch = handoff.takeBatch(maximum: maximumBatch) {
            guard !batch.isEmpty else { continue }
            let start = clock.now
            let results: [Detector.Result]
            do {
                results = try detector.detect(batch)
            } catch {
                writerQueue.async { [self] in output.write(failure: error, frames: batch) }
                continue
            }
            let elapsed = start.duration(to: clock.now)
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            let dropped = handoff.takeDropped()
            let pairs = Array(zip(batch, results))
            writerQueue.async { [self] in
                for (stream, count) in dropped { statistics.addDropped(count, for: stream) }
                for (frame, result) in pairs {
                    statistics.addInferred(for: frame.streamID)
                    output.write(frame: frame, result: result, inferenceMilliseconds: milliseconds)
                    let latency = frame.captureInstant.duration(to: clock.now)
                    statistics.addOutput(
                        for: frame.streamID,
                        latencyMilliseconds: Double(latency.components.seconds) * 1000
                            + Double(latency.components.attoseconds) / 1e15)
                }
            }
        }
    }

    private func writeStats() {
        dispatchPrecondition(condition: .onQueue(writerQueue))
        for (stream, count) in handoff.takeDropped() { statistics.addDropped(count, for: stream) }
        let snapshots = statistics.snapshot(now: clock.now)
        if !snapshots.isEmpty { output.write(stats: snapshots) }
    }
}
