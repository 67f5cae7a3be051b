import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A test server in a child process on a loopback port: started, killed, paused and restarted by the tests.
///
/// The child's stdin is a pipe that this object holds, so that a server which exits at the end of its input
/// (the RTSP server does) dies with the test process even when a test crashes. Its stderr is discarded.
///
/// - Important: Not thread-safe; use a server from the test that made it. The child is killed in `deinit`.
final class ServerProcess {
    /// Why a server could not be started.
    struct StartError: Error, CustomStringConvertible {
        /// What went wrong.
        let description: String
    }

    /// The port the server listens on, the same across restarts.
    let port: UInt16
    /// The program and its arguments.
    private let command: [String]
    /// The text the server prints on stdout once it listens.
    private let readyMarker: String
    /// The running child.
    private var process: Process?
    /// The child's stdin, held open for its life.
    private var input: Pipe?
    /// The child's stdout, read until the ready marker.
    private var output: Pipe?

    /// Starts `command` (which must make the server listen on `port`) and waits up to `timeout` for it to
    /// print `readyMarker`.
    init(command: [String], port: UInt16, readyMarker: String, timeout: Duration = .seconds(20)) throws {
        self.command = command
        self.port = port
        self.readyMarker = readyMarker
        try launch(timeout: timeout)
    }

    deinit {
        kill()
    }

    /// The child's process id, or 0 when it is not running.
    var processIdentifier: Int32 {
        guard let process, process.isRunning else { return 0 }
        return process.processIdentifier
    }

    /// Kills the child at once (SIGKILL, as a crash or power cut would) and reaps it.
    func kill() {
        guard let process else { return }
        if process.isRunning {
            // A stopped process dies of SIGKILL too; SIGCONT only keeps `waitUntilExit` simple.
            Glibc.kill(process.processIdentifier, SIGKILL)
            Glibc.kill(process.processIdentifier, SIGCONT)
        }
        process.waitUntilExit()
        self.process = nil
        input = nil
        output = nil
    }

    /// Freezes the child (SIGSTOP): its sockets stay open and silent.
    func pause() {
        if processIdentifier != 0 { Glibc.kill(processIdentifier, SIGSTOP) }
    }

    /// Lets a frozen child run again (SIGCONT).
    func resume() {
        if processIdentifier != 0 { Glibc.kill(processIdentifier, SIGCONT) }
    }

    /// Kills the child, if it runs, and starts it again on the same port.
    func restart(timeout: Duration = .seconds(20)) throws {
        kill()
        try launch(timeout: timeout)
    }

    /// Starts the child and waits for its ready marker.
    private func launch(timeout: Duration) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.input = input
        self.output = output

        let seen = Mutex("")
        let done = DispatchSemaphore(value: 0)
        let reader = output.fileHandleForReading
        let marker = readyMarker
        DispatchQueue.global().async {
            while true {
                let data = reader.availableData
                let text = seen.withLock { text in
                    text += String(decoding: data, as: UTF8.self)
                    return text
                }
                if data.isEmpty || text.contains(marker) { break }
            }
            done.signal()
        }
        let seconds = Double(timeout.components.seconds)
        let finished = done.wait(timeout: .now() + seconds) == .success
        let text = seen.withLock { $0 }
        guard finished, text.contains(readyMarker) else {
            kill()
            throw StartError(description: "\(command.joined(separator: " ")) did not get ready: '\(text)'")
        }
    }
}

extension ServerProcess {
    /// The Python interpreter with Debian's `gi` package (the `python3` on PATH may be another build).
    static let debianPython = "/usr/bin/python3"

    /// Whether GStreamer's RTSP server can run here, checked once: Debian's Python can load it.
    static let isRTSPServerAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: debianPython)
        process.arguments = [
            "-c", "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// Tests/Support/rtsp_server.py, found from this file's path.
    static let rtspServerScript = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Support/rtsp_server.py").path

    /// GStreamer's RTSP server with a live 640x480 H.264 test stream at `rtsp://127.0.0.1:PORT/test`, on a free
    /// port (or `port`); with `isSplittingKeyframes`, parameter sets between the slices of every keyframe (the
    /// script's `--split-keyframes`).
    static func rtsp(port: UInt16? = nil, isSplittingKeyframes: Bool = false) throws -> ServerProcess {
        let port = try port ?? freeLoopbackPort()
        let flags = isSplittingKeyframes ? ["--split-keyframes"] : []
        return try ServerProcess(
            command: [debianPython, rtspServerScript, String(port)] + flags, port: port, readyMarker: "ready")
    }

    /// Python's HTTP file server for `directory` on a free port.
    static func http(directory: String) throws -> ServerProcess {
        let port = try freeLoopbackPort()
        return try ServerProcess(
            command: [
                debianPython, "-u", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", directory,
            ],
            port: port, readyMarker: "Serving HTTP")
    }

    /// A loopback port that nothing listens on (as of the call): bound by the kernel's choice, then closed.
    static func freeLoopbackPort() throws -> UInt16 {
        try SilentServer().port
    }
}
