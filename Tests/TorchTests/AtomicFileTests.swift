import Foundation
import Testing
import Torch

/// A fresh empty directory for one test, removed by `remove()`.
private struct ScratchDirectory {
    /// Absolute path of the directory.
    let path: String

    /// Creates a uniquely named directory under the system's temporary directory.
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    /// The names of the entries in the directory, sorted.
    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    /// Deletes the directory and everything in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// An error thrown from inside a streaming body.
private struct BodyFailure: Error, Equatable {}

@Suite("AtomicFile")
struct AtomicFileTests {
    @Test("writes a new file and leaves no temporary file")
    func writesNewFile() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path + "/out.bin"
        let content = Data([0, 1, 2, 3, 255, 254])
        try AtomicFile.write(content, to: path)
        #expect(FileManager.default.contents(atPath: path) == content)
        #expect(try directory.entries() == ["out.bin"])
    }

    @Test("replaces existing content, also with shorter content")
    func overwritesExistingFile() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path + "/config.json"
        try AtomicFile.write(Data(repeating: 7, count: 4096), to: path)
        try AtomicFile.write(Data("short".utf8), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data("short".utf8))
        try AtomicFile.write(Data(), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data())
        #expect(try directory.entries() == ["config.json"])
    }

    @Test("streams several chunks in order")
    func streamsChunks() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path + "/stream.bin"
        let big = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try AtomicFile.write(to: path) { writer in
            try writer.write(Data("head".utf8))
            try writer.write(Data())
            try writer.write(big)
            try [UInt8](arrayLiteral: 9, 8, 7).withUnsafeBytes { try writer.write($0) }
        }
        var expected = Data("head".utf8)
        expected.append(big)
        expected.append(contentsOf: [9, 8, 7])
        #expect(FileManager.default.contents(atPath: path) == expected)
        #expect(try directory.entries() == ["stream.bin"])
    }

    @Test("a missing directory gives unwritableFile with the system's reason")
    func missingDirectoryFails() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path + "/absent/out.bin"
        let error = try #require(throws: TorchError.self) {
            try AtomicFile.write(Data("x".utf8), to: path)
        }
        guard case .unwritableFile(let errorPath, let reason) = error else {
            Issue.record("expected unwritableFile, got \(error)")
            return
        }
        #expect(errorPath == path)
        #expect(reason.contains("No such file or directory"))
        #expect(try directory.entries().isEmpty)
    }

    @Test("a failing body leaves the old content and no temporary file")
    func failingBodyKeepsOldContent() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path + "/kept.txt"
        try AtomicFile.write(Data("old".utf8), to: path)
        #expect(throws: BodyFailure()) {
            try AtomicFile.write(to: path) { writer in
                try writer.write(Data("partial new content".utf8))
                throw BodyFailure()
            }
        }
        #expect(FileManager.default.contents(atPath: path) == Data("old".utf8))
        #expect(try directory.entries() == ["kept.txt"])
    }

    @Test("a failed rename removes the temporary file")
    func failedRenameCleansUp() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        // A non-empty directory at the destination makes rename(2) fail.
        let path = directory.path + "/occupied"
        try FileManager.default.createDirectory(atPath: path + "/inner", withIntermediateDirectories: true)
        let error = try #require(throws: TorchError.self) {
            try AtomicFile.write(Data("x".utf8), to: path)
        }
        guard case .unwritableFile(_, let reason) = error else {
            Issue.record("expected unwritableFile, got \(error)")
            return
        }
        #expect(reason.contains("rename"))
        #expect(try directory.entries() == ["occupied"])
    }

    @Test("a writer kept past its call refuses to write")
    func writerIsInvalidAfterCommit() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path + "/done.bin"
        var escaped: AtomicFile.Writer?
        try AtomicFile.write(to: path) { writer in
            try writer.write(Data([1]))
            escaped = writer
        }
        let writer = try #require(escaped)
        #expect(throws: TorchError.self) {
            try writer.write(Data([2]))
        }
        #expect(FileManager.default.contents(atPath: path) == Data([1]))
    }
}
