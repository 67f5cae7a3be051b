import Stream
import Testing

extension StreamTests {
    @Suite struct VideoDecoderTests {
        @Test(arguments: MediaFixtures.clips)
        func decodesEveryFrameWithExactTimestamps(name: String) throws {
            let clip = try DecodedClip.decode(try MediaFixtures.path(name))
            #expect(clip.timestamps.count == MediaFixtures.clipFrameCount)
            let expected = (0..<MediaFixtures.clipFrameCount).map { Double($0) / 25 }
            #expect(clip.timestamps == expected)
            #expect(clip.sizes.allSatisfy { $0 == MediaFixtures.clipSize })
            #expect(clip.corruptPackets == 0)
        }

        @Test func flushReturnsTheFramesStillInsideTheDecoder() throws {
            // H.264 reorders frames and frame threads hold pictures back: the last ones come out only on flush.
            let clip = try DecodedClip.decode(try MediaFixtures.path("clip.mp4"), threadCount: 2)
            #expect(clip.flushedFrames >= 1)
            #expect(clip.timestamps.count == MediaFixtures.clipFrameCount)
            #expect(clip.timestamps.last == Double(MediaFixtures.clipFrameCount - 1) / 25)
        }

        @Test(arguments: [0, 1, 4])
        func anyThreadCountDecodesTheSameFrames(threadCount: Int) throws {
            let clip = try DecodedClip.decode(try MediaFixtures.path("clip.mkv"), threadCount: threadCount)
            #expect(clip.timestamps.count == MediaFixtures.clipFrameCount)
        }

        @Test func decodesAfterAResetAsAfterAReconnect() throws {
            let source = try MediaSource(url: try MediaFixtures.path("clip.avi"))
            let decoder = try VideoDecoder(source: source)
            let packet = try Packet()
            var frames = 0
            while try source.readPacket(into: packet) {
                try decoder.decode(packet) { _ in frames += 1 }
            }
            try decoder.flush { _ in frames += 1 }
            #expect(!decoder.isDrained)
            let again = try MediaSource(url: try MediaFixtures.path("clip.avi"))
            while try again.readPacket(into: packet) {
                try decoder.decode(packet) { _ in frames += 1 }
            }
            try decoder.flush { _ in frames += 1 }
            #expect(frames == 2 * MediaFixtures.clipFrameCount)
            #expect(decoder.decodedFrames == frames)
        }

        @Test func errorsFromTheBodyPropagate() throws {
            struct Stop: Error {}
            let source = try MediaSource(url: try MediaFixtures.path("clip.avi"))
            let decoder = try VideoDecoder(source: source)
            let packet = try Packet()
            #expect(try source.readPacket(into: packet))
            #expect(throws: Stop.self) {
                try decoder.decode(packet) { _ in throw Stop() }
            }
        }

        @Test func keptFramesOutliveTheDecoder() throws {
            var kept: [DecodedFrame] = []
            _ = try DecodedClip.decode(try MediaFixtures.path("clip.mp4")) { frame in
                if kept.count < 3 { kept.append(try frame.makeReference()) }
            }
            #expect(kept.map(\.ptsSeconds) == [0, 0.04, 0.08])
            #expect(kept.allSatisfy { $0.width == 160 && $0.pixelFormatName == "yuv420p" })
        }

        @Test func aTruncatedFileGivesFewerFramesOrAnErrorNeverACrash() throws {
            do {
                let clip = try DecodedClip.decode(try MediaFixtures.path("truncated.mp4"))
                #expect(clip.timestamps.count < MediaFixtures.clipFrameCount)
            } catch let error as FFmpegError {
                #expect(error.description.contains("truncated.mp4") || error.description.contains("av_read_frame"))
            }
        }

        @Test(arguments: ["corrupt-clip.mkv", "corrupt-clip.avi"])
        func aDamagedClipDecodesWhatItCanAndCountsTheDamage(name: String) throws {
            var damagedFrames = 0
            do {
                let clip = try DecodedClip.decode(try MediaFixtures.path(name)) { frame in
                    if frame.isCorrupt { damagedFrames += 1 }
                }
                #expect(clip.timestamps.count > 0)
                #expect(clip.corruptPackets + damagedFrames > 0, "200 flipped bits left no trace")
            } catch let error as FFmpegError {
                // A damaged container may also end the read early; that must be an error, not a crash.
                #expect(!error.description.isEmpty)
            }
        }
    }
}
