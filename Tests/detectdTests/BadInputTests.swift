import Foundation
import Testing

/// Byte-level surgery on copies of real fixtures, so each case breaks exactly one thing.
private struct CorruptedFile {
    var bytes: [UInt8]

    init(copying url: URL) throws {
        bytes = [UInt8](try Data(contentsOf: url))
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The offset of the first occurrence of `text`.
    func offset(of text: String) throws -> Int {
        try #require(Data(bytes).range(of: Data(text.utf8))?.lowerBound, "'\(text)' not found")
    }

    /// The offset of the last occurrence of `signature`.
    func lastOffset(of signature: [UInt8]) throws -> Int {
        let found = Data(bytes).range(of: Data(signature), options: .backwards)?.lowerBound
        return try #require(found, "signature \(signature) not found")
    }

    mutating func writeLittleEndian(_ value: UInt64, at offset: Int, width: Int) {
        for index in 0..<width {
            bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))
        }
    }

    /// Replaces every occurrence of `old` by `new` of the same length.
    mutating func replaceAll(_ old: String, with new: String) {
        var data = Data(bytes)
        var searchStart = data.startIndex
        while let found = data.range(of: Data(old.utf8), in: searchStart..<data.endIndex) {
            data.replaceSubrange(found, with: Data(new.utf8))
            searchStart = found.upperBound
        }
        bytes = [UInt8](data)
    }

    func write(to directory: URL, name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }
}

@Suite("Bad weights files give a clear error and exit 65, never a crash")
struct BadInputTests {
    let directory: URL

    init() throws {
        directory = try Fixtures.temporaryDirectory()
    }

    private func expectDataError(
        _ path: String, mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation
    )
        throws
    {
        let result = try DetectdProcess.run(["inspect", "--json", path])
        #expect(!result.isSignalled, "detectd crashed: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.status == 65, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
        #expect(result.stderr.contains(path), sourceLocation: sourceLocation)
        for word in words {
            #expect(
                result.stderr.contains(word), "stderr lacks '\(word)': \(result.stderr)", sourceLocation: sourceLocation
            )
        }
    }

    @Test func truncatedZip() throws {
        let file = try CorruptedFile(copying: try Fixtures.yolov7("yolov7-tiny-nc3.pt"))
        for length in [file.bytes.count / 2, 100, 3] {
            let cut = CorruptedFile(bytes: Array(file.bytes.prefix(length)))
            try expectDataError(try cut.write(to: directory, name: "cut-\(length).pt"), mentioning: [])
        }
    }

    @Test func centralDirectoryBeyondTheEnd() throws {
        var file = try CorruptedFile(copying: try Fixtures.yolov7("yolov7-tiny-nc3.pt"))
        let end = try file.lastOffset(of: [0x50, 0x4B, 0x05, 0x06])
        file.writeLittleEndian(0x7FFF_0000, at: end + 16, width: 4)
        if let zip64 = try? file.lastOffset(of: [0x50, 0x4B, 0x06, 0x06]) {
            file.writeLittleEndian(0x7FFF_0000, at: zip64 + 48, width: 8)
        }
        try expectDataError(
            try file.write(to: directory, name: "lying-directory.pt"), mentioning: ["central directory"])
    }

    @Test func safetensorsHeaderThatLiesAboutOffsets() throws {
        var file = try CorruptedFile(copying: Fixtures.repository.appendingPathComponent("Models/example.safetensors"))
        // The 16x3x3x3 float32 conv weight is 1728 bytes; claim it runs far past the end of the data.
        let start = try file.offset(of: "\"model.0.conv.weight\"")
        let header = String(decoding: file.bytes[start..<start + 120], as: UTF8.self)
        let offsets = try #require(header.range(of: #"\[\d+,\d+\]"#, options: .regularExpression))
        let original = String(header[offsets])
        let numbers = original.dropFirst().dropLast().split(separator: ",")
        var lie = "[\(numbers[0]),9\(String(repeating: "9", count: numbers[1].count - 1))]"
        while lie.count < original.count { lie = lie.replacingOccurrences(of: "[", with: "[0") }
        try #require(lie.count == original.count)
        file.replaceAll(original, with: lie)
        try expectDataError(
            try file.write(to: directory, name: "lying.safetensors"), mentioning: ["model.0.conv.weight"])
    }

    @Test func unsupportedPickleOpcode() throws {
        var file = try CorruptedFile(copying: try Fixtures.yolov7("yolov7-tiny-nc3.state_dict.pt"))
        // Entries are stored uncompressed: the pickle's bytes follow the local header and its name.
        let name = try file.offset(of: "yolov7-tiny-nc3.state_dict/data.pkl")
        let header = name - 30
        let extra = Int(file.bytes[header + 28]) | Int(file.bytes[header + 29]) << 8
        let pickle = name + "yolov7-tiny-nc3.state_dict/data.pkl".utf8.count + extra
        #expect(file.bytes[pickle] == 0x80, "a protocol-2 pickle opens with PROTO")
        file.bytes[pickle + 2] = 0xFF
        try expectDataError(try file.write(to: directory, name: "opcode.pt"), mentioning: ["opcode", "0xff"])
    }

    @Test func missingStorageRecord() throws {
        var file = try CorruptedFile(copying: try Fixtures.yolov7("yolov7-tiny-nc3.state_dict.pt"))
        // Rename the record of storage 17 in both the local header and the central directory.
        file.replaceAll("yolov7-tiny-nc3.state_dict/data/17", with: "yolov7-tiny-nc3.state_dict/data/q7")
        try expectDataError(try file.write(to: directory, name: "missing-record.pt"), mentioning: ["data/17"])
    }

    @Test func emptyAndRandomFiles() throws {
        try expectDataError(try CorruptedFile(bytes: []).write(to: directory, name: "empty.pt"), mentioning: [])
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try expectDataError(try CorruptedFile(bytes: noise).write(to: directory, name: "noise.bin"), mentioning: [])
        let zipNoise: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + noise
        try expectDataError(
            try CorruptedFile(bytes: zipNoise).write(to: directory, name: "zip-noise.pt"), mentioning: [])
    }

    @Test func missingFileExits66() throws {
        let path = directory.appendingPathComponent("absent.pt").path
        let result = try DetectdProcess.run(["inspect", path])
        #expect(result.status == 66)
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("no such file"))
    }
}
