import Foundation
import Testing

/// Clips made once with the ffmpeg CLI for the daemon tests.
enum DaemonClips {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("detectd-daemon-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// A clip of `frames` frames at 25 fps, `width` x `height`, made on first use.
    static func clip(
        _ name: String, frames: Int = 50, width: Int = 160, height: Int = 120,
        codec: [String] = [
            "-c:v", "libx264", "-pix_fmt", "yuv420p",
        ]
    ) throws -> String {
        let path = directory.appendingPathComponent(name).path
        if FileManager.default.fileExists(atPath: path) { return path }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments =
            [
                "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(width)x\(height):rate=25",
                "-frames:v", String(frames),
            ] + codec + [path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "ffmpeg could not make \(name)")
        return path
    }
}

@Suite(
    "The daemon, end to end on files",
    .enabled(if: OutputSchema.python != nil, "DETECTD_PYTHON is not set: run through ./setup.sh test"))
struct DaemonTests {
    static func weights() throws -> String { try Fixtures.yolov7("yolov7-tiny-nc3.pt").path }

    @Test(arguments: ["clip.mp4", "clip.mkv"])
    func losslessFileGivesEveryFrameWithExactPTS(clip: String) throws {
        let path = try DaemonClips.clip(clip)
        let result = try DetectdProcess.run([
            "--weights", try Self.weights(), "--imgsz", "128", "--stats-interval", "0", "cam=\(path)",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try OutputSchema.problems(in: result.stdout) == [])
        let lines = try result.jsonLines()
        let frames = lines.filter { $0["type"] as? String == "detections" }
        #expect(frames.map { $0["frame"] as? Int } == (0..<50).map { $0 })
        let pts = frames.compactMap { $0["pts"] as? Double }
        #expect(pts.count == 50)
        #expect(zip(pts, (0..<50).map { Double($0) / 25 }).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
        #expect(frames.allSatisfy { $0["stream"] as? String == "cam" && $0["width"] as? Int == 160 })
        let events = lines.filter { $0["type"] as? String == "event" }.compactMap { $0["event"] as? String }
        #expect(events == ["connected", "eof"])
        let stats = try #require(lines.last { $0["type"] as? String == "stats" })
        #expect(stats["frames"] as? Int == 50)
        #expect(stats["dropped"] as? Int == 0)
    }

    @Test func twoStreamsInOneProcessAndOneBadSource() throws {
        let first = try DaemonClips.clip("a.mp4", frames: 20)
        let second = try DaemonClips.clip("b.avi", frames: 15, width: 64, height: 48, codec: ["-c:v", "mjpeg"])
        let result = try DetectdProcess.run([
            "--weights", try Self.weights(), "--imgsz", "128", "--stats-interval", "0", "a=\(first)", "b=\(second)",
            "missing=/nonexistent/clip.mp4",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try OutputSchema.problems(in: result.stdout) == [])
        let lines = try result.jsonLines()
        let frames = lines.filter { $0["type"] as? String == "detections" }
        #expect(frames.filter { $0["stream"] as? String == "a" }.count == 20)
        #expect(frames.filter { $0["stream"] as? String == "b" }.count == 15)
        let failure = try #require(
            lines.first { $0["type"] as? String == "event" && $0["stream"] as? String == "missing" })
        #expect(failure["event"] as? String == "error")
        #expect((failure["reason"] as? String)?.contains("No such file") == true)
    }

    @Test func noSourceThatOpensExits66() throws {
        let result = try DetectdProcess.run([
            "--weights", try Self.weights(), "--imgsz", "128", "one=/nonexistent/a.mp4", "two=rtsp://127.0.0.1:9/x",
            "--timeout", "2",
        ])
        #expect(result.status == 66, "\(result.stderr)")
        #expect(!result.isSignalled)
        let events = try result.jsonLines().filter { $0["type"] as? String == "event" }
        #expect(Set(events.compactMap { $0["stream"] as? String }) == ["one", "two"])
        #expect(events.allSatisfy { $0["event"] as? String == "error" })
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func signalStopsWithinTwoSecondsWithFinalStats(signal: Int32) throws {
        let path = try DaemonClips.clip("loop.mp4", frames: 25)
        let daemon = try RunningDetectd([
            "--weights", try Self.weights(), "--imgsz", "128", "--stats-interval", "0", "--loop", "--realtime",
            "loop=\(path)",
        ])
        #expect(daemon.waitForLine(timeout: .seconds(60)) { $0["type"] as? String == "detections" })
        daemon.send(signal)
        let exit = daemon.waitForExit(timeout: .seconds(10))
        #expect(exit.status == 0, "\(daemon.stderr)")
        #expect(!exit.isSignalled)
        #expect(exit.elapsed < .seconds(2))
        let lines = daemon.stdoutLines
        let last = try #require(lines.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) })
        #expect((last as? [String: Any])?["type"] as? String == "stats")
        #expect(try OutputSchema.problems(in: lines.joined(separator: "\n") + "\n") == [])
    }

    @Test(
        arguments: [
            ([:], "3000"), (["GOMP_SPINCOUNT": "7"], "7"), (["OMP_WAIT_POLICY": "PASSIVE"], nil),
        ] as [([String: String], String?)])
    func openMPSpinsBrieflyUnlessTheUserChose(chosen: [String: String], spinCount: String?) throws {
        let path = try DaemonClips.clip("loop.mp4", frames: 25)
        var environment = ProcessInfo.processInfo.environment
        environment["GOMP_SPINCOUNT"] = nil
        environment["OMP_WAIT_POLICY"] = nil
        environment.merge(chosen) { _, new in new }
        let daemon = try RunningDetectd(
            [
                "--weights", try Self.weights(), "--imgsz", "128", "--stats-interval", "0", "--loop", "--realtime",
                "loop=\(path)",
            ], environment: environment)
        #expect(daemon.waitForLine(timeout: .seconds(60)) { $0["type"] as? String == "detections" })
        // The environment the running image started with: after the re-execution, the one libgomp read.
        let environ = try String(contentsOfFile: "/proc/\(daemon.processIdentifier)/environ", encoding: .utf8)
        let variables = environ.split(separator: "\0").map(String.init)
        // Re-executed under its own name, so that ps, top and the journal show detectd.
        let name = try String(contentsOfFile: "/proc/\(daemon.processIdentifier)/comm", encoding: .utf8)
        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: .seconds(10)).status == 0, "\(daemon.stderr)")
        let spin = variables.first { $0.hasPrefix("GOMP_SPINCOUNT=") }.map { String($0.dropFirst(15)) }
        #expect(spin == spinCount)
        #expect(name == "detectd\n")
        if let policy = chosen["OMP_WAIT_POLICY"] {
            #expect(variables.contains("OMP_WAIT_POLICY=\(policy)"))
        }
    }

    @Test func badCommandLinesExit64() throws {
        let weights = try Self.weights()
        for arguments in [
            ["--weights", weights], ["--weights", weights, "--imgsz", "100", "x.mp4"],
            ["--weights", weights, "a=x.mp4", "a=y.mp4"], ["--weights", weights, "--rtsp-transport", "sctp", "x.mp4"],
            ["--weights", weights, "--decode-priority", "realtime", "x.mp4"],
        ] {
            let result = try DetectdProcess.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }
}
