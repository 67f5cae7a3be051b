import Foundation
import Stream
import Testing

extension StreamTests {
    /// Stream readers over network sources on loopback: real servers, real failures, bounded waits.
    @Suite(.serialized) struct StreamReaderLiveTests {
        /// Backoff that retries quickly and exactly, so that tests wait little.
        static let quickBackoff = {
            var backoff = Backoff()
            backoff.initialDelay = .milliseconds(100)
            backoff.maximumDelay = .milliseconds(800)
            backoff.jitterSource = .constant(0)
            return backoff
        }()

        @Test func aRefusedPortIsAnErrorAtOnce() throws {
            let port = try ServerProcess.freeLoopbackPort()
            var options = ReaderHarness.options(url: "rtsp://127.0.0.1:\(port)/test")
            options.ioTimeout = .seconds(20)
            let clock = ContinuousClock()
            let start = clock.now
            let (record, reader) = try ReaderHarness.readToEnd(options, timeout: .seconds(10))
            #expect(clock.now - start < .seconds(10))
            #expect(record.eventKinds == [.error])
            #expect(record.events.first?.reason?.contains("refused") == true)
            #expect(reader.state == .finished(.error))
        }

        @Test func aServerThatNeverAnswersIsAnErrorAfterTheTimeout() throws {
            let server = try SilentServer()
            var options = ReaderHarness.options(url: "rtsp://127.0.0.1:\(server.port)/test")
            options.ioTimeout = .seconds(1)
            let clock = ContinuousClock()
            let start = clock.now
            let (record, reader) = try ReaderHarness.readToEnd(options, timeout: .seconds(15))
            #expect(clock.now - start >= .seconds(1))
            #expect(record.eventKinds == [.error])
            #expect(record.events.first?.reason?.contains("timed out") == true, "\(record.events)")
            #expect(reader.state == .finished(.error))
        }

        @Test func stopEndsAnOpenBlockedOnASilentServer() throws {
            let server = try SilentServer()
            var options = ReaderHarness.options(url: "rtsp://127.0.0.1:\(server.port)/test")
            options.ioTimeout = .seconds(60)
            let sink = RecordingSink()
            let reader = StreamReader(options: options, sink: sink)
            reader.start()
            Thread.sleep(forTimeInterval: 0.3)
            let clock = ContinuousClock()
            let start = clock.now
            reader.stop()
            #expect(reader.waitUntilFinished(timeout: .seconds(5)))
            #expect(clock.now - start < .seconds(1))
            #expect(sink.snapshot.eventKinds.isEmpty)
            #expect(reader.state == .finished(.stopped))
        }

        @Test func theEndOfALiveStreamReconnectsAndFramesResume() throws {
            let server = try ServerProcess.http(directory: try MediaFixtures.directory())
            var options = ReaderHarness.options(url: "http://127.0.0.1:\(server.port)/clip.avi")
            options.backoff = Self.quickBackoff
            let sink = RecordingSink()
            let reader = StreamReader(options: options, sink: sink)
            #expect(reader.kind == .network)
            #expect(reader.deliveryPolicy == .latestFrameWins)
            reader.start()
            let count = MediaFixtures.clipFrameCount
            let resumed = sink.wait { $0.frames.count > count + 5 }
            reader.stop()
            #expect(reader.waitUntilFinished(timeout: .seconds(5)))
            #expect(resumed)

            let record = sink.snapshot
            #expect(record.frames.map(\.index) == Array(0..<record.frames.count))
            #expect(Array(record.eventKinds.prefix(3)) == [.connected, .reconnecting, .connected])
            #expect(record.events[1].reason == ReconnectPolicy.endOfStreamReason)
            #expect(record.totals.reconnects == record.eventKinds.filter { $0 == .reconnecting }.count)
            #expect(record.frames.allSatisfy { $0.policy == .latestFrameWins })
            // Live frames must not wait for a free core: the reading thread stays an ordinary one.
            #expect(reader.decodePriority == .normal)
            #expect(record.frames.allSatisfy { $0.schedulingPolicy == SCHED_OTHER })
        }

        @Test func stopEndsABackoffSleep() throws {
            let server = try ServerProcess.http(directory: try MediaFixtures.directory())
            var options = ReaderHarness.options(url: "http://127.0.0.1:\(server.port)/odd.avi")
            options.backoff.initialDelay = .seconds(30)
            let sink = RecordingSink()
            let reader = StreamReader(options: options, sink: sink)
            reader.start()
            #expect(sink.wait { $0.eventKinds.contains(.reconnecting) })
            guard case .reconnecting(attempt: 1, let delay) = reader.state else {
                Issue.record("expected a backoff, the reader is \(reader.state)")
                reader.stop()
                return
            }
            #expect(delay >= .seconds(24))
            let clock = ContinuousClock()
            let start = clock.now
            reader.stop()
            #expect(reader.waitUntilFinished(timeout: .seconds(5)))
            #expect(clock.now - start < .seconds(1))
            #expect(reader.state == .finished(.stopped))
            #expect(sink.snapshot.eventKinds == [.connected, .reconnecting])
        }
    }

