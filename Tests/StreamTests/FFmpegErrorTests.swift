import CFFmpeg
import Testing

@testable import Stream

extension StreamTests {
    @Suite struct FFmpegErrorTests {
        @Test func aReturnCodeKeepsTheFunctionAndFFmpegsMessage() {
            let error = FFmpegError(code: cffmpeg_error_invaliddata(), function: "avcodec_send_packet")
            #expect(
                error
                    == .call(
                        function: "avcodec_send_packet", code: cffmpeg_error_invaliddata(),
                        message: "Invalid data found when processing input"))
            #expect(error.description.contains("avcodec_send_packet failed: Invalid data found"))
        }

        @Test func checkPassesResultsAndThrowsFailures() throws {
            #expect(try FFmpegError.check(7, "f") == 7)
            #expect(throws: FFmpegError.call(function: "f", code: -2, message: "No such file or directory")) {
                try FFmpegError.check(-2, "f")
            }
        }

        @Test(arguments: [
            ("rtsp://admin:secret@10.0.0.5:554/live", "rtsp://admin:***@10.0.0.5:554/live"),
            ("rtsp://10.0.0.5/live", "rtsp://10.0.0.5/live"),
            ("http://user@host/a:b@c", "http://user@host/a:b@c"),
            ("/data/a:b@c.mp4", "/data/a:b@c.mp4"),
        ])
        func descriptionsHidePasswords(url: String, shown: String) {
            #expect(FFmpegError.redacted(url) == shown)
            #expect(FFmpegError.noVideoStream(url: url).description == "'\(shown)' has no video stream")
        }
    }
}
