import Foundation
import Stream
import Testing

extension StreamTests {
    /// Stream readers over files, images and image folders: lossless, exact, finite.
    @Suite struct StreamReaderTests {
        @Test(arguments: MediaFixtures.clips)
        func aFileDeliversEveryFrameLosslesslyWithExactTimestamps(name: String) throws {
            let (record, reader) = try ReaderHarness.readToEnd(try ReaderHarness.options(fixture: name))
            let count = MediaFixtures.clipFrameCount
            #expect(record.frames.map(\.index) == Array(0..<count))
            #expect(record.frames.map(\.pts) == (0..<count).map { Double($0) / 25 })
            #expect(record.entries.first == .event(.connected))
            #expect(record.entries.last == .event(.eof))
            #expect(record.eventKinds == [.connected, .eof])
            #expect(record.events.allSatisfy { $0.streamID == "test" })
            #expect(record.totals == StreamCounters(decoded: count))
            #expect(reader.state == .finished(.eof))
            #expect(reader.deliveryPolicy == .lossless(capacity: 4))
            #expect(record.frames.allSatisfy { $0.policy == .lossless(capacity: 4) })
            // 160x120 at 320: the short side 240 rounds up to 256.
            #expect(record.frames.allSatisfy { $0.inputWidth == 320 && $0.inputHeight == 256 })
            #expect(record.frames.allSatisfy { $0.geometry.sourceWidth == 160 && $0.geometry.sourceHeight == 120 })
            #expect(!record.hasOverlappingCalls)
        }

        @Test func aFileIsReadOnAnIdlePriorityThreadByDefault() throws {
            let (record, reader) = try ReaderHarness.readToEnd(try ReaderHarness.options(fixture: "clip.mp4"))
            #expect(reader.decodePriority == .idle)
            #expect(reader.hasDecodePriority)
            #expect(record.frames.count == MediaFixtures.clipFrameCount)
            #expect(record.frames.allSatisfy { $0.schedulingPolicy == StreamOptions.DecodePriority.idlePolicy })
            #expect(record.frames.allSatisfy { $0.threadName == "read.test" })
        }

        @Test(arguments: [("entrance-camera-2", "read.entrance-c"), ("cámara-entrada", "read.cámara-en")])
        func aLongStreamNameIsCutToFifteenBytesForTheThread(name: String, threadName: String) throws {
            var options = try ReaderHarness.options(fixture: "clip.mp4")
            options.name = name
            let (record, _) = try ReaderHarness.readToEnd(options)
            #expect(record.frames.first?.threadName == threadName)
        }

        @Test func aNormalDecodePriorityKeepsTheReadingThreadOrdinary() throws {
            var options = try ReaderHarness.options(fixture: "clip.mp4")
            options.decodePriority = .normal
            let (record, reader) = try ReaderHarness.readToEnd(options)
            #expect(reader.decodePriority == .normal)
            #expect(reader.hasDecodePriority)
            #expect(record.frames.count == MediaFixtures.clipFrameCount)
            #expect(record.frames.allSatisfy { $0.schedulingPolicy == SCHED_OTHER })
        }

        @Test func vidStrideKeepsEveryNthFrameFromTheFirst() throws {
            var options = try ReaderHarness.options(fixture: "clip.mkv")
            options.vidStride = 5
            let (record, _) = try ReaderHarness.readToEnd(options)
            #expect(record.frames.map(\.index) == Array(0..<10))
            #expect(record.frames.map(\.pts) == (0..<10).map { Double($0 * 5) / 25 })
            #expect(record.totals.decoded == MediaFixtures.clipFrameCount)
            #expect(record.eventKinds == [.connected, .eof])
        }

        @Test(arguments: [(true, 320, 192), (false, 320, 320)])
        func theInputShapeFollowsTheSourceSize(isRectangular: Bool, width: Int, height: Int) throws {
            var options = try ReaderHarness.options(fixture: MediaFixtures.hdClip)
            options.isRectangular = isRectangular
            let (record, _) = try ReaderHarness.readToEnd(options)
            #expect(record.frames.count == MediaFixtures.hdFrameCount)
            #expect(record.frames.allSatisfy { $0.inputWidth == width && $0.inputHeight == height })
            let geometry = try #require(record.frames.first?.geometry)
            #expect(geometry.resizedWidth == 320)
            #expect(geometry.resizedHeight == 180)
            #expect(geometry.padTop == (height - 180) / 2)
        }

        @Test func anOddSizedClipRoundsItsShortSideUpToTheStride() throws {
            let (record, _) = try ReaderHarness.readToEnd(try ReaderHarness.options(fixture: "odd.avi"))
            #expect(record.frames.count == 10)
            #expect(record.frames.allSatisfy { $0.inputWidth == 320 && $0.inputHeight == 256 })
            #expect(record.frames.allSatisfy { $0.geometry.sourceWidth == 641 && $0.geometry.sourceHeight == 479 })
            #expect(record.eventKinds == [.connected, .eof])
        }