    /// Stream readers over GStreamer's RTSP server on loopback (Tests/Support/rtsp_server.py).
    @Suite(
        .serialized,
        .enabled(
            if: ServerProcess.isRTSPServerAvailable,
            "needs GStreamer's RTSP server for Debian's python3 (setup.sh installs gir1.2-gst-rtsp-server-1.0)"))
    struct StreamReaderRTSPTests {
        @Test func framesResumeAfterTheServerIsKilledAndRestarted() throws {
            let server = try ServerProcess.rtsp()
            var options = ReaderHarness.options("cam", url: "rtsp://127.0.0.1:\(server.port)/test")
            options.ioTimeout = .seconds(5)
            options.backoff = StreamReaderLiveTests.quickBackoff
            let sink = RecordingSink()
            let reader = StreamReader(options: options, sink: sink)
            defer {
                reader.stop()
                reader.waitUntilFinished(timeout: .seconds(5))
            }
            #expect(reader.kind == .rtsp)
            reader.start()
            try #require(sink.wait { $0.frames.count >= 10 }, "no frames from the RTSP server")
            #expect(sink.snapshot.eventKinds == [.connected])

            server.kill()
            #expect(sink.wait { $0.eventKinds.contains(.reconnecting) })
            let beforeRestart = sink.snapshot.frames.count
            try server.restart()
            let resumed = sink.wait { record in
                record.eventKinds.filter { $0 == .connected }.count == 2 && record.frames.count >= beforeRestart + 10
            }
            #expect(resumed)
            reader.stop()
            #expect(reader.waitUntilFinished(timeout: .seconds(5)))

            let record = sink.snapshot
            #expect(record.frames.map(\.index) == Array(0..<record.frames.count))
            #expect(record.frames.allSatisfy { $0.policy == .latestFrameWins })
            // 640x480 at 320.
            #expect(record.frames.allSatisfy { $0.inputWidth == 320 && $0.inputHeight == 256 })
            #expect(!record.hasOverlappingCalls)
            // Events in order: the first connection, at least one retry, the second connection; frames after
            // it carry later indices than any before the kill.
            #expect(record.eventKinds.first == .connected)
            #expect(record.eventKinds.dropFirst().first == .reconnecting)
            #expect(record.eventKinds.last == .connected)
            let secondConnection = try #require(record.entries.lastIndex(of: .event(.connected)))
            #expect(record.entries[secondConnection...].contains(.frame(beforeRestart)))
            #expect(record.totals.reconnects == record.eventKinds.filter { $0 == .reconnecting }.count)
        }

        @Test func aStalledServerIsReconnectedWithinTheStallTimeout() throws {
            let server = try ServerProcess.rtsp()
            var options = ReaderHarness.options(url: "rtsp://127.0.0.1:\(server.port)/test")
            options.ioTimeout = .seconds(3)
            options.stallTimeout = .milliseconds(1500)
            options.backoff = StreamReaderLiveTests.quickBackoff
            let sink = RecordingSink()
            let reader = StreamReader(options: options, sink: sink)
            defer {
                server.resume()
                reader.stop()
                reader.waitUntilFinished(timeout: .seconds(5))
            }
            reader.start()
            try #require(sink.wait { $0.frames.count >= 5 }, "no frames from the RTSP server")

            server.pause()
            let clock = ContinuousClock()
            let paused = clock.now
            #expect(sink.wait(timeout: .seconds(10)) { $0.eventKinds.contains(.reconnecting) })
            // The stall timeout (1.5 s) ends the silent read long before the I/O timeout would repeat.
            #expect(clock.now - paused < .seconds(8))
            let stall = sink.snapshot.events.first { $0.kind == .reconnecting }
            #expect(stall?.reason?.contains("stalled") == true)

            server.resume()
            let beforeResume = sink.snapshot.frames.count
            #expect(sink.wait { $0.eventKinds.last == .connected && $0.frames.count >= beforeResume + 5 })
        }

        @Test func keyframesCutByParameterSetsCountAsDamagedAndWholeOnesDoNot() throws {
            // More than two seconds of frames: at least two keyframes (one a second) after the first.
            let whole = try Self.receive(frameCount: 60, from: try ServerProcess.rtsp())
            #expect(whole.totals.corrupt == 0)
            let timestamps = whole.frames.map(\.pts)
            #expect(zip(timestamps, timestamps.dropFirst()).allSatisfy { $0 < $1 }, "a picture came out twice")

            let split = try Self.receive(frameCount: 60, from: try ServerProcess.rtsp(isSplittingKeyframes: true))
            // Each keyframe after the first gives two half pictures, both damaged, with one timestamp.
            #expect(split.totals.corrupt >= 2)
            let splitTimestamps = split.frames.map(\.pts)
            #expect(zip(splitTimestamps, splitTimestamps.dropFirst()).contains { $0 == $1 })
        }

        /// What a reader delivered from `server` until `frameCount` frames came (or 20 s passed).
        private static func receive(frameCount: Int, from server: ServerProcess) throws -> RecordingSink.Record {
            var options = ReaderHarness.options(url: "rtsp://127.0.0.1:\(server.port)/test")
            options.ioTimeout = .seconds(5)
            // The sink records every picture the reader hands over (only the pipeline's hand-off drops frames).
            let sink = RecordingSink()
            let reader = StreamReader(options: options, sink: sink)
            reader.start()
            let received = sink.wait(timeout: .seconds(20)) { $0.frames.count >= frameCount }
            reader.stop()
            #expect(reader.waitUntilFinished(timeout: .seconds(5)))
            server.kill()
            try #require(received, "fewer than \(frameCount) frames from the RTSP server")
            return sink.snapshot
        }

        @Test func udpTransportReceivesFrames() throws {
            let server = try ServerProcess.rtsp()
            var options = ReaderHarness.options(url: "rtsp://127.0.0.1:\(server.port)/test")
            options.rtspTransport = .udp
            options.ioTimeout = .seconds(5)
            let sink = RecordingSink()
            let reader = StreamReader(options: options, sink: sink)
            reader.start()
            let received = sink.wait { $0.frames.count >= 5 }
            reader.stop()
            #expect(reader.waitUntilFinished(timeout: .seconds(5)))
            #expect(received)
            #expect(sink.snapshot.eventKinds == [.connected])
        }
    }
}
