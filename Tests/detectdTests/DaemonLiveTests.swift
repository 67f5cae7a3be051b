import Foundation
import Testing

/// GStreamer's RTSP server on a loopback port, started by `Tests/Support/rtsp_server.py` with Debian's Python.
private final class RTSPServer {
    let port: UInt16
    private var process: Process?
    private var input: Pipe?

    init(port: UInt16) throws {
        self.port = port
        try start()
    }

    deinit { kill() }

    var url: String { "rtsp://127.0.0.1:\(port)/test" }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            Fixtures.repository.appendingPathComponent("Tests/Support/rtsp_server.py").path, String(port), "320", "240",
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The server prints "ready PORT" once it listens.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("ready") {
            let chunk = output.fileHandleForReading.availableData
            try #require(!chunk.isEmpty, "the RTSP server exited before it was ready")
            seen.append(chunk)
        }
        self.process = process
        self.input = input
    }

    /// SIGKILL, as a camera that loses power.
    func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
        input = nil
    }

    static func freePort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        try #require(bound, "no free port")
        return UInt16(bigEndian: address.sin_port)
    }
}

@Suite(
    "The daemon on a live RTSP camera beside a file stream",
    .enabled(
        if: FileManager.default.fileExists(
            atPath: "/usr/lib/x86_64-linux-gnu/girepository-1.0/GstRtspServer-1.0.typelib"),
        "GStreamer's RTSP server is not installed: run through ./setup.sh test"),
    .enabled(if: OutputSchema.python != nil, "DETECTD_PYTHON is not set: run through ./setup.sh test"))
struct DaemonLiveTests {
    /// Kill the camera mid-stream and bring it back: the camera stream reconnects and resumes, and the file
    /// stream in the same process keeps flowing the whole time.
    @Test func cameraDropsAndReturnsWhileTheOtherStreamNeverPauses() throws {
        let server = try RTSPServer(port: try RTSPServer.freePort())
        let clip = try DaemonClips.clip("side.mp4", frames: 25)
        let daemon = try RunningDetectd([
            "--weights", try DaemonTests.weights(), "--imgsz", "128", "--stats-interval", "0", "--timeout", "2",
            "--stall-timeout", "2", "cam=\(server.url)", "file=\(clip)", "--realtime", "--loop",
        ])
        func frames(of stream: String) -> [[String: Any]] {
            daemon.stdoutLines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .filter { $0["type"] as? String == "detections" && $0["stream"] as? String == stream }
        }
        #expect(
            daemon.waitForLine(timeout: .seconds(60)) {
                $0["stream"] as? String == "cam" && ($0["frame"] as? Int ?? 0) >= 10
            })

        server.kill()
        let fileFramesAtDrop = frames(of: "file").count
        #expect(
            daemon.waitForLine(timeout: .seconds(20)) {
                $0["type"] as? String == "event" && $0["event"] as? String == "reconnecting"
            })
        Thread.sleep(forTimeInterval: 2)
        let fileFramesDuringOutage = frames(of: "file").count - fileFramesAtDrop
        #expect(fileFramesDuringOutage >= 25, "the file stream paused: \(fileFramesDuringOutage) frames in the outage")

        let camFramesBefore = frames(of: "cam").count
        try server.start()
        #expect(
            daemon.waitForLine(timeout: .seconds(40)) { _ in frames(of: "cam").count > camFramesBefore + 10 },
            "camera frames did not resume")
        let camIndices = frames(of: "cam").compactMap { $0["frame"] as? Int }
        #expect(camIndices == camIndices.sorted(), "frame indices keep increasing across the reconnect")

        daemon.send(SIGTERM)
        let exit = daemon.waitForExit(timeout: .seconds(10))
        #expect(exit.status == 0, "\(daemon.stderr)")
        let events = daemon.stdoutLines.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["type"] as? String == "event" && $0["stream"] as? String == "cam" }.compactMap {
            $0["event"] as? String
        }
        #expect(events.first == "connected")
        #expect(events.contains("reconnecting"))
        #expect(events.filter { $0 == "connected" }.count >= 2)
        #expect(try OutputSchema.problems(in: daemon.stdoutLines.joined(separator: "\n") + "\n") == [])
    }
}