        @Test func aLoopingFileReplaysWithIncreasingIndicesUntilStopped() throws {
            var options = try ReaderHarness.options(fixture: "clip.avi")
            options.isLooping = true
            let sink = RecordingSink()
            let reader = StreamReader(options: options, sink: sink)
            reader.start()
            let count = MediaFixtures.clipFrameCount
            let replayed = sink.wait { $0.frames.count > 2 * count + 10 }
            reader.stop()
            #expect(reader.waitUntilFinished(timeout: .seconds(5)))
            #expect(replayed)

            let record = sink.snapshot
            #expect(record.frames.map(\.index) == Array(0..<record.frames.count))
            // Each pass starts the file's clock again.
            #expect(record.frames[count].pts == 0)
            #expect(record.frames[2 * count + 1].pts == 1.0 / 25)
            #expect(record.eventKinds == [.connected])
            #expect(reader.state == .finished(.stopped))
        }

        @Test func anImageFolderGivesOneFramePerImageInNameOrder() throws {
            let (record, reader) = try ReaderHarness.readToEnd(
                try ReaderHarness.options(fixture: MediaFixtures.imageFolder))
            #expect(reader.kind == .imageFolder)
            #expect(record.frames.map(\.index) == [0, 1, 2])
            #expect(record.frames.map(\.pts) == [0, 1, 2])
            // Red, green, blue: the brightest channel of each centre pixel, in name order.
            let brightest = record.frames.map { frame in
                frame.centre.indices.max { frame.centre[$0] < frame.centre[$1] }
            }
            #expect(brightest == [0, 1, 2])
            #expect(record.frames.allSatisfy { $0.centre.max() == 1 })
            #expect(record.eventKinds == [.connected, .eof])
            #expect(record.totals == StreamCounters(decoded: 3))
        }

        @Test func vidStrideAppliesToAnImageFolder() throws {
            var options = try ReaderHarness.options(fixture: MediaFixtures.imageFolder)
            options.vidStride = 2
            let (record, _) = try ReaderHarness.readToEnd(options)
            #expect(record.frames.map(\.index) == [0, 1])
            #expect(record.frames.map(\.pts) == [0, 2])
        }

        @Test func aSingleImageIsOneFrame() throws {
            let (record, reader) = try ReaderHarness.readToEnd(try ReaderHarness.options(fixture: "red.png"))
            #expect(reader.kind == .image)
            #expect(record.frames.map(\.pts) == [0])
            #expect(record.frames.first?.centre == [1, 0, 0])
            #expect(record.eventKinds == [.connected, .eof])
        }

        @Test func anEmptyFolderIsAnError() throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("detectd-empty-\(getpid())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let (record, reader) = try ReaderHarness.readToEnd(ReaderHarness.options(url: folder.path))
            #expect(record.eventKinds == [.error])
            #expect(record.events.first?.reason?.contains("no image files") == true)
            #expect(reader.state == .finished(.error))
        }

        @Test func realtimePacesAFileAtItsNativeRate() throws {
            var options = try ReaderHarness.options(fixture: "odd.avi")
            options.isRealtime = true
            let (record, reader) = try ReaderHarness.readToEnd(options)
            #expect(reader.deliveryPolicy == .latestFrameWins)
            #expect(record.frames.count == 10)
            let first = try #require(record.frames.first)
            let last = try #require(record.frames.last)
            // Ten frames at 25 fps span 0.36 s of PTS: pacing can make that longer, never shorter.
            #expect(last.captureInstant - first.captureInstant >= .milliseconds(340))
        }

        @Test func aSinkThatRefusesAFrameStopsTheReader() throws {
            let sink = RecordingSink(refusingFrom: 3)
            let (record, reader) = try ReaderHarness.readToEnd(
                try ReaderHarness.options(fixture: "clip.avi"), sink: sink)
            #expect(record.frames.map(\.index) == [0, 1, 2, 3])
            #expect(record.eventKinds == [.connected])
            #expect(reader.state == .finished(.stopped))
        }

        @Test(arguments: ["random.bin", "no-such-file.mp4"])
        func anUnreadableFileIsAnErrorAtStart(name: String) throws {
            let (record, reader) = try ReaderHarness.readToEnd(try ReaderHarness.options(fixture: name))
            #expect(record.eventKinds == [.error])
            #expect(record.frames.isEmpty)
            #expect(record.events.first?.reason?.contains(name) == true)
            #expect(reader.state == .finished(.error))
        }

        @Test(arguments: ["truncated.mp4", "corrupt-clip.mkv", "corrupt-clip.avi"])
        func aDamagedFileEndsCleanly(name: String) throws {
            let (record, reader) = try ReaderHarness.readToEnd(try ReaderHarness.options(fixture: name))
            // Whatever decodes is delivered in order, then exactly one end: eof, or error for damage the
            // decoder cannot step over.
            #expect(record.frames.map(\.index) == Array(0..<record.frames.count))
            #expect(!record.frames.isEmpty)
            let ends = record.eventKinds.filter { $0 == .eof || $0 == .error }
            #expect(ends.count == 1)
            #expect(record.entries.last == ends.last.map { .event($0) })
            #expect(reader.state.isFinished)
            if name.hasPrefix("corrupt") {
                #expect(record.totals.corrupt > 0)
            }
        }
    }
}
