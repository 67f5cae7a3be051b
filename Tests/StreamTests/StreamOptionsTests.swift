import Foundation
import Stream
import Testing

extension StreamTests {
    /// Stream options: defaults and input-shape planning.
    @Suite struct StreamOptionsTests {
        @Test func defaults() {
            let options = StreamOptions(name: "cam", url: "rtsp://camera/stream")
            #expect(options.imageSize == 640)
            #expect(options.isRectangular)
            #expect(options.stride == 32)
            #expect(options.ioTimeout == .seconds(10))
            #expect(options.stallTimeout == .seconds(10))
            #expect(options.rtspTransport == .tcp)
            #expect(options.vidStride == 1)
            #expect(!options.isRealtime)
            #expect(!options.isLooping)
            #expect(options.decoderThreads == nil)
            #expect(options.decodePriority == nil)
        }

        @Test(
            arguments: [
                ("clip.mp4", false, nil, .idle),
                ("clip.mp4", true, nil, .normal),
                ("/no/such/picture.png", false, nil, .idle),
                ("rtsp://camera/stream", false, nil, .normal),
                ("http://example.com/live.m3u8", false, nil, .normal),
                ("clip.mp4", false, .normal, .normal),
                ("rtsp://camera/stream", false, .idle, .idle),
            ] as [(String, Bool, StreamOptions.DecodePriority?, StreamOptions.DecodePriority)])
        func losslessSourcesDecodeAtIdlePriorityUnlessTold(
            url: String, isRealtime: Bool, chosen: StreamOptions.DecodePriority?,
            expected: StreamOptions.DecodePriority
        ) {
            var options = StreamOptions(name: "s", url: url)
            options.isRealtime = isRealtime
            options.decodePriority = chosen
            #expect(options.decodePriority(for: SourceKind(url: url)) == expected)
        }

        @Test(
            arguments: [
                (1280, 720, 320, true, 320, 192),
                (640, 480, 320, true, 320, 256),
                (720, 1280, 320, true, 192, 320),
                (641, 479, 320, true, 320, 256),
                (1920, 1080, 640, true, 640, 384),
                (500, 500, 640, true, 640, 640),
                (10000, 1, 320, true, 320, 32),
                (1280, 720, 320, false, 320, 320),
                (160, 120, 640, false, 640, 640),
            ])
        func theLongSideIsTheImageSizeAndTheShortSideRoundsUpToTheStride(
            sourceWidth: Int, sourceHeight: Int, imageSize: Int, isRectangular: Bool, width: Int, height: Int
        ) {
            var options = StreamOptions(name: "s", url: "x.mp4")
            options.imageSize = imageSize
            options.isRectangular = isRectangular
            let size = options.inputSize(sourceWidth: sourceWidth, sourceHeight: sourceHeight)
            #expect(size.width == width)
            #expect(size.height == height)
        }
    }

    /// Classifying URLs and paths.
    @Suite struct SourceKindTests {
        @Test(
            arguments: [
                ("rtsp://10.0.0.5/stream", SourceKind.rtsp),
                ("RTSPS://camera:322/live", .rtsp),
                ("http://example.com/live.m3u8", .network),
                ("https://example.com/clip.mp4", .network),
                ("udp://239.0.0.1:1234", .network),
                ("rtmp://server/app/key", .network),
                ("srt://server:9000", .network),
                ("file:///videos/clip.mp4", .file),
                ("/no/such/clip.mp4", .file),
                ("/no/such/picture.JPG", .image),
            ])
        func urlsAndPathsAreClassified(url: String, kind: SourceKind) {
            #expect(SourceKind(url: url) == kind)
        }

        @Test func anExistingFolderIsAnImageFolder() throws {
            #expect(SourceKind(url: try MediaFixtures.path(MediaFixtures.imageFolder)) == .imageFolder)
        }

        @Test func liveSourcesWinByLatestFrameAndFilesAreLossless() {
            #expect(SourceKind.rtsp.isLive && SourceKind.network.isLive)
            #expect(!SourceKind.file.isLive && !SourceKind.image.isLive && !SourceKind.imageFolder.isLive)
            #expect(SourceKind.rtsp.deliveryPolicy(isRealtime: false) == .latestFrameWins)
            #expect(SourceKind.file.deliveryPolicy(isRealtime: false) == .lossless(capacity: 4))
            #expect(SourceKind.imageFolder.deliveryPolicy(isRealtime: false) == .lossless(capacity: 4))
            #expect(SourceKind.file.deliveryPolicy(isRealtime: true) == .latestFrameWins)
        }

        @Test func networkSourcesGetProtocolTimeoutsInMicrosecondsASecondPastTheDeadline() {
            let rtsp = SourceKind.rtsp.formatOptions(ioTimeout: .milliseconds(1500), rtspTransport: .udp)
            #expect(rtsp["rtsp_transport"] == "udp")
            #expect(rtsp["timeout"] == "2500000")
            #expect(rtsp["fpsprobesize"] == "2")
            // The probe ends after the first packets, so that no burst of stale frames follows the connection.
            #expect(rtsp["probesize"] == "32")
            #expect(rtsp["analyzeduration"] == "100000")
            let http = SourceKind.network.formatOptions(ioTimeout: .seconds(10), rtspTransport: .tcp)
            #expect(http == ["rw_timeout": "11000000"])
            #expect(SourceKind.file.formatOptions(ioTimeout: .seconds(10), rtspTransport: .tcp).isEmpty)
        }

        @Test func aFolderListsItsImagesByName() throws {
            let folder = try MediaFixtures.path(MediaFixtures.imageFolder)
            let names = try SourceKind.imagePaths(inFolder: folder).map { URL(fileURLWithPath: $0).lastPathComponent }
            #expect(names == ["a-red.png", "b-green.png", "c-blue.png"])
        }
    }

    /// Pacing a file at its native rate.
    @Suite struct FramePacerTests {
        @Test func framesAreDueAtTheirTimestampsFromTheFirst() {
            var pacer = FramePacer()
            let start = ContinuousClock.now
            #expect(pacer.delay(forPTS: 10, now: start) == .zero)
            #expect(pacer.delay(forPTS: 10.04, now: start) == .milliseconds(40))
            #expect(pacer.delay(forPTS: 10.5, now: start + .milliseconds(100)) == .milliseconds(400))
            // Late frames are due at once.
            #expect(pacer.delay(forPTS: 10.6, now: start + .milliseconds(700)) == .zero)
        }

        @Test func theAnchorMovesWhenTimeGoesBackOrThePipelineFallsFarBehind() {
            var pacer = FramePacer()
            let start = ContinuousClock.now
            _ = pacer.delay(forPTS: 0, now: start)
            // A loop: the file's clock starts again.
            #expect(pacer.delay(forPTS: 0, now: start + .seconds(2)) == .zero)
            #expect(pacer.delay(forPTS: 0.5, now: start + .seconds(2)) == .milliseconds(500))
            // Three seconds behind: no burst, the clock is anchored again.
            #expect(pacer.delay(forPTS: 1, now: start + .seconds(6)) == .zero)
            #expect(pacer.delay(forPTS: 1.2, now: start + .seconds(6)) == .milliseconds(200))
        }

        @Test func resetForgetsTheAnchor() {
            var pacer = FramePacer()
            let start = ContinuousClock.now
            _ = pacer.delay(forPTS: 0, now: start)
            pacer.reset()
            #expect(pacer.delay(forPTS: 5, now: start) == .zero)
        }
    }
}
