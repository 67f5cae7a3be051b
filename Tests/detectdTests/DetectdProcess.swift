import Foundation
import Testing

/// What a run of the built `detectd` binary printed and how it ended.
struct DetectdResult {
    /// The exit status (for a normal exit) or the signal number (for `isSignalled`).
    let status: Int32
    /// Whether a signal ended the process: a crash, for detectd.
    let isSignalled: Bool
    /// Everything written to stdout.
    let stdout: String
    /// Everything written to stderr.
    let stderr: String

    /// stdout split into lines, each of which must be a complete JSON object.
    func jsonLines(sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "not a JSON object: \(line)", sourceLocation: sourceLocation)
        }
    }
}

/// Runs the `detectd` binary that `swift build` put beside the test bundle (or `DETECTD_BINARY`).
enum DetectdProcess {
    static var binaryURL: URL {
        if let path = ProcessInfo.processInfo.environment["DETECTD_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        return bundle.deletingLastPathComponent().appendingPathComponent("detectd")
    }

    /// Runs `detectd arguments` to completion and collects its output.
    static func run(_ arguments: [String], timeout: Duration = .seconds(120)) throws -> DetectdResult {
        let process = Process()
        process.executableURL = binaryURL
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // A hung detectd is a failure, not a hung test run: kill it after `timeout`.
        let deadline = DispatchWorkItem { [process] in
            if process.isRunning { process.terminate() }
        }
        let seconds = Double(timeout.components.seconds)
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: deadline)
        defer { deadline.cancel() }
        // Read both pipes at once so that a full pipe never blocks the child.
        let readers = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        DispatchQueue.global().async(group: readers) {
            errorData = errors.fileHandleForReading.readDataToEndOfFile()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        readers.wait()
        return DetectdResult(
            status: process.terminationStatus,
            isSignalled: process.terminationReason == .uncaughtSignal,
            stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self))
    }
}

/// Paths to the shared reference fixtures and to the repository.
enum Fixtures {
    /// The repository root, found from this file's path.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The YOLOv7 fixtures: `DETECTD_FIXTURES`, or `../shared/yolov7` beside the repository.
    static var yolov7: URL {
        if let path = ProcessInfo.processInfo.environment["DETECTD_FIXTURES"] {
            return URL(fileURLWithPath: path)
        }
        return repository.deletingLastPathComponent().appendingPathComponent("shared/yolov7")
    }

    /// A fixture file, required to exist.
    static func yolov7(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        let url = yolov7.appendingPathComponent(name)
        try #require(
            FileManager.default.fileExists(atPath: url.path), "missing fixture \(url.path)",
            sourceLocation: sourceLocation)
        return url
    }

    /// A new empty directory for one test's files.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("detectd-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
