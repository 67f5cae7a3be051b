import Foundation
import Testing

/// Paths to the shared BCCD dataset and small datasets made once per test process in a temporary directory (removed
/// when the process exits), with images made by the `ffmpeg` command-line tool.
enum DatasetFixtures {
    /// The BCCD Pascal VOC tree beside the repository: `<repo>/../shared/datasets/bccd/BCCD`.
    static let bccd: String = {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repository.deletingLastPathComponent().appendingPathComponent("shared/datasets/bccd/BCCD").path
    }()

    /// Whether the BCCD tree is present.
    static var hasBCCD: Bool { FileManager.default.fileExists(atPath: bccd + "/Annotations") }

    /// Why a fixture could not be made.
    struct FixtureError: Error, CustomStringConvertible {
        /// What went wrong.
        let description: String
    }

    /// The fixture directory, made on first use.
    private static let made: Result<String, FixtureError> = Result { () throws(FixtureError) -> String in
        try make()
    }

    /// The fixture directory: `base.jpg` (64x48 test pattern), `base.png` (64x48) and `tall.jpg` (48x64).
    static func directory() throws -> String {
        try made.get()
    }

    /// Writes `text` to `path`, making its directory.
    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Copies fixture image `name` to `path`, making its directory.
    static func copyImage(_ name: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: directory() + "/" + name, toPath: path)
    }

    /// A fresh, empty directory under the fixture directory.
    static func makeDirectory(_ name: String) throws -> String {
        let path = try directory() + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private static func make() throws(FixtureError) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("detectd-datasets-tests-\(getpid())")
            .path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FixtureError(description: "cannot create \(path): \(error)")
        }
        atexit {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "detectd-datasets-tests-\(getpid())")
            try? FileManager.default.removeItem(at: path)
        }
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", path + "/base.jpg"])
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", path + "/base.png"])
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=48x64", "-frames:v", "1", path + "/tall.jpg"])
        return path
    }

    private static func ffmpeg(_ arguments: [String]) throws(FixtureError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"] + arguments
        do {
            try process.run()
        } catch {
            throw FixtureError(description: "cannot run ffmpeg: \(error)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(
                description: "ffmpeg \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}
