import Foundation
import Stream
import Testing

extension StreamTests {
    @Suite struct MediaSourceTests {
        @Test(arguments: MediaFixtures.clips)
        func opensAClipAndReportsItsVideoStream(name: String) throws {
            let source = try MediaSource(url: try MediaFixtures.path(name))
            #expect(source.width == 160)
            #expect(source.height == 120)
            #expect(source.averageFrameRate == Rational(25, 1))
            #expect(source.timeBase.isValid)
            // mpeg4 where FFmpeg lacks libx264 (see MediaFixtures).
            let codecs: Set = name.hasSuffix(".avi") ? ["mjpeg"] : ["h264", "mpeg4"]
            #expect(codecs.contains(source.codecName))
        }

        @Test func readsEveryPacketThenReportsTheEnd() throws {
            let source = try MediaSource(url: try MediaFixtures.path("clip.mkv"))
            let packet = try Packet()
            var packets = 0
            while try source.readPacket(into: packet) {
                #expect(packet.streamIndex == source.videoStreamIndex)
                #expect(packet.size > 0)
                packets += 1
            }
            #expect(packets == MediaFixtures.clipFrameCount)
            #expect(try source.readPacket(into: packet) == false)
        }

        @Test func opensASingleImage() throws {
            let source = try MediaSource(url: try MediaFixtures.path("red.png"))
            #expect(source.width == 64)
            #expect(source.height == 48)
            #expect(source.codecName == "png")
        }

        @Test func reportsOptionsThatNothingUsed() throws {
            let options = MediaSource.Options(formatOptions: ["probesize": "100000", "no_such_option": "1"])
            let source = try MediaSource(url: try MediaFixtures.path("clip.mp4"), options: options)
            #expect(source.ignoredOptions == ["no_such_option"])
        }

        @Test func aMissingFileNamesThePathAndTheReason() throws {
            let path = try MediaFixtures.directory() + "/no-such-file.mp4"
            let error = try #require(throws: FFmpegError.self) { try MediaSource(url: path) }
            guard case .openFailed(let url, let reason) = error else {
                Issue.record("expected openFailed, got \(error)")
                return
            }
            #expect(url == path)
            #expect(reason.contains("No such file"))
            #expect(error.description.contains(path))
            #expect(error.description.contains("No such file"))
        }

        @Test func aDirectoryFailsToOpen() throws {
            let path = try MediaFixtures.directory()
            let error = try #require(throws: FFmpegError.self) { try MediaSource(url: path) }
            guard case .openFailed(let url, _) = error else {
                Issue.record("expected openFailed, got \(error)")
                return
            }
            #expect(url == path)
        }

        @Test func randomBytesFailToOpen() throws {
            let path = try MediaFixtures.path("random.bin")
            let error = try #require(throws: FFmpegError.self) { try MediaSource(url: path) }
            #expect(error.description.contains(path))
        }

        @Test func anAudioFileHasNoVideoStream() throws {
            let path = try MediaFixtures.path("audio.wav")
            #expect(throws: FFmpegError.noVideoStream(url: path)) { try MediaSource(url: path) }
        }

        @Test func aSilentServerTimesOutInsteadOfHanging() throws {
            let server = try SilentServer()
            let url = "http://127.0.0.1:\(server.port)/stream"
            let timeout = Duration.milliseconds(400)
            let clock = ContinuousClock()
            let start = clock.now
            #expect(throws: FFmpegError.timedOut(url: url, timeout: timeout)) {
                try MediaSource(url: url, options: .init(ioTimeout: timeout))
            }
            let elapsed = clock.now - start
            #expect(elapsed >= timeout)
            #expect(elapsed < .seconds(5))
        }

        @Test func cancellingFromAnotherQueueStopsABlockingOpen() throws {
            let server = try SilentServer()
            let url = "http://127.0.0.1:\(server.port)/stream"
            let interrupter = IOInterrupter()
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { interrupter.cancel() }
            let clock = ContinuousClock()
            let start = clock.now
            #expect(throws: FFmpegError.interrupted(url: url)) {
                try MediaSource(url: url, options: .init(ioTimeout: .seconds(60)), interrupter: interrupter)
            }
            #expect(clock.now - start < .seconds(5))
            #expect(interrupter.isCancelled)
        }
    }
}

/// A TCP server on loopback that accepts connections (the kernel completes them) and never answers: the worst
/// peer a blocking read can meet.
final class SilentServer {
    /// The listening socket.
    private let socketDescriptor: Int32
    /// The port it listens on.
    let port: UInt16

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && listen(descriptor, 8) == 0
                    && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        socketDescriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit {
        close(socketDescriptor)
    }
}
