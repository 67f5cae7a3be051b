import Foundation
import Synchronization
import Testing

@testable import Stream

/// A frame of `width` x `height` for stream `stream`, with a fresh buffer.
private func makeFrame(_ stream: String, index: Int, width: Int = 32, height: Int = 32, pool: FrameBufferPool? = nil)
    -> Frame
{
    let geometry = LetterboxGeometry(sourceWidth: width, sourceHeight: height, targetWidth: width, targetHeight: height)
    let buffer = pool?.take(width: width, height: height) ?? FrameBuffer(width: width, height: height, pool: nil)
    return Frame(
        streamID: stream, index: index, pts: Double(index), captureTime: Date(), captureInstant: .now,
        geometry: geometry, buffer: buffer)
}

/// A non-neural detector: the result of a frame is its stream and index; it can be slowed down.
private final class EchoDetector: FrameDetector {
    let delay: Duration
    let batchSizes = Mutex<[Int]>([])

    init(delay: Duration = .zero) {
        self.delay = delay
    }

    func detect(_ frames: [Frame]) throws -> [String] {
        batchSizes.withLock { $0.append(frames.count) }
        if delay > .zero { Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18) }
        return frames.map { "\($0.streamID)#\($0.index)" }
    }
}

/// Records everything the pipeline writes.
private final class RecordingOutput: PipelineOutput, @unchecked Sendable {
    // Written on the writer queue only; read by the test after `finish` has completed.
    var results: [String] = []
    var events: [StreamEvent] = []
    var stats: [[StatsSnapshot]] = []

    func write(frame: Frame, result: String, inferenceMilliseconds: Double) {
        results.append(result)
    }

    func write(event: StreamEvent) { events.append(event) }
    func write(stats: [StatsSnapshot]) { self.stats.append(stats) }
    func write(failure: any Error, frames: [Frame]) {}
}

/// Runs `body` against a started pipeline, then finishes it and waits.
private func withPipeline(
    _ detector: EchoDetector, batch: Int = 4, _ body: (Pipeline<EchoDetector, RecordingOutput>) -> Void
) -> RecordingOutput {
    let output = RecordingOutput()
    let pipeline = Pipeline(detector: detector, output: output, maximumBatch: batch, statsInterval: nil)
    pipeline.start()
    body(pipeline)
    let done = DispatchSemaphore(value: 0)
    pipeline.finish { done.signal() }
    done.wait()
    return output
}

@Suite("The pipeline: hand-off policies, batching, statistics")
struct PipelineTests {
    @Test func losslessDeliveryKeepsEveryFrameInOrder() {
        let output = withPipeline(EchoDetector(delay: .milliseconds(1))) { pipeline in
            for index in 0..<40 {
                #expect(pipeline.deliver(makeFrame("file", index: index), policy: .lossless(capacity: 2)))
            }
        }
        #expect(output.results == (0..<40).map { "file#\($0)" })
        let final = output.stats.last?.first
        #expect(final?.frames == 40)
        #expect(final?.dropped == 0)
    }

    @Test func latestFrameWinsDropsAndCountsTheOlderFrames() {
        let detector = EchoDetector(delay: .milliseconds(20))
        let output = withPipeline(detector) { pipeline in
            for index in 0..<30 {
                _ = pipeline.deliver(makeFrame("cam", index: index), policy: .latestFrameWins)
                Thread.sleep(forTimeInterval: 0.002)
            }
        }
        let final = output.stats.last?.first
        #expect(output.results.count < 30)
        #expect((final?.frames ?? 0) + (final?.dropped ?? 0) == 30)
        #expect(output.results.last == "cam#29", "the newest frame is never the one dropped")
        let indices = output.results.compactMap { Int($0.split(separator: "#")[1]) }
        #expect(indices == indices.sorted())
    }

    @Test func framesOfSeveralStreamsAreBatchedByShape() {
        let handoff = FrameHandoff()
        #expect(handoff.offer(makeFrame("a", index: 0), policy: .latestFrameWins))
        #expect(handoff.offer(makeFrame("b", index: 0), policy: .latestFrameWins))
        #expect(handoff.offer(makeFrame("c", index: 0, width: 64), policy: .latestFrameWins))
        let first = handoff.takeBatch(maximum: 4) ?? []
        #expect(first.map(\.streamID) == ["a", "b"])
        let second = handoff.takeBatch(maximum: 4) ?? []
        #expect(second.map(\.streamID) == ["c"])
        handoff.close()
        #expect(handoff.takeBatch(maximum: 4) == nil)
        #expect(!handoff.offer(makeFrame("a", index: 1), policy: .latestFrameWins))
    }

    @Test func turnsRotateSoNoStreamStarves() {
        let handoff = FrameHandoff()
        for index in 0..<3 {
            _ = handoff.offer(makeFrame("a", index: index), policy: .lossless(capacity: 8))
            _ = handoff.offer(makeFrame("b", index: index), policy: .lossless(capacity: 8))
        }
        var served: [String] = []
        for _ in 0..<6 {
            served += (handoff.takeBatch(maximum: 1) ?? []).map(\.streamID)
        }
        #expect(served == ["a", "b", "a", "b", "a", "b"])
    }

    @Test func losslessBlocksTheProducerUntilThereIsRoom() {
        let handoff = FrameHandoff()
        _ = handoff.offer(makeFrame("f", index: 0), policy: .lossless(capacity: 1))
        let delivered = Mutex(false)
        let producer = Thread {
            _ = handoff.offer(makeFrame("f", index: 1), policy: .lossless(capacity: 1))
            delivered.withLock { $0 = true }
        }
        producer.start()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(!delivered.withLock { $0 }, "the second frame must wait for room")
        _ = handoff.takeBatch(maximum: 1)
        for _ in 0..<100 where !delivered.withLock({ $0 }) {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(delivered.withLock { $0 })
    }

    @Test func buffersGoBackToThePoolAfterUse() {
        let pool = FrameBufferPool(limit: 4)
        let output = withPipeline(EchoDetector()) { pipeline in
            for index in 0..<10 {
                _ = pipeline.deliver(makeFrame("p", index: index, pool: pool), policy: .lossless(capacity: 2))
            }
        }
        #expect(output.results.count == 10)
        #expect(pool.idleCount > 0)
        #expect(pool.idleCount <= 4)
        let reused = pool.take(width: 32, height: 32)
        #expect(reused.width == 32)
    }

    @Test func percentilesUseNearestRank() {
        let values = (1...100).map(Double.init)
        #expect(StreamStatistics.percentile(values, 0.5) == 50)
        #expect(StreamStatistics.percentile(values, 0.95) == 95)
        #expect(StreamStatistics.percentile(values, 0.99) == 99)
        #expect(StreamStatistics.percentile([7], 0.99) == 7)
        #expect(StreamStatistics.percentile([], 0.5) == nil)
    }

    @Test func eventsArriveInOrder() {
        let output = withPipeline(EchoDetector()) { pipeline in
            pipeline.report(StreamEvent(streamID: "s", kind: .connected))
            pipeline.report(StreamEvent(streamID: "s", kind: .eof))
        }
        #expect(output.events.map(\.kind) == [.connected, .eof])
    }
}
