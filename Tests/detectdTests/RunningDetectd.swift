import Foundation
import Synchronization
import Testing

/// A `detectd` process running in the background, with its output collected as it arrives.
final class RunningDetectd: Sendable {
    private let process: Process
    private let output = Collected()
    private let errors = Collected()
    private let readers = DispatchGroup()

    /// Starts `detectd arguments`, in the test's environment or in `environment`.
    init(_ arguments: [String], environment: [String: String]? = nil) throws {
        process = Process()
        process.executableURL = DetectdProcess.binaryURL
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        Self.collect(stdout.fileHandleForReading, into: output, group: readers)
        Self.collect(stderr.fileHandleForReading, into: errors, group: readers)
    }

    /// Bytes read from one pipe, appended by a reader thread and read by the test.
    private final class Collected: Sendable {
        let data = Mutex(Data())
    }

    /// The process's ID.
    var processIdentifier: Int32 {
        process.processIdentifier
    }

    private static func collect(_ handle: FileHandle, into buffer: Collected, group: DispatchGroup) {
        group.enter()
        DispatchQueue.global().async {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.data.withLock { $0.append(chunk) }
            }
            group.leave()
        }
    }

    /// The complete lines written to stdout so far.
    var stdoutLines: [String] {
        let text = output.data.withLock { String(decoding: $0, as: UTF8.self) }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // The text after the last newline is not a complete line yet.
        return lines
    }

    /// Everything written to stderr so far.
    var stderr: String { errors.data.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Waits until a stdout line satisfies `predicate`, for at most `timeout`; returns whether one did.
    func waitForLine(timeout: Duration, _ predicate: ([String: Any]) -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for line in stdoutLines {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    predicate(object)
                {
                    return true
                }
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// Sends `signal` to the process.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit, killing it after `timeout`; returns its status and how long it took.
    func waitForExit(timeout: Duration) -> (status: Int32, isSignalled: Bool, elapsed: Duration) {
        let start = ContinuousClock.now
        while process.isRunning && ContinuousClock.now - start < timeout {
            Thread.sleep(forTimeInterval: 0.02)
        }
        let elapsed = ContinuousClock.now - start
        if process.isRunning {
            process.interrupt()
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        readers.wait()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal, elapsed)
    }
}
